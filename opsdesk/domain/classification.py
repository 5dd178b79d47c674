"""Classification markings: an ordered scheme, configurable per workspace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DEFAULT_SCHEME: tuple[str, ...] = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET")


def highest(markings: Iterable[str | None], scheme: Sequence[str] = DEFAULT_SCHEME) -> str:
    """The highest marking among ``markings`` under ``scheme``; the lowest of the scheme when there is none.

    A marking that is not in the scheme is treated as the highest, so an unknown label is never under-marked.
    """
    rank = {m: i for i, m in enumerate(scheme)}
    best = scheme[0]
    best_rank = 0
    for marking in markings:
        if not marking:
            continue
        r = rank.get(marking, len(scheme))
        if r > best_rank:
            best, best_rank = marking, r
    return best


def validate(marking: str, scheme: Sequence[str] = DEFAULT_SCHEME) -> str | None:
    """Return an error text when ``marking`` is not in the scheme, else None."""
    if marking not in scheme:
        return f"'{marking}' is not a marking of this workspace ({' < '.join(scheme)})"
    return None
