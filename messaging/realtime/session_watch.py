"""A socket must not outlive its session: its expiry (Daphne keeps sockets for up to 24 hours),
its end, nor its inactivity limit.

Every frame but `ping` is the member's activity (the page's heartbeat is not); it is stored
for the session at most once every ACTIVITY_SAVE_SECONDS, where the pages' idle check reads
it. At the inactivity deadline the socket closes, unless the member was active meanwhile, on
this socket or anywhere else in the session (another tab's requests).
"""

import asyncio
import time

from messaging.realtime.db import run_in_db
from network.accounts import sessions
from network.accounts.sessions import LAST_SEEN_KEY

ACTIVITY_SAVE_SECONDS = 60


class LoopClock:
    """Wall-clock time, and timers on the running event loop."""

    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback)


# Every watch's clock; tests replace it with one they move by hand.
clock = LoopClock()


class SessionWatch:
    def __init__(self, session, end):
        """`end()` closes the socket (4401): a coroutine function."""
        self.session, self.end = session, end
        self.expiry = clock.call_later(
            max(0.0, session.get_expiry_age()), lambda: asyncio.ensure_future(self.end())
        )
        self.active_at = self.activity_saved_at = session.get(LAST_SEEN_KEY) or clock.now()
        self.idle_timer = None
        self._watch_idleness(sessions.idle_deadline_after(self.active_at))

    def stop(self) -> None:
        self.expiry.cancel()
        if self.idle_timer is not None:
            self.idle_timer.cancel()

    async def note_activity(self) -> bool:
        """A frame of the member's own. False if the session has ended (the socket is then
        being closed)."""
        self.active_at = now = clock.now()
        if now - self.activity_saved_at >= ACTIVITY_SAVE_SECONDS:
            self.activity_saved_at = now
            if not await run_in_db(sessions.record_activity)(self.session.session_key, now):
                await self.end()
                return False
        return True

    def _watch_idleness(self, deadline: float) -> None:
        self.idle_timer = clock.call_later(
            max(0.0, deadline - clock.now()), lambda: asyncio.ensure_future(self._idle_check())
        )

    async def _idle_check(self) -> None:
        deadline = sessions.idle_deadline_after(self.active_at)
        if clock.now() > deadline:
            stored = await run_in_db(sessions.last_activity)(self.session.session_key)
            if stored is None:
                await self.end()
                return
            deadline = sessions.idle_deadline_after(max(self.active_at, stored))
            if clock.now() > deadline:
                await self.end()
                return
        self._watch_idleness(deadline)
