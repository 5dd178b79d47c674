"""The pages of the sidebar, in order. A page is built with a :class:`PageContext` and never imports the
main window; the window builds each page the first time it is visited (:class:`LazyPages`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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


PAGE_KEYS = tuple(spec.key for spec in PAGES)


def build_page(spec: PageSpec, ctx: PageContext) -> QWidget:
    return spec.factory(ctx)


class LazyPages(Mapping[str, QWidget]):
    """Every sidebar page by key, each built (by ``build``) the first time it is asked for: the window shows
    before any page module (and what it imports: pyqtgraph, numpy, pandas) is loaded, and a page nobody opens
    costs nothing. ``built()`` gives the pages that exist so far, for work that should not build the rest
    (refreshing, saving their state)."""

    def __init__(self, build: Callable[[PageSpec], QWidget]) -> None:
        self._build = build
        self._specs = {spec.key: spec for spec in PAGES}
        self._built: dict[str, QWidget] = {}

    def __getitem__(self, key: str) -> QWidget:
        page = self._built.get(key)
        if page is None:
            page = self._build(self._specs[key])  # KeyError for a key that is no page
            self._built[key] = page
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def built(self) -> dict[str, QWidget]:
        return dict(self._built)

    def is_built(self, key: str) -> bool:
        return key in self._built
