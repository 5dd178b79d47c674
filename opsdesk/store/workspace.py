"""The open workspace handed to every service: engine, sessions, actor, clock, and the write transaction."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import bindparam
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key as sa_identity_key

from opsdesk.errors import ConflictError, ReadOnlyError, WorkspaceError
from opsdesk.store import audit, queries, reconcile
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


RowKey = tuple[str, tuple[Any, ...]]


@dataclass
class Tx:
    """One user action in progress: the session plus the audit trail that records it.

    Besides the events the service writes, the transaction keeps the final state of every record it touched
    through the ORM: a row whose last state no create/update/delete snapshot of this transaction recorded (a
    stage change, a team member, a vote) is recorded on the transaction's last event (``record_states``), so
    ``opsdesk verify`` can reconcile every audited record with the audit (``opsdesk.store.reconcile``)."""

    conn: Connection
    ws: Workspace
    events: list[int] = field(default_factory=list)
    last_event: audit.Appended | None = None
    checkpoint_requested: bool = False  # sign the head even when no event is appended (after an upgrade)
    signer_state: Any = None  # what the checkpointer's prepare() passes to its sign()
    _recorded: dict[RowKey, Any] = field(default_factory=dict, repr=False)
    _touched: dict[RowKey, Any] = field(default_factory=dict, repr=False)
    _session: Session | None = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        """The ORM session of this transaction, on its connection, made when a service first needs it (an edit
        through :meth:`update_row` never does)."""
        session = self._session
        if session is None:
            session = self._session = self.ws._writer(bind=self.conn)
            session.info["tx"] = self
        return session

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def audit(self, action: str, entity: str, entity_id: object, before: Any = None, after: Any = None,
              note: str = "", *, snapshots: bool = False) -> None:
        ev = audit.append(self.conn, at=self.ws.clock(), actor=self.ws.actor, action=action, entity=entity,
                          entity_id=entity_id, before=before, after=after, note=note, snapshots=snapshots)
        self.events.append(ev.seq)
        self.last_event = ev

    def add(self, obj: Any, entity: str, key: object | None = None, note: str = "") -> Any:
        self.session.add(obj)
        self.session.flush()
        snap = audit.snapshot(obj)
        self.audit("create", entity, key if key is not None else _key(obj), None, snap, note, snapshots=True)
        self._note(obj, entity, snap, snap)
        return obj

    def update(self, obj: Any, entity: str, changes: dict[str, Any], key: object | None = None,
               note: str = "") -> bool:
        """Apply ``changes``; audit only when something really changed. Returns whether it did."""
        before = audit.snapshot(obj)
        # not inside a savepoint: rolling one back expires what the ORM flushed in it, not what was written past it
        nested = self._session is not None and self._session.in_nested_transaction()
        plan = None if nested else _direct_update(obj, changes)
        if plan is not None:  # one UPDATE, no flush of the unit of work
            after = before | {name: audit.jsonable(value) for name, value in changes.items()}
            if before == after:
                return False
            after = self._write_direct(obj, plan, before, after)
        else:
            for name, value in changes.items():
                setattr(obj, name, value)
            self.session.flush()
            after = audit.snapshot(obj)
        if before == after:
            return False
        self.audit("update", entity, key if key is not None else _key(obj), before, after, note, snapshots=True)
        self._note(obj, entity, after, after)
        return True

    def _write_direct(self, obj: Any, plan: _Plan, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        """Write the changed columns of a clean persistent row with one UPDATE (checked against its version, as
        the ORM would), then set the object's committed state to match, so nothing is left to flush."""
        changed = {name: value for name, value in plan.values.items() if after[name] != before[name]}
        old_version = getattr(obj, plan.version[0]) if plan.version is not None else None
        new_version = self._write_row(plan, {attr: getattr(obj, attr) for attr, _col in plan.pk}, changed,
                                      old_version)
        for name, value in changed.items():
            set_committed_value(obj, name, value)
        if plan.version is not None:
            set_committed_value(obj, plan.version[0], new_version)
            after = after | {plan.version[0]: audit.jsonable(new_version)}
        row = reconcile.row_key(obj)
        if row is not None:
            self._touched[row] = obj
        return after

    def _write_row(self, plan: _Plan, pk: dict[str, Any], changed: dict[str, Any], old_version: Any) -> Any:
        """One UPDATE of ``changed`` (attribute -> value) on the row with primary key ``pk`` (attribute -> value),
        checked against ``old_version`` when the mapping has a version column; returns the new version."""
        params = {f"k_{col.key}": pk[attr] for attr, col in plan.pk}
        params.update({f"v_{plan.columns[name].key}": value for name, value in changed.items()})
        new_version = None
        if plan.version is not None:
            new_version = plan.next_version(old_version)
            params["k_version"], params["v_version"] = old_version, new_version
        done = queries.run_plain(self.conn, _update_statement(plan, tuple(sorted(changed))), params)
        if done.rowcount != 1:
            raise StaleDataError(f"UPDATE of {plan.table.name} matched {done.rowcount} rows")
        return new_version

    def update_row(self, model: type[Any], row: dict[str, Any], entity: str, changes: dict[str, Any],
                   key: object | None = None, note: str = "") -> dict[str, Any]:
        """:meth:`update` of a row read as plain values (``records.read_row``: mapped attribute -> value, in the
        mapping's order), without the ORM: one UPDATE checked against its version, one audit event with the
        whole row before and after. Returns the row as it now is (``row`` itself when nothing changed)."""
        plan = _direct_update(model, changes)
        if plan is None:
            raise TypeError(f"{model.__name__} cannot be updated as a plain row")
        before = {name: audit.jsonable(value) for name, value in row.items()}
        after = before | {name: audit.jsonable(value) for name, value in changes.items()}
        if before == after:
            return row
        changed = {name: value for name, value in changes.items() if after[name] != before[name]}
        version_attr = plan.version[0] if plan.version is not None else None
        new_version = self._write_row(plan, row, changed,
                                      row[version_attr] if version_attr is not None else None)
        new_row = row | changed
        if version_attr is not None:
            new_row[version_attr] = new_version
            after = after | {version_attr: audit.jsonable(new_version)}
        pk = tuple(row[attr] for attr, _col in plan.pk)
        if self._session is not None:  # an object of the same row the ORM holds takes the values written
            held = self._session.identity_map.get(sa_identity_key(model, pk))
            if held is not None:
                for name, value in new_row.items():
                    set_committed_value(held, name, value)
        self.audit("update", entity, key if key is not None else (row.get("code") or row.get("id")), before,
                   after, note, snapshots=True)
        info = reconcile.tables().get(plan.table.name)
        if info is not None:
            ident = (info.name, pk)
            self._touched[ident] = after
            if reconcile.table_for_snapshot(entity, after) == info.name:
                self._recorded[ident] = after
        return new_row

    def delete(self, obj: Any, entity: str, key: object | None = None, note: str = "") -> None:
        before = audit.snapshot(obj)
        k = key if key is not None else _key(obj)
        row = reconcile.row_key(obj)
        self.session.delete(obj)
        self.session.flush()
        self.audit("delete", entity, k, before, None, note, snapshots=True)
        if row is not None and reconcile.table_for_snapshot(entity, before) == row[0]:
            self._recorded[row] = None

    def add_all(self, objs: Sequence[tuple[Any, object]], entity: str, note: str = "") -> None:
        """:meth:`add` for many new records of one kind (``(obj, key)`` each): one flush for the records, one for
        their events — the same rows and the same chain as adding them one by one."""
        if not objs:
            return
        self.session.add_all([obj for obj, _key in objs])
        self.session.flush()
        snaps = [audit.snapshot(obj) for obj, _key in objs]
        events = audit.append_many(self.conn, at=self.ws.clock(), actor=self.ws.actor, events=[
            ("create", entity, key if key is not None else _key(obj), None, snap, note)
            for (obj, key), snap in zip(objs, snaps, strict=True)])
        self.events.extend(ev.seq for ev in events)
        self.last_event = events[-1]
        for (obj, _k), snap in zip(objs, snaps, strict=True):
            self._note(obj, entity, snap, snap)

    def _note(self, obj: Any, entity: str, snap: dict[str, Any], state: Any) -> None:
        row = reconcile.row_key(obj)
        if row is not None and reconcile.table_for_snapshot(entity, snap) == row[0]:
            self._recorded[row] = state

    def _track(self, session: Session, _context: Any) -> None:
        """After every flush: remember the rows it inserted, changed or deleted (their final state is taken at
        the end of the transaction)."""
        for obj in session.new:
            row = reconcile.row_key(obj)
            if row is not None:
                self._touched[row] = obj
        for obj in session.dirty:
            if session.is_modified(obj, include_collections=False):
                row = reconcile.row_key(obj)
                if row is not None:
                    self._touched[row] = obj
        for obj in session.deleted:
            row = reconcile.row_key(obj)
            if row is not None:
                self._touched[row] = None

    @property
    def touched(self) -> bool:
        return bool(self._touched)

    def unrecorded_states(self) -> list[dict[str, Any]]:
        """The final state of every touched row that no snapshot of this transaction recorded as it is now."""
        out = []
        for (table, pk), obj in self._touched.items():  # an object, a snapshot already taken, or None (deleted)
            state = obj if obj is None or isinstance(obj, dict) else audit.snapshot(obj)
            if (table, pk) in self._recorded and self._recorded[(table, pk)] == state:
                continue
            out.append({"t": table, "k": list(pk), "s": state})
        return out

    def seal(self) -> None:
        """Record the unrecorded row states on the transaction's last event (appending one if it has none)."""
        states = self.unrecorded_states()
        if not states:
            return
        if self.last_event is None:
            self.audit("record", "workspace", "rows", note="rows changed without an event of their own")
        assert self.last_event is not None
        audit.seal_states(self.conn, self.last_event, states)


