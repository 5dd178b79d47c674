"""Record types read by the tens of thousands: a frozen dataclass whose instances are made quickly."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Give a frozen dataclass an ``__init__`` that fills the new instance's ``__dict__`` in one call.

    A frozen dataclass's own ``__init__`` sets each field through ``object.__setattr__`` (its ``__setattr__``
    refuses): about twice as slow, which a register of 20,000 people pays on every load. The instance is the
    same — same fields, equality, hash, repr, and still frozen; only a class with no ``__post_init__``, no
    ``__slots__`` and every field in ``__init__`` qualifies (anything else raises TypeError here, at import)."""
    params = getattr(cls, "__dataclass_params__", None)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    given = list(inspect.signature(cls.__init__).parameters.values())[1:]  # what the dataclass's __init__ takes
    if (params is None or not params.frozen or hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__
            or [p.name for p in given] != [f.name for f in fields]  # an InitVar, a field not in __init__
            or any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in given)):  # a keyword-only field
        raise TypeError(f"{cls.__name__}: quick_init needs a frozen dataclass without __post_init__, slots, "
                        "InitVar or keyword-only fields")
    names: dict[str, Any] = {"_FACTORY": _FACTORY}
    args, body = [], []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            names[f"_default_{f.name}"] = f.default
            args.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            args.append(f"{f.name}=_FACTORY")
            body.append(f"    if {f.name} is _FACTORY: {f.name} = _factory_{f.name}()")
        else:
            args.append(f.name)
    body.append("    self.__dict__.update({" + ", ".join(f"{f.name!r}: {f.name}" for f in fields) + "})")
    source = f"def __init__(self, {', '.join(args)}):\n" + "\n".join(body) + "\n"
    exec(source, names)  # noqa: S102 - the source is built above from the dataclass's own field names
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


_FACTORY = object()  # a field with a default factory was not given
