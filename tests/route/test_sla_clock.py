"""The SLA clock against a minute-stepping reference: business hours, holidays, DST, pause/resume.

The reference knows nothing of intervals or breakpoints: it walks the clock forward a minute at a
time (business hours and UTC offsets change only on whole minutes) and asks the wall clock
whether the calendar is open, counting seconds only while the clock runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from baton.policy import CalendarConfig
from baton.route import BusinessCalendar, SlaClock

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The 2026 DST changes of the zones above, so generated starts straddle them.
DST_DAYS = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 4, 5, tzinfo=UTC),
    datetime(2026, 10, 4, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
]


def ref_is_open(config: CalendarConfig, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(config.timezone))
    if local.date() in config.holidays:
        return False
    now = f"{local:%H:%M}"
    for span in config.weekly.get(DAYS[local.weekday()], ()):  # type: ignore[call-overload]
        start, end = span.split("-")
        if start <= now < end:
            return True
    return False


def ref_due(
    config: CalendarConfig, start: datetime, events: list[datetime], target: int
) -> datetime:
    """Walk from `start`, toggling run/pause at each event time; return when `target` is used."""
    t, used, running, toggles = start, 0, True, sorted(events)
    while True:
        step_end = (t + timedelta(minutes=1)).replace(second=0)
        if toggles and toggles[0] < step_end:
            step_end = toggles[0]
        if running and ref_is_open(config, t):
            step = int((step_end - t).total_seconds())
            if used + step >= target:
                return t + timedelta(seconds=target - used)
            used += step
        t = step_end
        while toggles and toggles[0] <= t:
            toggles.pop(0)
            running = not running


@st.composite
def calendars(draw: st.DrawFn) -> CalendarConfig:
    weekly: dict[str, tuple[str, ...]] = {}
    for day in DAYS:
        # Quarter hours anywhere, or the small hours where DST changes happen.
        minute = st.one_of(
            st.integers(0, 24 * 4).map(lambda q: q * 15),
            st.sampled_from([0, 60, 90, 120, 150, 180]),
        )
        cuts = sorted(draw(st.sets(minute, max_size=4)))
        spans = [
            f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
            for a, b in zip(cuts[::2], cuts[1::2], strict=False)
            if a < b
        ]
        if spans:
            weekly[day] = tuple(spans)
    if not weekly:
        weekly["mon"] = ("09:00-17:00",)
    base = date(2026, 3, 1)
    holidays = draw(
        st.lists(st.integers(0, 280).map(lambda d: base + timedelta(days=d)), max_size=8)
    )
    return CalendarConfig.model_validate(
        {"timezone": draw(st.sampled_from(ZONES)), "weekly": weekly, "holidays": holidays}
    )


starts = st.builds(
    lambda day, offset: day + timedelta(seconds=offset),
    st.sampled_from(DST_DAYS),
    st.one_of(st.integers(-4 * 86_400, 4 * 86_400), st.integers(-86_400, 86_400)),
)


@settings(max_examples=150, deadline=None)
@given(config=calendars(), start=starts, target=st.integers(1, 3 * 86_400))
def test_due_matches_reference(config: CalendarConfig, start: datetime, target: int) -> None:
    calendar = BusinessCalendar.from_config(config)
    clock = SlaClock.start(target, start)
    assert clock.due(calendar) == ref_due(config, start, [], target)


@settings(max_examples=150, deadline=None)
@given(
    config=calendars(),
    start=starts,
    target=st.integers(1, 2 * 86_400),
    gaps=st.lists(st.integers(1, 2 * 86_400), min_size=2, max_size=6),
)
def test_pause_and_resume_match_reference(
    config: CalendarConfig, start: datetime, target: int, gaps: list[int]
) -> None:
    """Pause and resume at the given gaps; the due time after the last resume is exact."""
    calendar = BusinessCalendar.from_config(config)
    events, at = [], start
    for gap in gaps[: len(gaps) // 2 * 2]:
        at += timedelta(seconds=gap)
        events.append(at)
    clock = SlaClock.start(target, start)
    for index, at in enumerate(events):
        clock = clock.pause(calendar, at) if index % 2 == 0 else clock.resume(at)
    if clock.elapsed_seconds >= target:
        assert clock.due(calendar) == events[-1]
        return
    assert clock.due(calendar) == ref_due(config, start, events, target)


@settings(max_examples=100, deadline=None)
@given(config=calendars(), start=starts, span=st.integers(0, 5 * 86_400))
def test_elapsed_inverts_add(config: CalendarConfig, start: datetime, span: int) -> None:
    calendar = BusinessCalendar.from_config(config)
    end = start + timedelta(seconds=span)
    used = calendar.elapsed(start, end)
    assert used == int(used)
    if used > 0:
        due = calendar.add(start, used)
        assert due <= end
        assert calendar.elapsed(start, due) == used


@settings(max_examples=100, deadline=None)
@given(config=calendars(), at=starts)
def test_is_open_matches_reference(config: CalendarConfig, at: datetime) -> None:
    calendar = BusinessCalendar.from_config(config)
    assert calendar.is_open(at) == ref_is_open(config, at)
    opening = calendar.next_open(at)
    assert opening is not None and opening >= at
    assert ref_is_open(config, opening)


LONDON = ZoneInfo("Europe/London")
SMALL_HOURS = CalendarConfig.model_validate(
    {"timezone": "Europe/London", "weekly": {"sun": ["01:30-03:00"], "mon": ["09:00-17:00"]}}
)


def test_spring_forward_skips_the_missing_half_hour() -> None:
    """On 29 March 2026 London's clocks jump 01:00 -> 02:00: 01:30-03:00 is open one hour."""
    calendar = BusinessCalendar.from_config(SMALL_HOURS)
    day = datetime(2026, 3, 29, tzinfo=UTC)
    assert calendar.elapsed(day, day + timedelta(days=1)) == 3600
    assert calendar.add(day, 1800) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_fall_back_opens_twice() -> None:
    """On 25 October 2026 01:00-02:00 happens twice: 01:30-03:00 is open 30 + 90 minutes."""
    calendar = BusinessCalendar.from_config(SMALL_HOURS)
    day = datetime(2026, 10, 25, tzinfo=UTC)
    assert list(calendar.open_intervals(day))[:2] == [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 3, 0, tzinfo=UTC)),
    ]
    assert calendar.add(day, 45 * 60) == datetime(2026, 10, 25, 1, 45, tzinfo=UTC)


