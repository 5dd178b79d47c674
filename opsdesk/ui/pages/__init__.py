"""The pages of the sidebar, in order. A page is built with a :class:`PageContext` and never imports the
main window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from opsdesk.ui.pages.base import Page, PageContext


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon: str
    factory: Callable[[PageContext], Page]


def _dashboard(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.dashboard import DashboardPage

    return DashboardPage(ctx)


def _initiatives(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.initiatives import InitiativesPage

    return InitiativesPage(ctx)


def _objectives(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.objectives import ObjectivesPage

    return ObjectivesPage(ctx)


def _data_models(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.data_models import DataModelsPage

    return DataModelsPage(ctx)


def _people(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.people import PeoplePage

    return PeoplePage(ctx)


def _standards(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.standards import StandardsPage

    return StandardsPage(ctx)


def _costs(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.costs import CostsPage

    return CostsPage(ctx)


def _committee(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.committee import CommitteePage

    return CommitteePage(ctx)


def _risks(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.risks import RisksPage

    return RisksPage(ctx)


def _lessons(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.lessons import LessonsPage

    return LessonsPage(ctx)


def _reporting(ctx: PageContext) -> Page:
    from opsdesk.ui.pages.reporting import ReportingPage

    return ReportingPage(ctx)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("dashboard", "Dashboard", "dashboard", _dashboard),
    PageSpec("initiatives", "Initiatives", "initiatives", _initiatives),
    PageSpec("objectives", "Objectives", "objectives", _objectives),
    PageSpec("data_models", "Data & Models", "data", _data_models),
    PageSpec("costs", "Costs", "costs", _costs),
    PageSpec("standards", "Standards", "standards", _standards),
    PageSpec("committee", "Committee", "committee", _committee),
    PageSpec("risks", "Risks & Incidents", "risks", _risks),
    PageSpec("people", "People & Skills", "people", _people),
    PageSpec("lessons", "Lessons", "lessons", _lessons),
    PageSpec("reporting", "Reporting", "reporting", _reporting),
)


def build_page(spec: PageSpec, ctx: PageContext) -> QWidget:
    return spec.factory(ctx)
