"""Where heartbeats are read and written: the busiest write path of the cloud.

A heartbeat reads one machine's heartbeat state, decides (``Decide``) what changes, and writes
the change and any status events. Two books keep that state:

- ``DirectBook``: read, decide and write in one transaction per heartbeat. Used when other
  processes share the database (PostgreSQL with workers), where no process may trust a copy.
- ``Ledger``: the state of machines that heartbeat, held in memory and written behind in one
  transaction at most ``FLUSH_SECONDS`` after a change. Used with SQLite, where this process is
  the only server. The copy stays true because (1) every other use of the store first writes
  the pending heartbeats (``Store.before_use``), so any read sees them and any write comes after
  them, and (2) a commit by any other connection, in this process or another, changes
  SQLite's ``PRAGMA data_version`` on the ledger's own connection, and the ledger then forgets
  every copy. The price: a crash loses at most the last ``FLUSH_SECONDS`` of heartbeats (an
  agent heartbeats every 5 minutes, so a machine's last-heartbeat time is at worst that much
  older); a clean shutdown loses none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from cmagent.cloud import models
from cmagent.cloud.store import Store

FLUSH_SECONDS = 0.05
logger = logging.getLogger("cmagent.cloud.his")


@dataclass
class Beat:
    """What one heartbeat does: the machine's new columns, the status events it makes, and
    the refusal to answer with once it is recorded (a clone's heartbeat)."""

    changes: dict[str, Any]
    events: list[tuple[float, str, str | None]] = field(default_factory=list)
    refusal: Exception | None = None


# The machine's heartbeat state (``None``: no such machine) -> the beat; raises to refuse.
Decide = Callable[[SimpleNamespace | None], Beat]


class DirectBook:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.query, self.change, self.event, self.prune = (
            store.prepare(statement) for statement in
            (_QUERY, _UPDATE, _EVENT_INSERT, _EVENT_PRUNE))

    def beat(self, vm_id: str, decide: Decide) -> tuple[SimpleNamespace, Beat]:
        with self.store.raw_writing() as cursor:
            row = self.query.first(cursor, vm_id=vm_id)
            beat = decide(row)
            assert row is not None  # decide refuses a missing machine
            self.change.run(cursor, machine_id=row.id, vm_id=vm_id, **beat.changes)
            for at, status, detail in beat.events:
                self.event.run(cursor, machine_id=row.id, at=at, status=status, detail=detail)
            if beat.events:
                self.prune.run(cursor, machine_id=row.id)
        return row, beat


class Ledger(DirectBook):
    """Its state changes only under the store's write lock, like anything else written."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._connection = store.engine.raw_connection()  # its own: see data_version above
        self._version_cursor = self._connection.cursor()
        self._rows: dict[str, SimpleNamespace] = {}
        self._pending: dict[int, dict[str, Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._version: object = None
        self._flush_armed = False
        store.before_use.append(self.flush)
        store.before_close.append(self.close)

    def beat(self, vm_id: str, decide: Decide) -> tuple[SimpleNamespace, Beat]:
        with self.store.write_lock:  # a writer in a thread never interleaves
            if self._changed_elsewhere():
                self.flush()
                self._rows.clear()
            row = self._rows.get(vm_id) or self._load(vm_id)
            beat = decide(row)
            assert row is not None
            self._record(vm_id, row, beat)
        self._arm_flush()
        return row, beat

    def _changed_elsewhere(self) -> bool:
        # fetchall: stepped to its end, the statement keeps no read snapshot open
        version = self._version_cursor.execute("PRAGMA data_version").fetchall()[0][0]
        changed, self._version = bool(version != self._version), version
        return changed

    def _load(self, vm_id: str) -> SimpleNamespace | None:
        cursor = self._connection.cursor()
        try:
            row = self.query.first(cursor, vm_id=vm_id)
        finally:
            cursor.close()  # ends the read at once
        if row is not None:
            self._rows[vm_id] = row
        return row

    def _record(self, vm_id: str, row: SimpleNamespace, beat: Beat) -> None:
        for name, value in beat.changes.items():
            setattr(row, name, value)
        self._pending[row.id] = {"machine_id": row.id, "vm_id": vm_id, **beat.changes}
        self._events.extend({"machine_id": row.id, "at": at, "status": status,
                             "detail": detail} for at, status, detail in beat.events)

    def _arm_flush(self) -> None:
        if self._flush_armed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the server's loop: nothing would flush later
            self.flush()
            return
        self._flush_armed = True
        loop.call_later(FLUSH_SECONDS, self._timed_flush)

    def _timed_flush(self) -> None:
        self._flush_armed = False
        try:
            self.flush()
        except Exception:  # kept for the next try (a locked or full database)
            logger.exception("Writing heartbeats failed; retrying")
            self._arm_flush()

    def flush(self) -> None:
        if not self._pending and not self._events:
            return
        with self.store.write_lock:
            pending, events = self._pending, self._events
            self._pending, self._events = {}, []
            try:
                self._write(list(pending.values()), events)
            except BaseException:
                self._connection.rollback()
                self._pending, self._events = pending, events  # nothing is lost
                self._rows.clear()  # the copies are reloaded from what the database holds
                raise

    def _write(self, pending: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        cursor = self._connection.cursor()
        gone = set()
        for params in pending:
            self.change.run(cursor, **params)
            if cursor.rowcount == 0:  # deleted by another process since: its events go too
                gone.add(params["machine_id"])
        for params in events:
            if params["machine_id"] not in gone:
                self.event.run(cursor, **params)
        for machine_id in {params["machine_id"] for params in events} - gone:
            self.prune.run(cursor, machine_id=machine_id)
        self._connection.commit()
        if gone:
            logger.warning("Heartbeats of %d machines deleted meanwhile were not recorded",
                           len(gone))

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._connection.close()


def book(store: Store) -> DirectBook:
    """The book for this store: written behind unless other processes share the database."""
    return DirectBook(store) if store.shared else Ledger(store)


_MACHINES = models.table(models.Machine)
_CREDENTIALS = models.table(models.Credential)
_EVENTS = models.table(models.MachineEvent)
_LATEST_CERTIFICATE = (select(func.max(_CREDENTIALS.c.expires_at))
                       .where(_CREDENTIALS.c.app_id == _MACHINES.c.identity_app_id,
                              _CREDENTIALS.c.kind == "certificate")
                       .scalar_subquery().label("latest_certificate"))
# FOR UPDATE: a second worker's heartbeat for the machine reads it only after the first one
# committed, so one change of status makes one event (SQLite renders no lock: it needs none).
_QUERY = (select(_MACHINES.c.id, _MACHINES.c.identity_app_id, _MACHINES.c.status,
                 _MACHINES.c.last_status_change, _MACHINES.c.last_heartbeat,
                 _MACHINES.c.fingerprint, _MACHINES.c.reported, _LATEST_CERTIFICATE)
          .where(_MACHINES.c.vm_id == bindparam("vm_id")).with_for_update(of=_MACHINES))
# The vmId too: a machine deleted and another created in between never gets the old beat.
_UPDATE = (update(_MACHINES).where(_MACHINES.c.id == bindparam("machine_id"),
                                   _MACHINES.c.vm_id == bindparam("vm_id"))
           .values({name: bindparam(name) for name in
                    ("status", "last_heartbeat", "last_status_change", "fingerprint",
                     "reported")}))
_EVENT_INSERT = insert(_EVENTS).values({name: bindparam(name) for name in
                                        ("machine_id", "at", "status", "detail")})
HISTORY_KEPT = 200  # status changes per machine: one that flips at every heartbeat stays bounded
_OLDEST_KEPT = (select(_EVENTS.c.id).where(_EVENTS.c.machine_id == bindparam("machine_id"))
                .order_by(_EVENTS.c.id.desc()).limit(1).offset(HISTORY_KEPT - 1)
                .scalar_subquery())
_EVENT_PRUNE = delete(_EVENTS).where(_EVENTS.c.machine_id == bindparam("machine_id"),
                                     _EVENTS.c.id < _OLDEST_KEPT)