class Checkpointer(Protocol):
    """Signs the chain's head at the end of each transaction that appended events (``services.workspace``
    provides it: the key lives outside the workspace, beyond the kernel's reach)."""

    def prepare(self, tx: Tx) -> None: ...

    def sign(self, tx: Tx) -> Any: ...

    def committed(self, ws: Workspace, signed: Any) -> None: ...


def _connection_was_lost(engine: Engine, exc: BaseException) -> bool:
    """Whether ``exc`` says the database connection went away (through SQLAlchemy, or from the raw driver, which
    the bulk paths use)."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    dbapi = getattr(engine.dialect, "loaded_dbapi", None)
    error = getattr(dbapi, "Error", None)
    if not (isinstance(error, type) and isinstance(exc, error)):
        return False
    raw: Any = exc
    return bool(engine.dialect.is_disconnect(raw, None, None))


def _connection_lost(exc: BaseException) -> WorkspaceError:
    """A lost connection (the server restarted, the backend was terminated, the network dropped) as one line."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip() if orig is not None else ""
    first = text.splitlines()[0] if text else ""
    return WorkspaceError(f"the connection to the workspace database was lost{f' ({first})' if first else ''}; "
                          "the action was rolled back and did not complete — try again when the server is reachable")


@dataclass(frozen=True)
class _Plan:
    table: Any
    values: dict[str, Any]
    columns: dict[str, Any]  # attribute -> column
    pk: tuple[tuple[str, Any], ...]
    version: tuple[str, Any] | None
    next_version: Any


