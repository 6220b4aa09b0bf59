"""The store: one SQLAlchemy engine and short sessions, one per request or command.

SQLite in the data directory by default (WAL, foreign keys on, the file readable by its owner
only: it holds the token-signing key); any SQLAlchemy URL (for example
``postgresql+psycopg://...``) can be given instead. A database that cannot be opened is a
``StoreError`` naming it and what to do, never a traceback.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import exc
from sqlalchemy import inspect
from sqlalchemy import make_url
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from cmagent.cloud import models
from cmagent.cloud.files import touch_private


class StoreError(Exception):
    """The database cannot be opened or used; the message names it and what to do."""


BASELINE = "0001"  # the schema of cmagent 0.1.0, whose data directories carry no revision
MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.shared = not url.startswith("sqlite")  # other processes may use it (workers)
        try:
            _private_sqlite_file(url)
            self.engine = _engine(url)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError, OSError, TypeError,
                ValueError) as error:  # (a URL of a kind, or a driver, this cloud lacks)
            raise StoreError(f"the database URL {_shown_or_raw(url)} cannot be used "
                             f"({getattr(error, 'strerror', None) or error}); give a "
                             "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE URL, or none "
                             "for SQLite in the data directory") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_lock = threading.RLock()
        # Run before any session (a write-behind book writes what it holds) and on close.
        self.before_use: list[Callable[[], None]] = []
        self.before_close: list[Callable[[], None]] = []
        try:
            self._migrate()
        except exc.SQLAlchemyError as error:
            self.engine.dispose()
            raise StoreError(_unusable(url, error)) from None
        except _NewerSchema as newer:
            self.engine.dispose()
            raise StoreError(f"the database {shown_url(url)} "
                             f"was written by a newer cmagent (its schema is {newer}); run that "
                             "release, or a newer one, with it") from None

    def _migrate(self) -> None:
        """Create the schema, or bring an older one up to date (Alembic)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # two clouds started at once on a new
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATING})")
            config.attributes["connection"] = connection  # database: one migrates, one waits
            tables = inspect(connection).get_table_names()
            if tables and "alembic_version" not in tables:
                command.stamp(config, BASELINE)
            _check_not_newer(connection, config)
            command.upgrade(config, "head")

    @classmethod
    def in_data_dir(cls, data_dir: Path, url: str | None = None) -> Store:
        return cls(url or f"sqlite:///{data_dir / 'cloud.db'}")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on any failure."""
        self._prepare_use()
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session for read-modify-write sequences that must not interleave (SQLite allows
        one writer; serialising here avoids 'database is locked' under concurrent requests)."""
        with self.write_lock, self.session() as session:
            yield session

    @contextmanager
    def unit(self, writing: bool) -> Iterator[Unit]:
        """A request's transaction (see ``Unit``), committed on success and rolled back on any
        failure; ``writing`` serialises it with the other writers, as ``writing()`` does."""
        with self.write_lock if writing else nullcontext():
            self._prepare_use()
            unit = Unit(self)
            try:
                yield unit
                unit.commit()
            except BaseException:
                unit.rollback()
                raise
            finally:
                unit.close()

    @contextmanager
    def raw_writing(self) -> Iterator[Any]:
        """A DB-API cursor in a writing unit, for ``Prepared`` statements on the hottest paths."""
        with self.unit(writing=True) as unit:
            cursor = unit.raw.cursor()
            try:
                yield cursor
            finally:
                cursor.close()

    def _prepare_use(self) -> None:
        for hook in self.before_use:
            hook()

    def prepare(self, statement: ClauseElement) -> Prepared:
        return Prepared(statement, self.engine.dialect)

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self.session() as session:
            row = session.get(models.Setting, key)
            return row.value if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.writing() as session:
            session.merge(models.Setting(key=key, value=value))

    def reset(self) -> None:
        """Remove every tenant, principal, resource and setting; keys and certificates stay."""
        with self.writing() as session:
            for table in reversed(models.Base.metadata.sorted_tables):
                if table.name not in ("signing_keys", "alembic_version"):
                    session.execute(table.delete())

    def all(self, session: Session, model: type[Any], **filters: Any) -> list[Any]:
        query = select(model).filter_by(**filters)
        return list(session.scalars(query))

    def close(self) -> None:
        hooks = list(self.before_close)
        self.before_use.clear()
        self.before_close.clear()
        try:
            for hook in hooks:
                hook()
        finally:
            self.engine.dispose()


