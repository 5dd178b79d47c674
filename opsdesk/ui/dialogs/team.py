"""Pick the people on an initiative's team, each with a role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from opsdesk.domain.enums import TeamRole


class Candidate(NamedTuple):
    """A person who may join a team (a tuple: thousands are built on every load of the register)."""

    person_id: int
    name: str
    discipline: str  # its label, e.g. "Finance"


class TeamEditor(QWidget):
    """One row per person: on the team or not, and in which role. The disciplines the team covers are counted
    below, since a team without data, ML or finance skills is one the committee hears about."""

    def __init__(self, people: Sequence[Candidate], team: Mapping[int, TeamRole],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamEditor")
        self.people = {p.person_id: p for p in people}
        self.rows: dict[int, tuple[QCheckBox, QComboBox]] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for row, p in enumerate(people):
            check = QCheckBox(f"{p.name} ({p.discipline})", self)
            check.setAccessibleName(f"{p.name} on the team")
            role = QComboBox(self)
            role.setAccessibleName(f"Role of {p.name}")
            for r in TeamRole:
                role.addItem(r.label, r.value)
            role.setCurrentIndex(max(role.findData((team.get(p.person_id) or TeamRole.MEMBER).value), 0))
            check.setChecked(p.person_id in team)
            role.setEnabled(p.person_id in team)
            check.toggled.connect(role.setEnabled)
            check.toggled.connect(self._count)
            grid.addWidget(check, row, 0)
            grid.addWidget(role, row, 1)
            self.rows[p.person_id] = (check, role)
        self.covered = QLabel(self)
        self.covered.setObjectName("teamCoverage")
        grid.addWidget(self.covered, len(people), 0, 1, 2)
        grid.setColumnStretch(2, 1)
        self._count()

    def team(self) -> dict[int, TeamRole]:
        return {pid: TeamRole(role.currentData()) for pid, (check, role) in self.rows.items() if check.isChecked()}

    def set_member(self, person_id: int, role: TeamRole | None) -> None:
        check, combo = self.rows[person_id]
        check.setChecked(role is not None)
        if role is not None:
            combo.setCurrentIndex(combo.findData(role.value))

    def _count(self, _checked: bool = False) -> None:
        members = self.team()
        disciplines = sorted({self.people[pid].discipline for pid in members})
        self.covered.setText(f"{len(members)} on the team; disciplines covered: {', '.join(disciplines) or 'none'}")
