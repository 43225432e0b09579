"""The in-memory token bucket behind the public verify API."""

from __future__ import annotations

import pytest

from governance.ratelimit import TokenBucketLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_rate():
    clock = Clock()
    limiter = TokenBucketLimiter(rate=1.0, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0, 0, 0]
    wait = limiter.acquire("a")
    assert wait == pytest.approx(1.0)
    clock.now += 0.5
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0
    assert limiter.acquire("b") == 0  # every client has its own bucket


def test_a_quiet_client_gets_its_whole_burst_back_but_no_more():
    clock = Clock()
    limiter = TokenBucketLimiter(rate=2.0, burst=2, clock=clock)
    limiter.acquire("a")
    limiter.acquire("a")
    clock.now += 3600
    assert [limiter.acquire("a") for _ in range(3)][:2] == [0, 0]


def test_the_oldest_clients_are_forgotten():
    limiter = TokenBucketLimiter(rate=0.001, burst=1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        assert limiter.acquire(key) == 0
    assert limiter.acquire("a") == 0  # "a" was dropped, so it starts afresh
    assert limiter.acquire("c") > 0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_nonsense_limits_are_refused(rate, burst):
    with pytest.raises(ValueError):
        TokenBucketLimiter(rate=rate, burst=burst)
