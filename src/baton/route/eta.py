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
