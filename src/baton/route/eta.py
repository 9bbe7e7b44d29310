"""Expected waits from the Erlang C (M/M/c) model of a queue.

`erlang_c_wait` is the steady-state mean wait of a queue with `servers` chat slots: what a queue
looks like on average, for staffing and for a queue's published wait. `expected_wait_seconds` is
what one arriving customer is told: the same model's expected wait given the live floor (free
slots and cases ahead of them), which averages to the steady-state figure over all arrivals.
"""

from __future__ import annotations

import math

from baton.route.snapshot import QueueLoad


def erlang_c(servers: int, offered_load: float) -> float:
    """The probability an arrival has to wait, for `servers` and offered load λ/μ (Erlangs)."""
    if servers <= 0:
        return 1.0
    if offered_load <= 0:
        return 0.0
    if offered_load >= servers:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return servers * blocking / (servers - offered_load * (1 - blocking))


def erlang_c_wait(*, arrivals_per_hour: float, handle_seconds: float, servers: int) -> float | None:
    """Mean wait in seconds in steady state; None when the queue has no servers or is overloaded."""
    if servers <= 0 or handle_seconds <= 0:
        return None
    arrival_rate = arrivals_per_hour / 3600.0
    load = arrival_rate * handle_seconds
    if load >= servers:
        return None
    service_capacity = servers / handle_seconds
    return erlang_c(servers, load) / (service_capacity - arrival_rate)


def expected_wait_seconds(load: QueueLoad) -> int | None:
    """The wait a case arriving now can expect; None when nobody who serves the queue is online.

    In an M/M/c queue a case that finds a free slot waits nothing; one that finds `k` cases ahead
    of it and every slot busy waits for `k + 1` completions at rate `c / handle time`.
    """
    if load.agents_online <= 0:
        return None
    if load.free_slots > load.waiting:
        return 0
    servers = max(load.servers, load.agents_online)
    ahead = load.waiting - load.free_slots + 1
    return math.ceil(ahead * load.mean_handle_seconds / servers)


def queued_wait_seconds(load: QueueLoad, position: int) -> int | None:
    """The wait left for the case at `position` (1 = next) in its queue, by the same model: it is
    served when a slot is free for it, after `position - free slots` completions at `c / handle
    time`. None when nobody who serves the queue is online."""
    if load.agents_online <= 0:
        return None
    if load.free_slots >= position:
        return 0
    servers = max(load.servers, load.agents_online)
    return math.ceil((position - load.free_slots) * load.mean_handle_seconds / servers)


# The handle-time estimate: a prior for a new queue, then an exponentially weighted mean.
PRIOR_HANDLE_SECONDS = 600.0
PRIOR_CASES = 5
WINDOW_CASES = 200
MAX_HANDLE_SECONDS = 4 * 3600


def updated_handle_mean(mean: float, cases: int, handle_seconds: float) -> float:
    """A queue's mean handle time after one more resolved case.

    The prior counts as PRIOR_CASES cases, so a new queue's first few cases move it gently; past
    WINDOW_CASES each case weighs 1/WINDOW_CASES, so the estimate follows a team that gets faster
    or slower within a few hundred cases. A case held open for hours (a forgotten tab) is capped.
    """
    weight = 1.0 / min(cases + PRIOR_CASES + 1, WINDOW_CASES)
    return mean + (min(max(handle_seconds, 0.0), MAX_HANDLE_SECONDS) - mean) * weight


def place_changed(before: int | None, after: int) -> bool:
    """Whether a new place in the queue is worth telling: any move near the front (the last five
    places), else a move of a fifth of the place, so a long queue is not told every step."""
    if before is None:
        return True
    if after == before:
        return False
    return after <= 5 or abs(after - before) >= 0.2 * before


def wait_changed(before: int | None, after: int | None) -> bool:
    """Whether a new estimate is worth telling the customer: known/unknown flipped, or it moved by
    more than a minute and a quarter of itself (so a wait does not flicker by seconds)."""
    if (before is None) != (after is None):
        return True
    if before is None or after is None:
        return False
    return abs(after - before) > max(60, 0.25 * before)
