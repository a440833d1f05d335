"""The failure throttle behind login's 429, on a clock the test moves."""
from __future__ import annotations

import pytest

from domain.errors import RateLimitedError
from infra.throttle import FailureThrottle, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_attempt_after_the_limit_is_refused_until_the_oldest_failure_ages_out():
    clock = Clock()
    throttle = FailureThrottle(limit=5, window=300, clock=clock)
    for second in range(5):
        clock.now = 1000.0 + second * 10
        throttle.attempt("1.2.3.4|ana@tessera.test")
    with pytest.raises(RateLimitedError) as refused:
        throttle.attempt("1.2.3.4|ana@tessera.test")
    assert refused.value.retry_after == 300 - 40
    clock.now = 1300.0
    throttle.attempt("1.2.3.4|ana@tessera.test")
    with pytest.raises(RateLimitedError) as again:
        throttle.attempt("1.2.3.4|ana@tessera.test")
    assert again.value.retry_after == 10


def test_keys_are_counted_apart_and_a_success_forgets_them():
    throttle = FailureThrottle(limit=2, window=60, clock=Clock())
    for _ in range(2):
        throttle.attempt("a")
    throttle.attempt("b")
    throttle.succeeded("b")
    throttle.attempt("b")
    throttle.attempt("b")
    with pytest.raises(RateLimitedError):
        throttle.attempt("a")


def test_memory_stays_bounded_by_forgetting_stale_keys_first():
    clock = Clock()
    throttle = FailureThrottle(limit=3, window=60, clock=clock, max_keys=3)
    throttle.attempt("stale")
    clock.now += 61
    for key in ("x", "y", "z"):
        throttle.attempt(key)
    assert set(throttle._failures) == {"x", "y", "z"}
    throttle.attempt("w")
    assert len(throttle._failures) <= 3 and "w" in throttle._failures


def test_one_client_spraying_many_emails_is_refused_after_twenty_failures():
    throttle = LoginThrottle(clock=Clock())
    for n in range(LoginThrottle.PER_CLIENT):
        throttle.attempt("1.2.3.4", f"user{n}@tessera.test")
    with pytest.raises(RateLimitedError):
        throttle.attempt("1.2.3.4", "one-more@tessera.test")
    throttle.attempt("5.6.7.8", "user0@tessera.test")  # another client is not held back


def test_a_success_forgives_its_email_but_not_the_clients_other_failures():
    throttle = LoginThrottle(clock=Clock())
    for n in range(LoginThrottle.PER_CLIENT - 1):
        throttle.attempt("1.2.3.4", f"user{n}@tessera.test")
    throttle.attempt("1.2.3.4", "mine@tessera.test")
    throttle.succeeded("1.2.3.4", "mine@tessera.test")
    throttle.attempt("1.2.3.4", "user-last@tessera.test")
    with pytest.raises(RateLimitedError):
        throttle.attempt("1.2.3.4", "mine@tessera.test")


def test_attempts_refused_for_one_email_do_not_count_against_the_client():
    throttle = LoginThrottle(clock=Clock())
    for _ in range(LoginThrottle.PER_EMAIL):
        throttle.attempt("1.2.3.4", "ana@tessera.test")
    for _ in range(LoginThrottle.PER_CLIENT):
        with pytest.raises(RateLimitedError):
            throttle.attempt("1.2.3.4", "ana@tessera.test")
    for n in range(LoginThrottle.PER_CLIENT - LoginThrottle.PER_EMAIL):
        throttle.attempt("1.2.3.4", f"user{n}@tessera.test")
