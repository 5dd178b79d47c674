"""How initiatives line up with the organisation's objectives: the matrix, and what is not aligned."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from opsdesk.services.registry.objectives import ObjectiveDTO
from opsdesk.store import records
from opsdesk.store.models import Initiative, InitiativeObjective, Objective
from opsdesk.store.workspace import Workspace


@dataclass(frozen=True)
class ObjectiveLine:
    objective: ObjectiveDTO
    initiative_count: int
    weight_total: Decimal


@dataclass(frozen=True)
class Alignment:
    objectives: list[ObjectiveLine]
    initiatives: list[tuple[str, str]]  # (code, name), in code order
    weights: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (initiative code, objective code)

    @property
    def objectives_without_initiative(self) -> list[str]:
        return [line.objective.code for line in self.objectives if line.initiative_count == 0]

    @property
    def initiatives_without_objective(self) -> list[str]:
        linked = {code for code, _obj in self.weights}
        return [code for code, _name in self.initiatives if code not in linked]


def alignment(ws: Workspace) -> Alignment:
    """Every objective with its linked initiatives and weights, and every initiative."""
    with ws.read() as s:
        objs = list(s.scalars(select(Objective).order_by(Objective.code)))
        inits = [(code, name) for code, name in s.execute(
            select(Initiative.code, Initiative.name).order_by(Initiative.code))]
        weights: dict[tuple[str, str], Decimal] = {}
        per_objective: dict[str, list[Decimal]] = defaultdict(list)
        for init_code, obj_code, weight in s.execute(
            select(Initiative.code, Objective.code, InitiativeObjective.weight)
            .join(Initiative, Initiative.id == InitiativeObjective.initiative_id)
            .join(Objective, Objective.id == InitiativeObjective.objective_id)
        ):
            weights[(init_code, obj_code)] = weight
            per_objective[obj_code].append(weight)
        lines = [ObjectiveLine(records.to_dto(ObjectiveDTO, o), len(per_objective.get(o.code, [])),
                               sum(per_objective.get(o.code, []), Decimal(0))) for o in objs]
    return Alignment(lines, inits, weights)
