"""ETA against a discrete-event simulation of an M/M/c queue at 50-90 % utilisation (fixed seed).

Each simulated arrival is told `expected_wait_seconds` from the live floor it finds; its real wait
is then simulated. The average promise and the Erlang C steady-state mean must both be within
25 % of the simulated mean wait.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable

import pytest

from baton.route import QueueLoad, erlang_c, erlang_c_wait, expected_wait_seconds

HANDLE = 300.0


def simulate(
    *,
    utilisation: float,
    servers: int,
    arrivals: int,
    seed: int,
    service: Callable[[random.Random], float],
) -> tuple[float, float]:
    """FCFS with `servers` slots; returns (mean simulated wait, mean ETA told at arrival)."""
    rng = random.Random(seed)
    rate = utilisation * servers / HANDLE
    free_at = [0.0] * servers
    starts: deque[float] = deque()
    now, waits, told = 0.0, 0.0, 0.0
    warmup = arrivals // 10
    for n in range(arrivals):
        now += rng.expovariate(rate)
        while starts and starts[0] <= now:
            starts.popleft()
        load = QueueLoad(
            agents_online=servers,
            servers=servers,
            free_slots=sum(1 for t in free_at if t <= now),
            waiting=len(starts),
            arrivals_per_hour=rate * 3600,
            mean_handle_seconds=HANDLE,
        )
        eta = expected_wait_seconds(load)
        start = max(now, heapq.heappop(free_at))
        heapq.heappush(free_at, start + service(rng))
        starts.append(start)
        if n >= warmup:
            waits += start - now
            told += eta or 0
    measured = arrivals - warmup
    return waits / measured, told / measured


def exponential(rng: random.Random) -> float:
    return rng.expovariate(1 / HANDLE)


@pytest.mark.slow
@pytest.mark.parametrize("utilisation", [0.5, 0.7, 0.9])
@pytest.mark.parametrize("servers", [3, 8])
def test_eta_within_a_quarter_of_the_simulated_wait(utilisation: float, servers: int) -> None:
    simulated, told = simulate(
        utilisation=utilisation,
        servers=servers,
        arrivals=80_000,
        seed=20261124,
        service=exponential,
    )
    steady = erlang_c_wait(
        arrivals_per_hour=utilisation * servers / HANDLE * 3600,
        handle_seconds=HANDLE,
        servers=servers,
    )
    assert steady is not None
    assert abs(told - simulated) <= 0.25 * simulated, (told, simulated)
    assert abs(steady - simulated) <= 0.25 * simulated, (steady, simulated)


def test_erlang_c_known_values() -> None:
    # Textbook check: 10 agents, 8 Erlangs offered -> P(wait) ~ 0.409.
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-3)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c_wait(arrivals_per_hour=24, handle_seconds=300, servers=3) == pytest.approx(
        133.33, abs=0.01
    )
    assert erlang_c_wait(arrivals_per_hour=36, handle_seconds=300, servers=0) is None
    assert erlang_c_wait(arrivals_per_hour=3600, handle_seconds=300, servers=3) is None


def test_expected_wait_from_the_live_floor() -> None:
    assert expected_wait_seconds(QueueLoad()) is None
    assert (
        expected_wait_seconds(QueueLoad(agents_online=2, servers=6, free_slots=2, waiting=1)) == 0
    )
    # 6 slots busy, 5 cases ahead: the 6th completion frees a slot, 6 x 600 s / 6 slots.
    busy = QueueLoad(agents_online=2, servers=6, free_slots=0, waiting=5, mean_handle_seconds=600)
    assert expected_wait_seconds(busy) == 600
