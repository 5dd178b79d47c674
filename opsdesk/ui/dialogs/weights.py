"""Pick the objectives an initiative serves, each with a weight between 0 and 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QWidget


class WeightsEditor(QWidget):
    def __init__(self, objectives: Sequence[tuple[str, str]], weights: Mapping[str, Decimal],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("objectiveWeights")
        self.boxes: dict[str, tuple[QCheckBox, QDoubleSpinBox]] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for row, (code, title) in enumerate(objectives):
            check = QCheckBox(f"{code} {title}", self)
            check.setAccessibleName(f"Serves {code}")
            spin = QDoubleSpinBox(self)
            spin.setAccessibleName(f"Weight for {code}")
            spin.setRange(0.05, 1.0)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
            spin.setFixedWidth(80)
            spin.setValue(float(weights.get(code, Decimal("1"))))
            check.setChecked(code in weights)
            spin.setEnabled(code in weights)
            check.toggled.connect(spin.setEnabled)
            grid.addWidget(check, row, 0)
            grid.addWidget(spin, row, 1)
            self.boxes[code] = (check, spin)
        grid.setColumnStretch(2, 1)  # checkbox and weight stay together on the left

    def weights(self) -> dict[str, Decimal]:
        return {code: Decimal(f"{spin.value():.2f}") for code, (check, spin) in self.boxes.items()
                if check.isChecked()}

    def set_weight(self, code: str, weight: float | None) -> None:
        check, spin = self.boxes[code]
        check.setChecked(weight is not None)
        if weight is not None:
            spin.setValue(weight)
