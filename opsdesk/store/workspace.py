"""The open workspace handed to every service: engine, sessions, actor, clock, and the write transaction."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from opsdesk.errors import ConflictError, ReadOnlyError
from opsdesk.store import audit, queries
from opsdesk.store.engine import WRITE_OPTION

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some locked-down accounts
        return "unknown"


class FixedStepClock:
    """A deterministic clock for demo data and tests: starts at ``start`` and advances ``step`` per reading."""

    def __init__(self, start: dt.datetime, step: dt.timedelta = dt.timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> dt.datetime:
        value = self.now
        self.now = self.now + self.step
        return value


@dataclass
class Tx:
    """One user action in progress: the session plus the audit trail that records it."""

    session: Session
    ws: Workspace
    events: list[int] = field(default_factory=list)

    def audit(self, action: str, entity: str, entity_id: object, before: Any = None, after: Any = None,
              note: str = "") -> None:
        ev = audit.append(self.session, at=self.ws.clock(), actor=self.ws.actor, action=action, entity=entity,
                          entity_id=entity_id, before=before, after=after, note=note)
        self.events.append(ev.seq)

    def add(self, obj: Any, entity: str, key: object | None = None, note: str = "") -> Any:
        self.session.add(obj)
        self.session.flush()
        self.audit("create", entity, key if key is not None else _key(obj), None, audit.snapshot(obj), note)
        return obj

    def update(self, obj: Any, entity: str, changes: dict[str, Any], key: object | None = None,
               note: str = "") -> bool:
        """Apply ``changes``; audit only when something really changed. Returns whether it did."""
        before = audit.snapshot(obj)
        for name, value in changes.items():
            setattr(obj, name, value)
        self.session.flush()
        after = audit.snapshot(obj)
        if before == after:
            return False
        self.audit("update", entity, key if key is not None else _key(obj), before, after, note)
        return True

    def delete(self, obj: Any, entity: str, key: object | None = None, note: str = "") -> None:
        before = audit.snapshot(obj)
        k = key if key is not None else _key(obj)
        self.session.delete(obj)
        self.session.flush()
        self.audit("delete", entity, k, before, None, note)


def _key(obj: Any) -> object:
    return getattr(obj, "code", None) or getattr(obj, "id", None)


class Workspace:
    """An open workspace. Services take it as their first argument."""

    def __init__(self, engine: Engine, *, location: str, actor: str | None = None, clock: Clock | None = None,
                 read_only: bool = False, read_only_reason: str = "") -> None:
        self.engine = engine
        self.location = location
        self.actor = actor or default_actor()
        self.clock: Clock = clock or system_clock
        self.read_only = read_only
        self.read_only_reason = read_only_reason
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)
        self._listeners: list[Callable[[str], None]] = []
        self.before_close: list[Callable[[], None]] = []  # last work on the open workspace (e.g. a summary)
        self.on_close: list[Callable[[], None]] = []  # e.g. releasing the instance lock
        self.instance_lock: Any = None  # the lock this process holds on the file, when opened exclusively
        self.access_lock: Any = None  # the writers' lock (shared) this process holds while it may write the file

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self, topic: str = "data") -> Iterator[Tx]:
        """One transaction for one user action: everything inside commits together, or nothing does."""
        if self.read_only:
            why = f": {self.read_only_reason}" if self.read_only_reason else ""
            raise ReadOnlyError(f"the workspace is open read-only{why}")
        try:
            with self._writer() as session, session.begin():
                yield Tx(session, self)
                queries.bump_data_version(session.connection())  # what derived summaries are keyed on
        except StaleDataError:
            raise ConflictError("the record was changed by someone else while you saved it; nothing of yours "
                                "was saved — reload it and apply your change again") from None
        self.notify(topic)

    @contextmanager
    def derived_write(self) -> Iterator[Connection]:
        """A write transaction for derived data only (the dashboard summary): no audit event, no new data
        version, no notification — what it writes is recomputed from the records whenever it is missing."""
        if self.read_only:
            raise ReadOnlyError("the workspace is open read-only")
        with self._writer() as session, session.begin():
            yield session.connection()

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(topic)`` after every committed write (the GUI refreshes its pages from this)."""
        self._listeners.append(listener)

    def notify(self, topic: str) -> None:
        for listener in list(self._listeners):
            listener(topic)

    def close(self) -> None:
        while self.before_close:
            self.before_close.pop(0)()
        self.engine.dispose()
        while self.on_close:
            self.on_close.pop()()
