"""A seeded synthetic week of one chat queue, to measure the wait Baton tells against the wait
that follows (`baton bench eta`).

Synthetic, and labelled so: arrivals follow a weekday/weekend daily profile, agents work shifts,
handle times are log-normal with a mean unknown to Baton (7 minutes, against its 10-minute
prior). Every arrival is told `queued_wait_seconds` from the live floor it finds, with the handle
time Baton has measured so far (`updated_handle_mean` on each completed case), and its real wait
is then simulated (first come, first served). The same week is also scored with the prior alone
(what Baton told before it measured handle times).
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from dataclasses import dataclass

from baton.route.eta import PRIOR_HANDLE_SECONDS, queued_wait_seconds, updated_handle_mean
from baton.route.snapshot import QueueLoad

WEEK = 7 * 86400
TRUE_HANDLE_MEAN = 420.0
HANDLE_SIGMA = 0.6
# Arrivals per hour by hour of day (weekdays; weekends get 40 %) and agents on shift by hour.
ARRIVALS = (2, 1, 1, 1, 1, 2, 4, 8, 14, 18, 20, 19, 17, 18, 19, 18, 16, 14, 12, 10, 8, 6, 4, 3)
AGENTS = (1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class EtaScore:
    """Absolute errors of the wait told at arrival against the wait that followed, in seconds."""

    arrivals: int
    waited: int
    median_abs_error: float
    median_abs_error_waited: float
    mean_abs_error: float
    p90_abs_error: float
    mean_wait: float
    learned_handle_seconds: float


def _hour(t: float) -> tuple[int, bool]:
    day = int(t // 86400) % 7
    return int(t % 86400 // 3600), day >= 5


def _arrivals(rng: random.Random) -> list[float]:
    """A non-homogeneous Poisson week, by thinning at the peak rate."""
    peak = max(ARRIVALS) / 3600
    out: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(peak)
        if t >= WEEK:
            return out
        hour, weekend = _hour(t)
        rate = ARRIVALS[hour] * (0.4 if weekend else 1.0) / 3600
        if rng.random() < rate / peak:
            out.append(t)


def _handle(rng: random.Random) -> float:
    mu = math.log(TRUE_HANDLE_MEAN) - HANDLE_SIGMA**2 / 2
    return rng.lognormvariate(mu, HANDLE_SIGMA)


def simulate_week(*, seed: int = 20261201, learn: bool = True) -> EtaScore:
    """One seeded week; `learn=False` tells every wait with the prior handle time."""
    rng = random.Random(seed)
    arrivals = _arrivals(rng)
    handles = [_handle(rng) for _ in arrivals]
    busy_until: list[float] = []  # heap of slot release times
    done: list[tuple[float, float]] = []  # heap of (finish time, handle time), not yet learned
    starts: list[float] = []  # heap of start times of cases still waiting at some arrival
    mean, cases = PRIOR_HANDLE_SECONDS, 0
    errors: list[float] = []
    waits: list[float] = []
    waited: list[float] = []
    for now, handle in zip(arrivals, handles, strict=True):
        while done and done[0][0] <= now:
            _, seconds = heapq.heappop(done)
            if learn:
                mean, cases = updated_handle_mean(mean, cases, seconds), cases + 1
        while busy_until and busy_until[0] <= now:
            heapq.heappop(busy_until)
        while starts and starts[0] <= now:
            heapq.heappop(starts)
        servers = AGENTS[_hour(now)[0]]
        in_service = len(busy_until) - len(starts)
        load = QueueLoad(
            agents_online=servers,
            servers=servers,
            free_slots=max(0, servers - in_service),
            waiting=len(starts),
            arrivals_per_hour=0.0,
            mean_handle_seconds=mean,
        )
        told = queued_wait_seconds(load, len(starts) + 1) or 0
        release = sorted(busy_until)
        start = now if len(release) < servers else max(now, release[len(release) - servers])
        finish = start + handle
        heapq.heappush(busy_until, finish)
        if start > now:
            heapq.heappush(starts, start)
        heapq.heappush(done, (finish, handle))
        errors.append(abs(told - (start - now)))
        waits.append(start - now)
        if told > 0 or start > now:
            waited.append(errors[-1])
    ordered = sorted(errors)
    return EtaScore(
        arrivals=len(arrivals),
        waited=len(waited),
        median_abs_error=statistics.median(ordered),
        median_abs_error_waited=statistics.median(waited) if waited else 0.0,
        mean_abs_error=statistics.fmean(ordered),
        p90_abs_error=ordered[int(0.9 * (len(ordered) - 1))],
        mean_wait=statistics.fmean(waits),
        learned_handle_seconds=mean,
    )
