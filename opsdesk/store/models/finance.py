"""FOCUS-shaped cost records, allocation rules, allocations and exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.store.base import Base, JSONValue, intpk
from opsdesk.store.types import WrittenMoney


class CostRecord(Base):
    __tablename__ = "cost_record"
    __table_args__ = (UniqueConstraint("batch_id", "row_number"),)
    id: Mapped[intpk]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True, index=True)
    row_number: Mapped[int] = mapped_column(default=0)
    charge_period_start: Mapped[dt.datetime] = mapped_column(index=True)
    charge_period_end: Mapped[dt.datetime]
    billed_cost: Mapped[Decimal] = mapped_column(WrittenMoney())
    effective_cost: Mapped[Decimal] = mapped_column(WrittenMoney())
    list_cost: Mapped[Decimal | None] = mapped_column(WrittenMoney(), nullable=True)
    contracted_cost: Mapped[Decimal | None] = mapped_column(WrittenMoney(), nullable=True)
    billing_currency: Mapped[str] = mapped_column(String(10))
    service_category: Mapped[str] = mapped_column(default="")
    service_name: Mapped[str] = mapped_column(default="")
    provider_name: Mapped[str] = mapped_column(default="")
    billing_account_id: Mapped[str] = mapped_column(default="")
    sub_account_id: Mapped[str] = mapped_column(default="")
    charge_category: Mapped[str] = mapped_column(String(40), default="")
    charge_description: Mapped[str] = mapped_column(Text, default="")
    resource_id: Mapped[str] = mapped_column(String(500), default="")
    sku_id: Mapped[str] = mapped_column(default="")
    pricing_quantity: Mapped[Decimal | None] = mapped_column(nullable=True)
    pricing_unit: Mapped[str] = mapped_column(default="")
    tags: Mapped[JSONValue] = mapped_column(default=dict)
    extra: Mapped[JSONValue] = mapped_column(default=dict)
    #: SHA-256 of what the row says (not where it came from), so a file re-saved with other line endings, another
    #: column order or another encoding is recognised as already imported
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class AllocationRule(Base):
    """A rule as data: the first matching rule by priority decides where a cost record goes.

    ``match`` holds any of ``tag_key``/``tag_value``, ``service``, ``account``, ``resource_pattern`` (glob).
    ``target`` is ``{"initiative": CODE}`` or ``{"split": "even"|"fixed"|"metric", "initiatives": [...],
    "shares": {...}, "metric": NAME}``.
    """

    __tablename__ = "allocation_rule"
    id: Mapped[intpk]
    name: Mapped[str]
    priority: Mapped[int] = mapped_column(default=100)
    match: Mapped[JSONValue]
    target: Mapped[JSONValue]
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standard.id", ondelete="SET NULL"), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Allocation(Base):
    __tablename__ = "allocation"
    id: Mapped[intpk]
    cost_record_id: Mapped[int] = mapped_column(ForeignKey("cost_record.id", ondelete="CASCADE"), index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_rule.id", ondelete="SET NULL"), nullable=True)
    share: Mapped[Decimal]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(10))


class ExchangeRate(Base):
    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("from_currency", "to_currency", "valid_from"),)
    id: Mapped[intpk]
    from_currency: Mapped[str] = mapped_column(String(10))
    to_currency: Mapped[str] = mapped_column(String(10))
    rate: Mapped[Decimal]
    valid_from: Mapped[dt.date] = mapped_column(Date)
