"""What the worker processes of one cloud must agree on besides its data: the clock's offset,
ARM's throttling limits and the injected faults. With a shared store (PostgreSQL) every request
first reads them from the database (``refresh``), so that a change made through one worker is in
force in all of them from the next request on; with SQLite (one process) they stay in memory.
"""

from __future__ import annotations

from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud.arm.throttle import LIMITS_SETTING
from cmagent.cloud.arm.throttle import Throttle
from cmagent.cloud.clock import FOLLOW_SETTING
from cmagent.cloud.clock import OFFSET_SETTING
from cmagent.cloud.clock import Clock
from cmagent.cloud.faults import Faults
from cmagent.cloud.store import Store


class SharedState:
    def __init__(self, store: Store, clock: Clock, throttle: Throttle, faults: Faults) -> None:
        self.store = store
        self.clock = clock
        self.throttle = throttle
        self.faults = faults

    def refresh(self) -> None:
        with self.store.session() as session:
            rows = session.execute(select(models.Setting.key, models.Setting.value).where(
                models.Setting.key.in_((OFFSET_SETTING, FOLLOW_SETTING, LIMITS_SETTING))))
            settings = {key: value for key, value in rows}
            self.faults.reload(session)
        self.clock.load(settings.get(OFFSET_SETTING), settings.get(FOLLOW_SETTING))
        self.throttle.load_limits(settings.get(LIMITS_SETTING))
