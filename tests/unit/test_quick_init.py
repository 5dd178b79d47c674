"""domain.records.quick_init: the DTOs read by the tens of thousands are the same records, still frozen."""

from __future__ import annotations

import dataclasses

import pytest

from opsdesk.domain.enums import CommitteeRole, Discipline
from opsdesk.domain.records import quick_init
from opsdesk.services.registry.people import PersonDTO


def test_a_quick_dto_equals_hashes_and_refuses_changes_as_a_frozen_dataclass_does() -> None:
    values = (7, "Ana", "ana@x.gov", "Unit 1", Discipline.DATA, CommitteeRole.MEMBER, True, 3)

    # the same fields as a plain frozen dataclass, made without quick_init
    Plain = dataclasses.make_dataclass("Plain", [(f.name, f.type) for f in dataclasses.fields(PersonDTO)],
                                       frozen=True)
    quick, plain = PersonDTO(*values), Plain(*values)
    assert dataclasses.astuple(quick) == dataclasses.astuple(plain)
    assert quick == PersonDTO(**dataclasses.asdict(plain)) and hash(quick) == hash(PersonDTO(*values))
    assert repr(quick).split("(", 1)[1] == repr(plain).split("(", 1)[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.name = "Bo"  # type: ignore[misc]
    with pytest.raises(TypeError):
        PersonDTO(*values[:-1])  # a field missing is refused as before


def test_defaults_and_factories_are_kept_and_an_unsuitable_class_is_refused() -> None:
    @quick_init
    @dataclasses.dataclass(frozen=True)
    class Row:
        a: int
        b: str = "b"
        c: list[int] = dataclasses.field(default_factory=list)

    first, second = Row(1), Row(2, c=[3])
    assert (first.b, first.c, second.c) == ("b", [], [3]) and first.c is not Row(1).c

    @dataclasses.dataclass
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True)
    class KeywordOnly:
        a: int
        b: int = dataclasses.field(default=0, kw_only=True)

    @dataclasses.dataclass(frozen=True)
    class WithInitVar:
        a: int
        b: dataclasses.InitVar[int] = 0

    for unsuitable in (Mutable, KeywordOnly, WithInitVar):
        with pytest.raises(TypeError):
            quick_init(unsuitable)
