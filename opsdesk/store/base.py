"""Declarative base with a constraint naming convention and the type map for annotated columns."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import BigInteger, Enum, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, mapped_column

from opsdesk.store.types import JSONText, Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
str40 = Annotated[str, mapped_column(String(40))]
str200 = Annotated[str, mapped_column(String(200))]
JSONValue = Annotated[Any, mapped_column(JSONText)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Money(),
        dt.datetime: UTCDateTime(),
        enum.Enum: Enum(enum.Enum, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]),
        int: Integer(),
        str: String(200),
    }


__all__ = ["Base", "BigInteger", "JSONValue", "intpk", "str40", "str200"]
