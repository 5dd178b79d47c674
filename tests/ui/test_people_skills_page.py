"""People & Skills opens fast on a long register: each tab loads on a worker when it is shown (plain rows; for
the skills matrix, the cross-training report computed from them and the panel's HTML), rows one tab has read are
handed to the others of the same load, the GUI thread only resets the models, and the cross-training panel lists
at most 40 entries per list."""

from __future__ import annotations

import threading

from opsdesk.analytics import skills as analytics
from opsdesk.services.registry import people
from opsdesk.services.standards import skills


def _texts(model, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_each_tab_shows_what_the_services_and_the_analytics_say_once_shown(window, tmp_path):
    """Going to the page shows the register; the heat map with its cross-training panel and the training records
    are there once their tabs are shown — the same as the services and the analytics on the demo."""
    page = window.go_to("people")
    page.tabs.setCurrentIndex(0)
    page.refresh()
    window.settle()
    everyone = people.list_all(window.ws, include_inactive=True)
    assert [p.id for p in page.people.register.model.all_rows()] == [p.id for p in everyone]
    page.tabs.setCurrentIndex(1)
    window.settle()
    matrix = page.skills.model
    assert [p.name for p in matrix.people] == sorted(p.name for p in everyone if p.active)
    assert [k.id for k in matrix.skills] == [k.id for k in skills.list_skills(window.ws)]
    shown_levels = {(p.id, k.id): matrix.level(r, c + matrix.FIXED)
                    for r, p in enumerate(matrix.people) for c, k in enumerate(matrix.skills)}
    assert {key: lvl for key, lvl in shown_levels.items() if lvl} == {
        key: lvl for key, lvl in skills.levels(window.ws).items() if lvl and key in shown_levels}
    report = analytics.coverage_report(window.ws)
    panel = page.skills.analytics.toPlainText()
    gaps = [code for code, t in report.teams.items() if t.missing]
    assert f"Teams missing a discipline ({len(gaps)} of {len(report.teams)})" in panel
    assert all(code in panel for code in gaps)
    assert f"Suggested pairings ({len(report.pairings)})" in panel
    assert all(f"{p.learner} (level {p.learner_level}) with {p.mentor}" in panel for p in report.pairings)
    assert f"Certificates expiring within 90 days ({len(report.expiring)})" in panel
    for d in report.depth:
        assert f"{d.discipline.label}\n{d.home_people}\n{d.cross_trained}" in panel
    page.grab().save(str(tmp_path / "people_skills.png"))
    page.tabs.setCurrentIndex(2)
    window.settle()
    training = skills.list_training(window.ws)
    assert page.training.model.rowCount() == len(training) > 0
    assert sorted(_texts(page.training.model, 1)) == sorted(t.course for t in training)
    assert page.training.summary.text().startswith(f"{len(training)} records · ")
    page.grab().save(str(tmp_path / "people_training.png"))


def test_each_tab_loads_on_a_worker_once_per_load_and_reads_nothing_twice(window, monkeypatch):
    """The reads and the cross-training report run off the GUI thread (a long register would freeze the
    window); a tab loads when first shown after the page's data changed, not again when shown again, and the
    rows one tab read (everyone, the training records) are not read again by the next tab."""
    page = window.go_to("people")
    page.tabs.setCurrentIndex(0)
    window.settle()
    threads: list[str] = []
    real_read, real_report = window.ws.read, analytics.report
    reads = {"people": 0, "training": 0}
    real_people, real_training = people.list_all, skills.list_training

    def read(*args, **kwargs):
        threads.append("read on GUI" if threading.current_thread() is threading.main_thread() else "read")
        return real_read(*args, **kwargs)

    def report(*args, **kwargs):
        threads.append("report on GUI" if threading.current_thread() is threading.main_thread() else "report")
        return real_report(*args, **kwargs)

    def counted(name, real):  # noqa: ANN001, ANN202
        def call(*args, **kwargs):
            reads[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(window.ws, "read", read)
    monkeypatch.setattr(analytics, "report", report)
    monkeypatch.setattr(people, "list_all", counted("people", real_people))
    monkeypatch.setattr(skills, "list_training", counted("training", real_training))
    submitted = []
    real_submit = window.tasks.submit
    monkeypatch.setattr(window.tasks, "submit",
                        lambda fn, *a, **k: (k.get("quiet") or submitted.append(fn.__name__), real_submit(fn, *a, **k))[1])
    page.refresh()
    window.settle()
    assert submitted == ["load_people"]  # the register only: the other tabs wait until shown
    for index in (1, 2, 0, 1):
        page.tabs.setCurrentIndex(index)
        window.settle()
    assert submitted == ["load_people", "load_matrix", "load_training"]
    assert reads == {"people": 1, "training": 1}  # the other tabs took the register's people; the training tab alone reads every record
    assert "report" in threads and "read" in threads
    assert not [t for t in threads if t.endswith("on GUI")]
    page.refresh()  # the data changed: the tab shown reloads now, the others when next shown
    window.settle()
    assert submitted[3:] == ["load_matrix"]
    page.tabs.setCurrentIndex(2)
    window.settle()
    assert submitted[3:] == ["load_matrix", "load_training"]


def test_the_cross_training_panel_lists_40_entries_then_says_how_many_more():
    """A large organisation has thousands of gaps and pairings: the panel lists 40 of each and says how many more
    (its text is laid out on the GUI thread), while the headings keep the full counts."""
    import datetime as dt

    from opsdesk.domain.enums import Discipline
    from opsdesk.ui.pages.skills import PANEL_CAP, _analytics_html

    gap = analytics.TeamCoverage(covered=[Discipline.DATA], missing=[Discipline.FINANCE], members=[])
    pairings = [analytics.Pairing(f"Learner {i:03d}", i, "Mentor", 0, "Forecasting", Discipline.FINANCE, 0, 4,
                                  ["AI-0001"]) for i in range(100)]
    expiring = [analytics.ExpiringCertificate(f"Person {i:03d}", "Course", "C-1", dt.date(2026, 12, 1), 10)
                for i in range(41)]
    report = analytics.CoverageReport(dt.date(2026, 11, 21), [], {f"AI-{i:04d}": gap for i in range(250)},
                                      pairings, expiring, [])
    html = _analytics_html(report)
    assert PANEL_CAP == 40
    assert "Teams missing a discipline (250 of 250)" in html and "… and 210 more" in html
    assert "AI-0039" in html and "AI-0040" not in html
    assert "Suggested pairings (100)" in html and "Learner 039" in html and "Learner 040" not in html
    assert "… and 60 more" in html
    assert "Certificates expiring within 90 days (41)" in html and "… and 1 more" in html
    assert html.count("<li>") == 40 * 3 + 3