class Unit:
    """One request's work on one pooled DB-API connection: lean statements run on it directly,
    and an ORM session is made on the same connection, in the same transaction, only when a
    handler asks for one. The calls a fleet makes most never do: making, beginning, committing
    and closing a session cost more than their statements."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.dialect = store.engine.dialect
        self.raw = store.engine.raw_connection()
        self._connection: Connection | None = None  # the session's, over ``raw``
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._connection = Connection(self._store.engine, self.raw)
            self._session = self._store._sessions(bind=self._connection)
        return self._session

    def flush(self) -> None:
        """What the session holds unflushed, written (before a lean statement reads)."""
        if self._session is not None:
            _flush_pending(self._session)

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()  # (commits ``raw`` when the session began its transaction)
        if self.raw.is_valid:
            _as_sqlalchemys(self.dialect, "COMMIT", self.raw.commit)

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        if self.raw.is_valid:  # (a lost connection was invalidated and returned already)
            _as_sqlalchemys(self.dialect, "ROLLBACK", self.raw.rollback)

    def close(self) -> None:
        try:
            if self._session is not None:
                self._session.close()  # (it leaves the connection it was given open)
        finally:
            (self._connection or self.raw).close()  # the one owner checks it in


Transactional = Session | Unit  # where lean statements run


def locked_setting(session: Session, key: str, default: str) -> str:
    """A setting's value, its row locked until ``session``'s transaction ends, for a change
    that reads it first (two workers' changes at once must both count). A missing row is made
    with ``default`` first: a row that does not exist yet cannot be locked."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.dialects import sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(models.Setting).values(key=key, value=default)
                    .on_conflict_do_nothing())
    return str(session.scalars(select(models.Setting.value).where(models.Setting.key == key)
                               .with_for_update()).one())


class Prepared:
    """A Core statement compiled once for a kind of database and run on a DB-API cursor, for
    the hottest paths (heartbeats, machine GET and PUT): it skips SQLAlchemy's per-execution
    work, which took about 40 of the 60 microseconds a heartbeat's query cost through a
    Connection, and more through the ORM."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.order = list(compiled.positiontup) if compiled.positional and \
            compiled.positiontup else None
        binds = compiled.binds.items()
        self.literals = {name: bind.effective_value for name, bind in binds if not bind.required}
        self.binders = {name: processor for name, bind in binds if (
            processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        self.dialect = dialect
        self.columns = list(getattr(statement, "selected_columns", ()))
        self.readers: list[Any] | None = None  # known once the driver has described a row

    def run(self, cursor: Any, **values: Any) -> None:
        params = {**self.literals, **values}
        for key, process in self.binders.items():
            params[key] = process(params[key])
        cursor.execute(self.sql, tuple(params[key] for key in self.order)
                       if self.order is not None else params)

    def first(self, cursor: Any, **values: Any) -> SimpleNamespace | None:
        self.run(cursor, **values)
        row = cursor.fetchone()
        return None if row is None else self._record(cursor, row)

    def all(self, cursor: Any, **values: Any) -> list[SimpleNamespace]:
        self.run(cursor, **values)
        return [self._record(cursor, row) for row in cursor.fetchall()]

    def _record(self, cursor: Any, row: Any) -> SimpleNamespace:
        if self.readers is None:
            self.readers = [column.type.dialect_impl(self.dialect).result_processor(
                self.dialect, described[1])
                for column, described in zip(self.columns, cursor.description, strict=True)]
        return SimpleNamespace(**{column.key: read(value) if read else value for
                                  column, read, value in zip(self.columns, self.readers, row,
                                                             strict=True)})


_COMPILED: dict[tuple[int, str, str], tuple[ClauseElement, Prepared]] = {}


def _prepared_for(work: Transactional, statement: ClauseElement) -> tuple[Prepared, Any]:
    """The statement compiled once per database kind, and a cursor in the work's own
    transaction. What a session holds unflushed is flushed first, as the ORM's autoflush
    would: a lean read sees everything its request changed."""
    if isinstance(work, Unit):
        work.flush()
        dialect, connection = work.dialect, work.raw
    else:
        _flush_pending(work)
        dialect, connection = _lean_connection(work)
    key = (id(statement), dialect.name, dialect.driver)
    if key not in _COMPILED:  # the statement is kept too, so its id is never reused
        _COMPILED[key] = (statement, Prepared(statement, dialect))
    return _COMPILED[key][1], connection.cursor()


def _flush_pending(session: Session) -> None:
    if session.new or session.deleted or session.dirty:
        session.flush()


def _lean_connection(session: Session) -> tuple[Dialect, Any]:
    """The session's DB-API connection, looked up once per transaction (asking the session
    each time cost as much as the query)."""
    held = session.info.get("lean")
    if held is not None and held[0] is session.get_transaction():
        return held[1], held[2]
    connection = session.connection()
    session.info["lean"] = (session.get_transaction(), connection.dialect,
                            connection.connection)
    return connection.dialect, connection.connection


def lean_first(work: Transactional, statement: ClauseElement, **values: Any) -> Any:
    """The first row of a Core statement, as a namespace of its columns, or None: the ARM
    hot paths' reads, without the ORM's per-query work."""
    return _lean(work, statement, Prepared.first, values)


def lean_all(work: Transactional, statement: ClauseElement, **values: Any) -> list[Any]:
    return _lean(work, statement, Prepared.all, values)  # type: ignore[no-any-return]


def lean_run(work: Transactional, statement: ClauseElement, **values: Any) -> None:
    """Run an INSERT, UPDATE or DELETE in the session's transaction; every bound value must be
    given (a column default is not applied)."""
    _lean(work, statement, Prepared.run, values)


def _lean(work: Transactional, statement: ClauseElement, action: Callable[..., Any],
          values: dict[str, Any]) -> Any:
    prepared, cursor = _prepared_for(work, statement)
    try:
        return _as_sqlalchemys(prepared.dialect, prepared.sql, action, prepared, cursor,
                               values=values)
    finally:
        cursor.close()


def _as_sqlalchemys(dialect: Dialect, sql: str, call: Callable[..., Any], *args: Any,
                    values: dict[str, Any] | None = None) -> Any:
    """``call``, with a driver's error raised as SQLAlchemy's own (IntegrityError, DataError..),
    which the endpoints answer (409, 400)."""
    try:
        return call(*args, **(values or {}))
    except dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(sql, values or {}, error, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from error


_MIGRATING = 0x636D6167  # the advisory lock's key ("cmag")


class _NewerSchema(Exception):
    """The database's schema revision is one this release does not know."""