def test_office_hours_across_a_weekend_and_holidays() -> None:
    office = CalendarConfig.model_validate(
        {
            "timezone": "Europe/London",
            "weekly": {d: ["08:00-20:00"] for d in DAYS[:5]} | {"sat": ["10:00-16:00"]},
            "holidays": ["2026-12-25", "2026-12-26"],
        }
    )
    calendar = BusinessCalendar.from_config(office)
    friday = datetime(2026, 11, 27, 19, 30, tzinfo=LONDON)
    assert calendar.add(friday, 3600) == datetime(2026, 11, 28, 10, 30, tzinfo=LONDON)
    christmas_eve = datetime(2026, 12, 24, 19, 0, tzinfo=LONDON)
    assert calendar.add(christmas_eve, 2 * 3600) == datetime(2026, 12, 28, 9, 0, tzinfo=LONDON)


def test_a_paused_clock_has_no_due_time_and_keeps_what_it_used() -> None:
    calendar = BusinessCalendar.always()
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    clock = SlaClock.start(3600, start).pause(calendar, start + timedelta(minutes=20))
    assert clock.due(calendar) is None
    assert clock.elapsed_seconds == 1200
    resumed = clock.resume(start + timedelta(hours=5))
    assert resumed.due(calendar) == start + timedelta(hours=5, minutes=40)
    assert resumed.due_at_fraction(calendar, 0.8) == start + timedelta(hours=5, minutes=28)
