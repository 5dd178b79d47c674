"""The Committee page: meetings (planned → held → closed), attendance, the agenda with quorum and conflicts per
item, decisions with roll-call votes, stage gates with their criteria, action items, the charter, and briefs
exported as PDF on a worker."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from opsdesk.domain.enums import VOTING_ROLES, AgendaKind, MeetingStatus
from opsdesk.services.committee import actions, adoption, agenda, charter, exports, gates, papers
from opsdesk.services.committee import meetings as committee
from opsdesk.services.committee.meetings import AgendaItemDTO, MeetingDTO
from opsdesk.services.registry import initiatives, people
from opsdesk.ui import errors, file_dialogs
from opsdesk.ui.dialogs.committee import ConflictDialog, ItemDialog, MeetingDialog, ProposalsDialog
from opsdesk.ui.dialogs.decision import DecisionDialog
from opsdesk.ui.models.committee import ITEM_COLUMNS, MEETING_COLUMNS, RowsModel
from opsdesk.ui.pages.base import Page, PageContext, tab_screenshots
from opsdesk.ui.pages.committee_tabs import ActionsView, CharterView, selected_row, table_view


@dataclass(frozen=True)
class CommitteeData:
    meetings: list[MeetingDTO]
    charter: charter.CharterDTO
    actions: list[actions.ActionDTO]
    initiatives: list[tuple[str, str, Any]]
    people: list[tuple[int, str]]
    today: dt.date
    papers: dict[int, list[papers.IssuedPaperDTO]] = field(default_factory=dict)  # meeting id → issued papers
    minutes: dict[int, str] = field(default_factory=dict)  # meeting id → where its minutes stand
    minutes_states: dict[int, str] = field(default_factory=dict)  # meeting id → draft | approved | adopted


def load(ws: Any) -> CommitteeData:
    found = committee.list_meetings(ws)
    cycles = {m.id: papers.minutes_state(ws, m.id) for m in found if m.status is not MeetingStatus.PLANNED}
    return CommitteeData(found, charter.get(ws), actions.list_actions(ws),
                         [(r.code, r.name, r.stage) for r in initiatives.list_rows(ws)],
                         [(p.id, p.name) for p in people.list_all(ws)], ws.clock().date(),
                         {m.id: papers.for_meeting(ws, m.id) for m in found},
                         {k: c.note for k, c in cycles.items()}, {k: c.state for k, c in cycles.items()})


def _issue(ws: Any, meeting_id: int, state: Any = None) -> papers.IssuedPaperDTO:
    return exports.issue(ws, meeting_id=meeting_id)


def _adopt(ws: Any, meeting_id: int, request: Any, state: Any = None) -> adoption.SignedMinutes:
    return adoption.sign_minutes(ws, meeting_id, request, adopt=True)


def _export(ws: Any, path: str, what: dict[str, Any], state: Any = None) -> exports.ExportResult:
    return exports.export(ws, path, progress=state.progress if state is not None else None, **what)


class CommitteePage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.data: CommitteeData | None = None
        self.last_error: BaseException | None = None
        self.last_export: exports.ExportResult | None = None
        self.last_adoption: adoption.SignedMinutes | None = None
        self.run_dialog: Callable[[QDialog], bool] = lambda d: d.exec() == QDialog.DialogCode.Accepted
        self.ask_path: Callable[[str], str] = self._ask_path
        self._meeting_id: int | None = None
        self._item_id: int | None = None

        self.meetings = RowsModel(MEETING_COLUMNS, self)
        self.meetings_view, self.meetings_proxy = table_view(
            self.meetings, "Meetings", self, "No meetings yet: New meeting… plans the first one.")
        self.meetings_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.meetings_view.setWordWrap(False)
        self.meetings_view.selectionModel().selectionChanged.connect(self._meeting_selected)
        self.new_meeting_btn = self._button("New meeting…", self.new_meeting)
        self.held_btn = self._button("Mark held", lambda: self.set_status(MeetingStatus.HELD))
        self.close_btn = self._button("Close meeting", lambda: self.set_status(MeetingStatus.CLOSED))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.meetings_view, 1)
        lb = QHBoxLayout()
        for b in (self.new_meeting_btn, self.held_btn, self.close_btn):
            lb.addWidget(b)
        ll.addLayout(lb)

        self.header = QLabel()
        self.header.setObjectName("meetingHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.attendance = QListWidget()
        self.attendance.setAccessibleName("Attendance")
        self.attendance.setFixedWidth(215)
        self.save_attendance_btn = self._button("Save attendance", self.save_attendance)
        att = QVBoxLayout()
        att.addWidget(QLabel("<b>Attendance</b>"))
        att.addWidget(self.attendance, 1)
        att.addWidget(self.save_attendance_btn)

        self.items = RowsModel(ITEM_COLUMNS, self)
        self.items_view, _ip = table_view(
            self.items, "Agenda", self, "No agenda items: select a meeting, then Needs the committee… proposes "
                                        "items from the dashboard's list, or Add item… adds one.")
        head = self.items_view.horizontalHeader()  # the item's title takes the room; the rest fit their contents
        head.setStretchLastSection(False)
        for col in range(self.items.columnCount()):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch if col == 1
                                      else QHeaderView.ResizeMode.ResizeToContents)
        self.items_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.items_view.setWordWrap(False)
        self.items_view.selectionModel().selectionChanged.connect(self._item_selected)
        self.add_attention_btn = self._button("Needs the committee…", self.add_from_attention,
                                              "Add items from the needs-the-committee list")
        self.add_item_btn = self._button("Add item…", self.add_item)
        self.conflict_btn = self._button("Conflict…", self.declare_conflict, "Declare a conflict of interest")
        self.decide_btn = self._button("Decide…", self.record_decision, "Record the decision and votes")
        self.correct_btn = self._button("Correct…", self.correct_decision, "Correct a recorded decision")
        self.export_btn = self._button("Export brief…", self.export_brief, "Export brief (Ctrl+P)")
        self.minutes_btn = self._button("Minutes…", lambda: self.export_brief(minutes=True), "Export minutes")
        self.pack_btn = self._button("Pack…", lambda: self.export_brief(pack=True),
                                     "Export the meeting pack (whatever item is selected)")
        self.issue_btn = self._button("Issue pack", self.issue_pack,
                                      "Issue the meeting pack: keep it as tabled, with its SHA-256")
        self.adopt_btn = self._button("Adopt minutes…", self.adopt_minutes,
                                      "Adopt the approved minutes: the chair signs them")
        self.sign_btn = self._button("Export signed…", self.export_brief_signed,
                                     "Export the brief (or pack), or the minutes, and sign it (Ctrl+Shift+P)")
        # rows of four, so the page fits a 1280-pixel screen beside the sidebar
        bar = QGridLayout()
        for n, b in enumerate((self.add_attention_btn, self.add_item_btn, self.conflict_btn, self.decide_btn,
                               self.correct_btn, self.export_btn, self.pack_btn, self.issue_btn, self.minutes_btn,
                               self.sign_btn, self.adopt_btn)):
            bar.addWidget(b, n // 4, n % 4)
        bar.setColumnStretch(4, 1)
        self.details = QTextBrowser()
        self.details.setObjectName("itemDetails")
        self.details.setAccessibleName("Agenda item details")
        self.details.setOpenExternalLinks(False)

        agenda_box = QVBoxLayout()
        agenda_box.addWidget(self.items_view, 2)
        agenda_box.addLayout(bar)
        agenda_box.addWidget(self.details, 3)
        middle = QHBoxLayout()
        middle.addLayout(att)
        middle.addLayout(agenda_box, 1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.header)
        self.message = QLabel()
        self.message.setObjectName("committeeMessage")
        self.message.setAccessibleName("Last result")
        self.message.setWordWrap(True)
        rl.addWidget(self.message)
        rl.addLayout(middle, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([360, 1000])

        self.charter_view = CharterView(ctx, self.run)
        self.actions_view = ActionsView(ctx, self.run)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Committee")
        self.tabs.addTab(split, "Meetings")
        self.tabs.addTab(self.actions_view, "Actions")
        self.tabs.addTab(self.charter_view, "Charter")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._enable()

    def _button(self, text: str, handler: Callable[[], object], name: str = "") -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(name or text.replace("…", ""))
        b.setToolTip(name or text.replace("…", ""))
        b.clicked.connect(lambda _c=False: handler())
        return b

    # --- loading ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, data: CommitteeData) -> None:
        self.data = data
        keep_meeting, keep_item = self._meeting_id, self._item_id
        self.meetings.set_rows(data.meetings)
        self.meetings_view.resizeColumnsToContents()
        self.meetings_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.meetings_view.resizeRowsToContents()
        self.charter_view.show_charter(data.charter, data.people)
        self.actions_view.show_actions(data.actions, data.today)
        if keep_meeting is None and data.meetings:
            upcoming = [m for m in data.meetings if m.status is not MeetingStatus.CLOSED]
            keep_meeting = (upcoming or data.meetings)[-1].id
        if keep_meeting is not None:
            self.select_meeting(keep_meeting)
            if keep_item is not None:
                self.select_item(keep_item)

    def meeting(self) -> MeetingDTO | None:
        if self.data is None or self._meeting_id is None:
            return None
        return next((m for m in self.data.meetings if m.id == self._meeting_id), None)

    def item(self) -> AgendaItemDTO | None:
        m = self.meeting()
        return next((i for i in m.items if i.id == self._item_id), None) if m else None

    def select_meeting(self, meeting_id: int) -> None:
        for row in range(self.meetings_proxy.rowCount()):
            idx = self.meetings_proxy.index(row, 0)
            if idx.data(Qt.ItemDataRole.UserRole + 2).id == meeting_id:
                self.meetings_view.selectRow(row)
                return

    def select_item(self, item_id: int) -> None:
        for row in range(self.items.rowCount()):
            if self.items.row_at(row).id == item_id:
                self.items_view.selectRow(self.items_view.model().mapFromSource(self.items.index(row, 0)).row())
                return

    def _meeting_selected(self, *_args: Any) -> None:
        m = selected_row(self.meetings_view)
        if m is None:
            return
        changed = m.id != self._meeting_id
        self._meeting_id = m.id
        if changed:
            self._item_id = None
        self._show_meeting(m)

    def _show_meeting(self, m: MeetingDTO) -> None:
        assert self.data is not None
        state = {MeetingStatus.PLANNED: "planned", MeetingStatus.HELD: "held",
                 MeetingStatus.CLOSED: "closed — the record is read-only; corrections are new records"}[m.status]
        issued = "".join(f"<br>{html.escape(p.title)}: <b>{html.escape(p.label)}</b> (SHA-256 {p.sha256[:12]}…)"
                         for p in self.data.papers.get(m.id, []))
        minutes = self.data.minutes.get(m.id)
        self.header.setText(f"<h2>{html.escape(m.title)}</h2>{m.starts_at:%A %d %B %Y, %H:%M} UTC · "
                            f"{html.escape(m.location or 'no location')} · <b>{state}</b>"
                            + (issued or "<br>No paper issued yet.")
                            + (f"<br>Minutes: {html.escape(minutes)}" if minutes else ""))
        self.attendance.clear()
        present = set(m.present)
        for mem in self.data.charter.members:
            it = QListWidgetItem(f"{mem.name} · {mem.role.label.lower()}")
            it.setToolTip(f"{mem.name}: {mem.discipline.label}, {mem.role.label.lower()}")
            it.setData(Qt.ItemDataRole.UserRole, mem.person_id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if mem.person_id in present else Qt.CheckState.Unchecked)
            self.attendance.addItem(it)
        self.items.set_rows(m.items)
        self.items_view.resizeColumnsToContents()
        self.items_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        if self._item_id is not None:
            self.select_item(self._item_id)
        self._show_item()
        self._enable()

    def _item_selected(self, *_args: Any) -> None:
        it = selected_row(self.items_view)
        self._item_id = it.id if it is not None else None
        self._show_item()
        self._enable()

    def _enable(self) -> None:
        m, it = self.meeting(), self.item()
        editable = m is not None and m.status is not MeetingStatus.CLOSED and not self.ctx.ws.read_only
        for b in (self.add_attention_btn, self.add_item_btn, self.save_attendance_btn):
            b.setEnabled(editable)
        today = self.data.today if self.data is not None else dt.date.max
        begun = m is not None and m.starts_at.date() <= today  # nothing is held or decided before the day
        self.held_btn.setEnabled(editable and begun and m is not None and m.status is MeetingStatus.PLANNED)
        self.close_btn.setEnabled(editable and m is not None and m.status is MeetingStatus.HELD)
        self.conflict_btn.setEnabled(editable and it is not None and it.decision is None)
        self.decide_btn.setEnabled(editable and begun and it is not None and it.decision is None)
        self.correct_btn.setEnabled(it is not None and it.decision is not None and not self.ctx.ws.read_only)
        self.export_btn.setEnabled(m is not None)
        self.pack_btn.setEnabled(m is not None)
        pack_issued = m is not None and self.data is not None and any(
            p.kind == "meeting_pack" for p in self.data.papers.get(m.id, []))
        self.issue_btn.setEnabled(m is not None and not pack_issued and not self.ctx.ws.read_only)
        self.minutes_btn.setEnabled(m is not None and m.status is not MeetingStatus.PLANNED and begun)
        self.sign_btn.setEnabled(m is not None)
        self.adopt_btn.setEnabled(m is not None and self.data is not None and not self.ctx.ws.read_only
                                  and self.data.minutes_states.get(m.id) == papers.APPROVED)
        self.new_meeting_btn.setEnabled(not self.ctx.ws.read_only)

    # --- item details (gate criteria come from a worker) -------------------------------------------------------

    def _show_item(self) -> None:
        it = self.item()
        if it is None:
            self.details.setHtml("<p>Select an agenda item to see its quorum, conflicts, criteria and decision.</p>")
            return
        self.details.setHtml(self._item_html(it, None))
        if it.kind is AgendaKind.STAGE_GATE and it.initiative_code and it.target_stage:
            self.ctx.tasks.submit(gates.gate_view, self.ctx.ws, it.initiative_code, it.target_stage,
                                  on_done=lambda view, item_id=it.id: self._gate_loaded(item_id, view))

    def _gate_loaded(self, item_id: int, view: gates.GateView) -> None:
        it = self.item()
        if it is not None and it.id == item_id:
            self.details.setHtml(self._item_html(it, view))

    def _item_html(self, it: AgendaItemDTO, view: gates.GateView | None) -> str:
        e = html.escape
        names = {m.person_id: m.name for m in self.data.charter.members} if self.data else {}
        q = it.quorum
        parts = [f"<h3>{it.position}. {e(it.title)}</h3>",
                 f"<p>{e(it.kind.label)}{' · ' + e(it.initiative_code) if it.initiative_code else ''} · "
                 f"requested: {e(it.requested_decision or '—')}</p>"]
        if q is not None:
            colour = "#2e7d32" if q.met else "#c62828"
            text = (f"met — {q.voting_present} voting members eligible" if q.met
                    else "NOT met — " + "; ".join(q.reasons))
            parts.append(f"<p><b>Quorum for this item:</b> <span style='color:{colour}'>{e(text)}</span></p>")
        conflicts = ", ".join(f"{e(c.person)} ({e(c.description)}) — recused" for c in it.conflicts) or "none"
        parts.append(f"<p><b>Conflicts declared:</b> {conflicts}</p>")
        if it.options or it.recommendation:
            parts.append("<p><b>Options:</b><br>" + "<br>".join(e(o) for o in it.options.splitlines()) + "</p>")
            parts.append(f"<p><b>Recommendation:</b> {e(it.recommendation)}</p>")
        for d in reversed(it.history):
            t = d.tally
            label = "Decision" if d is it.history[-1] else "Superseded record"
            parts.append(f"<p><b>{label} #{d.id}:</b> {e(d.outcome.label)} · {t.for_} for, {t.against} against, "
                         f"{t.abstain} abstain, {t.recused} recused · {d.decided_at:%Y-%m-%d %H:%M} UTC"
                         + (f"<br>Corrects #{d.corrects_id}: {e(d.correction_reason)}" if d.corrects_id else "")
                         + (f"<br>Conditions: {e(d.conditions)}" if d.conditions else "")
                         + (f"<br>Departure from the voting rule: {e(d.override_reason)}" if d.override_reason else "")
                         + (f"<br>Approved over an open serious incident: {e(d.incident_override)}"
                            if d.incident_override else "")
                         + (f"<br>Rationale: {e(d.rationale)}" if d.rationale else "")
                         + "<br>Votes: " + ", ".join(f"{e(names.get(p, str(p)))} {c.label.lower()}"
                                                     for p, c in d.votes.items()) + "</p>")
        if it.kind is AgendaKind.STAGE_GATE:
            if view is None:
                parts.append("<p><i>Reading the gate criteria…</i></p>")
            else:
                parts.append(self._gate_html(view))
        return "".join(parts)

    @staticmethod
    def _gate_html(view: gates.GateView) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(c.group)}</td><td>{e(c.name)}</td><td style='color:"
            f"{'#2e7d32' if c.met else '#c62828' if c.met is False else '#666'}'>"
            f"{'met' if c.met else 'not met' if c.met is False else 'not assessed'}</td><td>{e(c.note)}</td></tr>"
            for c in view.criteria)
        out = (f"<h4>Criteria for {e(view.target.label)}: {view.met} of {len(view.criteria)} met</h4>"
               f"<table border='0' cellspacing='0' cellpadding='3'><tr><th align='left'>Group</th>"
               f"<th align='left'>Criterion</th><th align='left'>Status</th><th align='left'>Note</th></tr>{rows}"
               f"</table><p><b>Read from the criteria:</b> {e(gates.recommend(view))}</p>")
        lessons = "".join(f"<li><b>{e(x.initiative_code or '')}</b> ({e(x.stage.label)}): {e(x.what_happened)} "
                          f"— <i>{e(x.recommendation)}</i> <small>({e(why)})</small></li>"
                          for x, why in view.lessons[:8])
        return out + (f"<h4>Lessons from similar initiatives</h4><ul>{lessons}</ul>" if lessons
                      else "<p>No lessons from similar initiatives.</p>")

    # --- user actions ----------------------------------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any, done: str = "", **kwargs: Any) -> None:
        """Run one service call on the worker; report its outcome in the status bar or as a plain error."""
        self.last_error = None

        def ok(_result: Any) -> None:
            self.say(done or "Saved")

        def failed(exc: BaseException) -> None:
            self.last_error = exc
            self.say(f"Not saved: {exc}", error=True)
            errors.show_user_error(self, exc)

        self.ctx.tasks.submit(fn, self.ctx.ws, *args, on_done=ok, on_error=failed, **kwargs)

    def say(self, text: str, error: bool = False) -> None:
        """The outcome of the last action, kept on the page (the status bar returns to "Ready")."""
        self.message.setStyleSheet("color: #c62828" if error else "color: #2e7d32")
        self.message.setText(text)
        self.ctx.status(text)

    def new_meeting(self) -> None:
        dlg = MeetingDialog(self)
        if self.run_dialog(dlg):
            values, when = dlg.value()
            self._meeting_id = None
            self.run(committee.create_meeting, values, when, done=f"Meeting “{values['title']}” planned")

    def set_status(self, status: MeetingStatus) -> None:
        m = self.meeting()
        if m is not None:
            self.run(committee.set_meeting_status, m.id, status, done=f"Meeting {status.label.lower()}")

    def save_attendance(self) -> None:
        m = self.meeting()
        if m is None:
            return
        ids = [self.attendance.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.attendance.count())
               if self.attendance.item(i).checkState() == Qt.CheckState.Checked]
        self.run(committee.set_attendance, m.id, ids, done=f"Attendance saved: {len(ids)} present")

    def add_item(self) -> None:
        m = self.meeting()
        if m is None or self.data is None:
            return
        dlg = ItemDialog(self.data.initiatives, self)
        if self.run_dialog(dlg):
            v = dlg.value()
            self.run(committee.add_item, m.id, v["kind"], v["title"], initiative_code=v["initiative_code"],
                     requested_decision=v["requested_decision"], target_stage=v["target_stage"], done="Item added")

    def add_from_attention(self) -> None:
        m = self.meeting()
        if m is None:
            return

        def gather(ws: Any) -> list[agenda.Proposal]:
            return agenda.proposals(ws, agenda.needs_committee(ws), m.id)

        def chosen(proposals: list[agenda.Proposal]) -> None:
            dlg = ProposalsDialog(proposals, self)
            if self.run_dialog(dlg) and dlg.chosen():
                self.run(agenda.add_proposals, m.id, dlg.chosen(), done=f"{len(dlg.chosen())} items added")

        self.ctx.tasks.submit(gather, self.ctx.ws, on_done=chosen)

    def declare_conflict(self) -> None:
        it = self.item()
        if it is None or self.data is None:
            return
        voting = [x for x in self.data.charter.members if x.role in VOTING_ROLES]
        dlg = ConflictDialog(voting, it.title, self)
        if self.run_dialog(dlg):
            pid, description = dlg.value()
            self.run(committee.declare_conflict, it.id, pid, description, done="Conflict recorded; member recused")

    def record_decision(self) -> None:
        m, it = self.meeting(), self.item()
        if m is None or it is None or self.data is None:
            return
        dlg = DecisionDialog(m, it, self.data.charter.members, self.data.charter.charter, parent=self,
                             serious_incidents=self._serious_incidents(it.initiative_code))
        if self.run_dialog(dlg):
            v = dlg.value()
            moved = (f"; {it.initiative_code} moves to {it.target_stage.label}"
                     if it.kind is AgendaKind.STAGE_GATE and it.target_stage and v.outcome.value.startswith("approved")
                     else "")
            self.run(gates.record_gate_decision, it.id, v.outcome, votes=v.votes, rationale=v.rationale,
                     conditions=v.conditions, override_reason=v.override_reason, lesson=v.lesson or None,
                     action=v.action or None, incident_override=v.incident_override,
                     done=f"Decision recorded: {v.outcome.label}{moved}")

    def _serious_incidents(self, code: str | None, detected_by: dt.date | None = None) -> list[str]:
        """The initiative's open severity-1/2 incidents (known by ``detected_by``, for a correction), for the
        decision dialog's check (one indexed query)."""
        from opsdesk.services.risk import incidents

        if not code:
            return []
        return [f"{x.ref} (severity {x.severity}): {x.title}" for x in
                incidents.list_incidents(self.ctx.ws, initiative_code=code, open_only=True)
                if x.serious and (detected_by is None or x.detected_on <= detected_by)]

    def correct_decision(self) -> None:
        m, it = self.meeting(), self.item()
        if m is None or it is None or it.decision is None or self.data is None:
            return
        dlg = DecisionDialog(m, it, self.data.charter.members, self.data.charter.charter, correcting=it.decision,
                             parent=self, serious_incidents=self._serious_incidents(it.initiative_code,
                                                                                    it.decision.decided_at.date()))
        if self.run_dialog(dlg):
            v = dlg.value()
            self.run(committee.correct_decision, it.decision.id, reason=v.correction_reason, outcome=v.outcome,
                     votes=v.votes, rationale=v.rationale, conditions=v.conditions,
                     override_reason=v.override_reason, incident_override=v.incident_override,
                     done=f"Correction recorded for #{it.decision.id}")

    # --- export ------------------------------------------------------------------------------------------------

    def _ask_path(self, suggested: str) -> str:
        path = file_dialogs.save_file(self, "papers", "Export PDF", suggested, "PDF (*.pdf)")
        return path

    def issue_pack(self) -> None:
        """Issue the selected meeting's pack: built now (as of the meeting when it is past) and kept as tabled."""
        m = self.meeting()
        if m is None:
            return

        def done(paper: papers.IssuedPaperDTO) -> None:
            self.say(f"Issued {paper.doc_id}: {paper.label}")
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.last_error = exc
            self.say(f"Not issued: {exc}", error=True)
            errors.show_user_error(self, exc)

        self.ctx.tasks.submit(_issue, self.ctx.ws, m.id, on_done=done, on_error=failed)

    def adopt_minutes(self) -> None:
        """Adopt the selected meeting's approved minutes: the chair signs them (certificate file or token, the
        secret in a masked field); the adoption is recorded only when the certificate is the chair's."""
        from opsdesk.services.signing.papers import SignRequest
        from opsdesk.ui.dialogs.signing import AdoptMinutesDialog

        m = self.meeting()
        if m is None:
            return
        chairs = [(c.name, c.email) for c in adoption.chairs(self.ctx.ws)]
        dlg = AdoptMinutesDialog(m.title, chairs, adoption.CHAIR_RULE, self)
        if not self.run_dialog(dlg):
            return
        request = SignRequest(dlg.credential(), dlg.role_text(), dlg.time_stamp())
        dlg.forget()

        def done(result: adoption.SignedMinutes) -> None:
            self.last_adoption = result
            self.say(f"Adopted the minutes of {m.title}, signed by the chair, {result.signed.signer} (PAdES "
                     f"{result.signed.level})")
            self.refresh()
            show = getattr(self.window(), "show_signed", None)
            if show is not None:
                show(result.data, f"{result.paper.doc_id}.signed.pdf")

        def failed(exc: BaseException) -> None:
            self.last_error = exc
            self.say(f"Not adopted: {exc}", error=True)
            errors.show_user_error(self, exc)

        self.ctx.tasks.submit(_adopt, self.ctx.ws, m.id, request, on_done=done, on_error=failed)

    def export_brief_signed(self) -> None:
        """The signed export of what is selected: the minutes when the meeting is closed and no item is
        selected, else the item's brief or the pack."""
        m, it = self.meeting(), self.item()
        minutes = m is not None and it is None and m.status is MeetingStatus.CLOSED
        self.export_brief(minutes=minutes, sign=True)

    def export_brief(self, minutes: bool = False, pack: bool = False, sign: bool = False) -> None:
        """Ctrl+P: the selected item's brief; with no item about an initiative, the meeting pack (or minutes).
        ``pack``: the meeting pack whatever item is selected. With ``sign``, the sign dialog follows the file
        dialog and the signed paper is written beside it."""
        m, it = self.meeting(), self.item()
        if m is None:
            self.ctx.status("Select a meeting (and an agenda item) to export")
            return
        if pack:
            what: dict[str, Any] = {"meeting_id": m.id}
            name = f"pack-meeting-{m.id}.pdf"
        elif minutes:
            what = {"meeting_id": m.id, "minutes": True}
            name = f"minutes-meeting-{m.id}.pdf"
        elif it is not None and it.initiative_code:
            what, name = {"item_id": it.id}, f"brief-{it.initiative_code}-item-{it.id}.pdf"
        else:
            what, name = {"meeting_id": m.id}, f"pack-meeting-{m.id}.pdf"
        path = self.ask_path(name)
        if not path:
            return
        if sign:
            from opsdesk.services.signing.papers import SignRequest
            from opsdesk.ui.dialogs.signing import SignDialog

            dlg = SignDialog(Path(path).name, self)
            if not self.run_dialog(dlg):
                return
            what["sign"] = SignRequest(dlg.credential(), dlg.role_text(), dlg.time_stamp())
            dlg.forget()
        progress = QProgressDialog("Exporting…", "Hide", 0, 3, self)
        progress.setWindowTitle("Export brief")
        progress.setMinimumDuration(300)
        progress.setWindowModality(Qt.WindowModality.NonModal)
        progress.setAutoClose(True)

        def step(done: int, total: int, text: str) -> None:
            progress.setMaximum(total)
            progress.setValue(done)
            progress.setLabelText(text)

        def finished(result: exports.ExportResult) -> None:
            progress.reset()
            progress.deleteLater()
            self.last_export = result
            if result.signed_path is not None:
                self.say(f"Exported {result.doc_id} and signed it as {result.signer} (PAdES "
                         f"{result.signature_level}): {result.signed_path}")
                show = getattr(self.window(), "show_signatures", None)
                if show is not None:
                    show(result.signed_path)
            else:
                self.say(f"Exported {result.doc_id} to {result.path} (SHA-256 {result.sha256[:12]}…)")

        def failed(exc: BaseException) -> None:
            progress.reset()
            progress.deleteLater()
            self.last_error = exc
            self.say(f"Not exported: {exc}", error=True)
            errors.show_user_error(self, exc)

        self.ctx.tasks.submit(_export, self.ctx.ws, path, what, on_done=finished, on_error=failed, on_progress=step)

    def open_initiative_actions(self, code: str) -> None:
        self.tabs.setCurrentWidget(self.actions_view)
        self.actions_view.show_initiative(code)

    def extra_screenshots(self, folder: Path, settle: Callable[[], None], grab: Callable[[], Any]) -> list[Path]:
        return tab_screenshots(self.tabs, ((1, "committee_actions"), (2, "committee_charter")), folder, settle, grab)
