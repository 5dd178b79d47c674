"""Red/amber/green from thresholds, direction-aware, and the plain words that say which thresholds were used."""

from __future__ import annotations

from opsdesk.domain.enums import Direction

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
UNITLESS = ("ratio", "count", "")
RAG_ORDER = {RED: 0, AMBER: 1, GREEN: 2, GREY: 3}  # worst first


def rag(value: float | None, green: float | None, amber: float | None, direction: Direction) -> str:
    """``green``/``amber`` are the limits a value must reach (higher is better) or stay under (lower is better).
    No value or no threshold gives grey; with only a green limit, anything short of it is red."""
    if value is None or green is None:
        return GREY
    limit_amber = green if amber is None else amber
    if direction is Direction.HIGHER_IS_BETTER:
        return GREEN if value >= green else AMBER if value >= limit_amber else RED
    return GREEN if value <= green else AMBER if value <= limit_amber else RED


def fmt_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3f}".rstrip("0").rstrip(".")


def threshold_text(green: float | None, amber: float | None, direction: Direction, unit: str = "",
                   source: str = "") -> str:
    """Human text such as ``green ≥ 98 %, amber ≥ 95 %`` (``source`` says where the limits came from)."""
    if green is None:
        return "no threshold set"
    op = "≥" if direction is Direction.HIGHER_IS_BETTER else "≤"
    unit = "" if unit in UNITLESS else unit
    sep = " " if unit else ""
    parts = [f"green {op} {fmt_number(green)}{sep}{unit}"]
    if amber is not None and amber != green:
        parts.append(f"amber {op} {fmt_number(amber)}{sep}{unit}")
    text = ", ".join(parts)
    return f"{text} ({source})" if source else text


def worst(rags: list[str]) -> str:
    known = [r for r in rags if r != GREY]
    return min(known, key=RAG_ORDER.__getitem__) if known else GREY
