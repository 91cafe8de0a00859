"""Per-identity request rate limits: a token bucket per caller, kept in each process."""

import math
from collections import OrderedDict


class RateLimiter:
    """`rate` requests a second on average, bursts up to `burst`; `rate` 0 switches it off.

    Buckets live in the process: with N replicas a caller gets up to N times the rate (a gateway in front enforces
    a global figure if one is needed). The least recently seen buckets are dropped past `max_callers`, so a flood of
    made-up identities cannot grow the table without bound."""

    def __init__(self, *, rate: float, burst: float, max_callers: int = 100_000) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, now: float) -> float:
        """Takes one token for `key` at monotonic time `now`: 0.0 when allowed, else the seconds until one is free."""
        if not self.enabled:
            return 0.0
        tokens, stamp = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > self._max_callers:
            self._buckets.popitem(last=False)
        return wait


def retry_after(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))