def _check_not_newer(connection: Connection, config: Any) -> None:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = MigrationContext.configure(connection).get_current_revision()
    known = ScriptDirectory.from_config(config)
    if current is not None and current not in {s.revision for s in known.walk_revisions()}:
        raise _NewerSchema(f"{current}; this release knows up to {known.get_current_head()}")


def _private_sqlite_file(url: str) -> None:
    database = make_url(url).database if url.startswith("sqlite") else None
    if database and database != ":memory:":
        touch_private(database)


def _shown_or_raw(url: str) -> str:
    try:
        return shown_url(url)
    except exc.ArgumentError:  # not a URL (a libpq keyword string?): its password hidden
        return repr(re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", url[:200],
                           flags=re.IGNORECASE))


def shown_url(url: str) -> str:
    """A database URL fit for a message or a log: its password hidden, also one given as a
    query parameter (libpq takes ``?password=``)."""
    parsed = make_url(url)
    hidden = {key: "***" if key.lower() in ("password", "sslpassword") else value
              for key, value in parsed.query.items()}
    return parsed.set(query=hidden).render_as_string(hide_password=True)


def _unusable(url: str, error: exc.SQLAlchemyError) -> str:
    where = shown_url(url)
    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    if url.startswith("sqlite"):
        return (f"the database {make_url(url).database} cannot be used ({reason}). Restore it "
                "from a backup, or move it aside to start with an empty cloud (a new signing "
                "key: tokens issued before are no longer valid).")
    return f"the database {where} cannot be used ({reason}); check that it runs and the URL."


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        # No pre-ping: it doubles every checkout's round trips; a connection the server closed
        # fails once, is dropped by the pool, and the request answers 500 while the next works.
        # A request waits at most 10 s for a row another holds (then 503, retry), not for ever.
        return create_engine(url, pool_size=16, max_overflow=16, pool_recycle=3600,
                             connect_args={"options": "-c lock_timeout=10000"})
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=16, max_overflow=16)

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
