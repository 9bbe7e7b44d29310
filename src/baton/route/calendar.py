"""Business hours and holidays as UTC intervals: time-zone aware and DST correct, exactly.

A calendar is open at an instant when the wall clock of its time zone shows a working day (not a
holiday: the policy's own dates and its country's public holidays, from the `holidays` package)
and a time inside one of that weekday's spans. The wall clock only changes that answer at a span
edge, at midnight, or at a DST transition, so the open intervals are found by checking the answer
once between consecutive such breakpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from baton.policy import CalendarConfig, Policy, QueueConfig
from baton.policy.schema import HolidaysConfig, Weekday

_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = 86_400
_CHUNK_DAYS = 7
_HORIZON_CHUNKS = 110  # about two years: a calendar that never opens in that time is an error
_SECOND = timedelta(seconds=1)

Interval = tuple[datetime, datetime]
_NO_HOLIDAYS = HolidaysConfig()


def _seconds(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Opening spans per weekday (seconds of the local day, end exclusive) in one time zone."""

    zone: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: HolidaysConfig = _NO_HOLIDAYS

    @classmethod
    def from_config(cls, config: CalendarConfig) -> BusinessCalendar:
        weekly = tuple(
            tuple((_seconds(span[:5]), _seconds(span[6:])) for span in config.weekly.get(day, ()))
            for day in _DAYS
        )
        return cls(ZoneInfo(config.timezone), weekly, config.holidays)

    @classmethod
    def always(cls) -> BusinessCalendar:
        """Open every second: the clock of calendar-time SLAs and of queues without a calendar."""
        return _ALWAYS

    @property
    def is_always(self) -> bool:
        return self.weekly == _ALWAYS.weekly and self.holidays == _NO_HOLIDAYS

    def is_open(self, at: datetime) -> bool:
        """Whether the wall clock at `at` is inside business hours."""
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(start <= second < end for start, end in self.weekly[local.weekday()])

    def open_intervals(self, start: datetime) -> Iterator[Interval]:
        """Merged open intervals from `start` on, the first clipped to begin at `start`."""
        start = _utc(start)
        if self.is_always:
            yield start, datetime.max.replace(tzinfo=UTC)
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        pending: Interval | None = None
        for _ in range(_HORIZON_CHUNKS):
            for a, b in self._chunk(day):
                if b <= start:
                    continue
                a = max(a, start)
                if pending is not None and pending[1] >= a:
                    pending = (pending[0], b)
                    continue
                if pending is not None:
                    yield pending
                pending = (a, b)
            day += timedelta(days=_CHUNK_DAYS)
        if pending is not None:
            yield pending

    def add(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which `seconds` of business time have passed since `start`."""
        remaining = timedelta(seconds=seconds)
        if remaining <= timedelta(0):
            return _utc(start)
        for a, b in self.open_intervals(start):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        raise ValueError("the calendar does not open again within two years")

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Business seconds between two instants (zero when `end` is not after `start`)."""
        end = _utc(end)
        total = timedelta(0)
        for a, b in self.open_intervals(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total.total_seconds()

    def next_open(self, at: datetime) -> datetime | None:
        """`at` itself when open, else the next opening; None when it never opens again."""
        return next((a for a, _ in self.open_intervals(at)), None)

    def _chunk(self, first: date) -> list[Interval]:
        return _chunk_intervals(self, first)

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)

    def _breakpoints(self, first: date, last: date) -> list[datetime]:
        """Every instant in [midnight(first), midnight(last)] where openness may change."""
        lo, hi = self._midnight(first), self._midnight(last)
        points = {lo, hi}
        day = first - timedelta(days=1)
        while day <= last + timedelta(days=1):
            walls = {0} | {s for span in self.weekly[day.weekday()] for s in span if s < _DAY}
            for wall in walls:
                naive = datetime.combine(day, time()) + timedelta(seconds=wall)
                for fold in (0, 1):
                    point = naive.replace(tzinfo=self.zone, fold=fold).astimezone(UTC)
                    if lo < point < hi:
                        points.add(point)
            day += timedelta(days=1)
        ordered = sorted(points)
        return sorted(points | set(self._transitions(ordered)))

    def _transitions(self, points: list[datetime]) -> Iterator[datetime]:
        """The first instant of each UTC-offset change between consecutive breakpoints."""
        for a, b in pairwise(points):
            if a.astimezone(self.zone).utcoffset() == b.astimezone(self.zone).utcoffset():
                continue
            before, after = a, b
            while after - before > _SECOND:
                middle = before + (after - before) / 2
                middle = middle.replace(microsecond=0)
                if middle <= before:
                    middle = before + _SECOND
                if middle.astimezone(self.zone).utcoffset() == a.astimezone(self.zone).utcoffset():
                    before = middle
                else:
                    after = middle
            yield after


@lru_cache(maxsize=4096)
def _chunk_intervals(calendar: BusinessCalendar, first: date) -> list[Interval]:
    """Merged open intervals between the local midnights of `first` and seven days later."""
    points = calendar._breakpoints(first, first + timedelta(days=_CHUNK_DAYS))
    out: list[Interval] = []
    for a, b in pairwise(points):
        if not calendar.is_open(a):
            continue
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime; pass an aware one")
    return at.astimezone(UTC)


_ALWAYS = BusinessCalendar(ZoneInfo("UTC"), tuple(((0, _DAY),) for _ in _DAYS))


def queue_calendar(policy: Policy, queue: QueueConfig) -> BusinessCalendar:
    """The queue's business hours; a queue without a calendar is always open."""
    return named_calendar(policy, queue.calendar)


def named_calendar(policy: Policy, name: str | None) -> BusinessCalendar:
    """A policy calendar by name; no name, or one the policy no longer has, is always open."""
    config = policy.calendars.get(name) if name is not None else None
    if config is None:
        return _ALWAYS
    return _cached(config.timezone, tuple(sorted(config.weekly.items())), config.holidays)


def calendar_from_spec(spec: dict[str, Any] | None) -> BusinessCalendar:
    """A calendar from a stored `CalendarConfig` dump; None is always open."""
    if not spec:
        return _ALWAYS
    config = CalendarConfig.model_validate(spec)
    return _cached(config.timezone, tuple(sorted(config.weekly.items())), config.holidays)


@lru_cache(maxsize=64)
def _cached(
    timezone: str, weekly: tuple[tuple[Weekday, tuple[str, ...]], ...], holidays: HolidaysConfig
) -> BusinessCalendar:
    config = CalendarConfig(timezone=timezone, weekly=dict(weekly), holidays=holidays)
    return BusinessCalendar.from_config(config)