def _direct_update(obj: Any, changes: dict[str, Any]) -> _Plan | None:
    """How to write ``changes`` with one UPDATE, when that is what the ORM would do: a persistent, unmodified
    object (or a mapped class, for a plain row of it) of a single-table mapping whose changed attributes are plain
    columns, with no validators and no column defaults on update. None otherwise (the caller then flushes as
    usual)."""
    if not changes:
        return None
    mapper: Any
    if isinstance(obj, type):  # a plain row of this mapping (Tx.update_row)
        mapper = sa_inspect(obj)
    else:
        state = sa_inspect(obj)
        if not state.persistent or state.modified:
            return None
        mapper = state.mapper
    info = _mapping_info(mapper)
    if info is None:
        return None
    table, columns, pk, version = info
    if any(name not in columns for name in changes):
        return None
    return _Plan(table, dict(changes), columns, pk, version, mapper.version_id_generator)


_MAPPINGS: dict[Any, Any] = {}
_UPDATES: dict[tuple[Any, tuple[str, ...]], Any] = {}


def _update_statement(plan: _Plan, names: tuple[str, ...]) -> Any:
    """``UPDATE table SET <names>[, version] WHERE <pk>[ AND version]`` with bound parameters ``k_<column>`` for
    the key and ``v_<column>`` for the values, built once per table and set of columns."""
    key = (plan.table, names)
    stmt = _UPDATES.get(key)
    if stmt is None:
        where = [col == bindparam(f"k_{col.key}") for _attr, col in plan.pk]
        values: dict[str, Any] = {plan.columns[n].key: bindparam(f"v_{plan.columns[n].key}") for n in names}
        if plan.version is not None:
            col = plan.version[1]
            where.append(col == bindparam("k_version"))
            values[col.key] = bindparam("v_version")
        stmt = _UPDATES[key] = plan.table.update().where(*where).values(values)
    return stmt


