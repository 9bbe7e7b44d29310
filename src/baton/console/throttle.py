"""Sign-in throttling: wrong passwords earn a growing wait, per account and per client address.

The first few failures are free (people mistype); after that each failure doubles the wait
before the next attempt is even checked, up to a ceiling. An attempt during the wait is 429
`login_throttled` with `Retry-After`, whatever the password: so forty guesses followed by the
right password do not get in. A success clears the account's record (not the address's, so one
valid account does not reset an address that is guessing others). State is per worker process
and bounded: the oldest records are dropped first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from baton.errors import LoginThrottled


@dataclass(frozen=True)
class Rule:
    """`free` failures pass; the n-th after them waits `base * 2**n` seconds, at most `ceiling`."""

    free: int
    base: float
    ceiling: float


ACCOUNT = Rule(free=5, base=1.0, ceiling=900.0)
ADDRESS = Rule(free=20, base=1.0, ceiling=900.0)
MAX_RECORDS = 50_000


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(
        self,
        *,
        account: Rule = ACCOUNT,
        address: Rule = ADDRESS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = {"account": account, "address": address}
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock

    def check(self, *, email: str, address: str) -> None:
        """LoginThrottled if the account or the address must still wait."""
        now = self._clock()
        with self._lock:
            for key in self._keys(email, address):
                record = self._records.get(key)
                if record is not None and record.blocked_until > now:
                    wait = math.ceil(record.blocked_until - now)
                    raise LoginThrottled(
                        f"too many wrong passwords for this {key[0]}; try again in {wait} s",
                        retry_after=wait,
                        field="email" if key[0] == "account" else None,
                    )

    def failed(self, *, email: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(email, address):
                record = self._records.pop(key, None) or _Record()
                record.failures += 1
                rule = self._rules[key[0]]
                over = record.failures - rule.free
                if over > 0:
                    record.blocked_until = now + min(rule.ceiling, rule.base * 2 ** (over - 1))
                self._records[key] = record
            while len(self._records) > MAX_RECORDS:
                self._records.popitem(last=False)

    def succeeded(self, *, email: str) -> None:
        with self._lock:
            self._records.pop(("account", email.strip().lower()), None)

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", email.strip().lower()), ("address", address)
