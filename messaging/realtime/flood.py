"""The per-socket frame budget: a token bucket, and the strikes of frames refused in a row.

A socket may send bursts of `CAPACITY` frames and `PER_SECOND` frames sustained; a frame over
the budget is refused with `rate_limited` and counts a strike, an admitted one clears the
strikes, and a socket with more than `STRIKES_BEFORE_CLOSE` strikes in a row is closed (4429).
"""

import math
import time

CAPACITY = 40
PER_SECOND = 20.0
STRIKES_BEFORE_CLOSE = 50

# The budget's clock; tests replace it with one they move by hand.
monotonic = time.monotonic


class FrameBudget:
    def __init__(
        self,
        *,
        capacity: int = CAPACITY,
        per_second: float = PER_SECOND,
        strikes_before_close: int = STRIKES_BEFORE_CLOSE,
        clock=None,
    ):
        self.capacity, self.per_second = capacity, per_second
        self.clock = clock or monotonic
        self.strikes_before_close = strikes_before_close
        self.tokens, self.stamp = float(capacity), self.clock()
        self.strikes = 0

    def admit(self) -> float:
        """0 when a frame may pass; else the seconds to wait for the next token, rounded up
        to the millisecond: a client that waits that long is let through."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1 - 1e-9:  # not refused for a rounding error of the clock's sums
            self.tokens -= 1
            self.strikes = 0
            return 0.0
        self.strikes += 1
        return math.ceil((1 - self.tokens) / self.per_second * 1000) / 1000

    @property
    def exhausted(self) -> bool:
        """The socket kept sending past its budget: close it."""
        return self.strikes > self.strikes_before_close