def _mapping_info(mapper: Any) -> Any:
    if mapper in _MAPPINGS:
        return _MAPPINGS[mapper]
    info = None
    table = mapper.local_table
    if mapper.inherits is None and not mapper.validators and mapper.persist_selectable is table:
        columns = {attr.key: attr.columns[0] for attr in mapper.column_attrs if len(attr.columns) == 1
                   and attr.columns[0].table is table}
        if not any(c.onupdate is not None or c.server_onupdate is not None for c in table.columns):
            pk = tuple((next(k for k, c in columns.items() if c is col), col) for col in mapper.primary_key)
            vcol = mapper.version_id_col
            version = None
            if vcol is not None and not callable(mapper.version_id_generator):
                return _MAPPINGS.setdefault(mapper, None)
            if vcol is not None:
                version = (next(k for k, c in columns.items() if c is vcol), vcol)
                columns = {k: c for k, c in columns.items() if c is not vcol}
            info = (table, columns, pk, version)
    _MAPPINGS[mapper] = info
    return info


def _track_flush(session: Session, context: Any) -> None:
    tx = session.info.get("tx")
    if tx is not None:
        tx._track(session, context)


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
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._writer = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        sa_event.listen(self._writer, "after_flush", _track_flush)
        self._listeners: list[Callable[[str], None]] = []
        self.before_close: list[Callable[[], None]] = []  # last work on the open workspace (e.g. a summary)
        self.on_close: list[Callable[[], None]] = []  # e.g. releasing the instance lock
        self.instance_lock: Any = None  # the lock this process holds on the file, when opened exclusively
        self.checkpointer: Checkpointer | None = None  # installed by whoever opens the workspace
        self.access_lock: Any = None  # the writers' lock (shared) this process holds while it may write the file

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._reader() as session, session.begin():
                yield session
        except Exception as exc:
            if _connection_was_lost(self.engine, exc):
                raise _connection_lost(exc) from None
            raise

    @contextmanager
    def write(self, topic: str = "data", *, audit_only: bool = False) -> Iterator[Tx]:
        """One transaction for one user action: everything inside commits together, or nothing does.

        ``audit_only``: the action only records something in the audit (an export): summaries derived from the
        records stay valid. A transaction that touches a record all the same counts as a change of records."""
        if self.read_only:
            why = f": {self.read_only_reason}" if self.read_only_reason else ""
            raise ReadOnlyError(f"the workspace is open read-only{why}")
        signed = None
        try:
            with self._write_engine.connect() as conn, conn.begin():  # the ORM session only when asked for
                tx = Tx(conn, self)
                try:
                    yield tx
                    signed = self._finish(tx)
                    queries.bump_data_version(conn, audit_only=audit_only and not tx.touched)
                finally:
                    tx.close()
        except StaleDataError:
            raise ConflictError("the record was changed by someone else while you saved it; nothing of yours "
                                "was saved — reload it and apply your change again") from None
        except Exception as exc:
            if _connection_was_lost(self.engine, exc):
                raise _connection_lost(exc) from None
            raise
        if signed is not None and self.checkpointer is not None:
            self.checkpointer.committed(self, signed)
        self.notify(topic)

    def _finish(self, tx: Tx) -> Any:
        """The end of a write: the touched rows' states onto the last event, then the signed checkpoint."""
        tx.flush()  # what the service left pending is part of what the transaction touched
        signer = self.checkpointer
        if signer is not None and (tx.events or tx.touched or tx.checkpoint_requested):
            signer.prepare(tx)
        tx.seal()
        if signer is not None and (tx.events or tx.checkpoint_requested):
            return signer.sign(tx)
        return None

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
