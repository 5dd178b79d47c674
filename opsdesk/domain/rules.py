"""Pure rules of the committee's record."""

from __future__ import annotations

import re

from opsdesk.domain.enums import STAGE_ORDER, Stage

INITIATIVE_CODE = re.compile(r"^AI-\d{4,}$")
OBJECTIVE_CODE = re.compile(r"^OBJ-\d{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def allowed_next_stages(current: Stage) -> tuple[Stage, ...]:
    """Stages an initiative may move to from ``current``: the next one, or retirement from any live stage."""
    if current is Stage.RETIRED:
        return ()
    i = STAGE_ORDER.index(current)
    nxt = STAGE_ORDER[i + 1]
    return (nxt,) if nxt is Stage.RETIRED else (nxt, Stage.RETIRED)


def next_stage(current: Stage) -> Stage | None:
    if current is Stage.RETIRED:
        return None
    return STAGE_ORDER[STAGE_ORDER.index(current) + 1]


def is_valid_transition(current: Stage, new: Stage) -> bool:
    return new in allowed_next_stages(current)
