"""Sign-in attempts per client address: the shared token bucket (governance.ratelimit), with successes given back."""

from __future__ import annotations

from governance.ratelimit import TokenBucketLimiter


class SignInLimiter(TokenBucketLimiter):
    """Allow ``burst`` sign-in attempts at once per client address, one more every ``1 / rate`` seconds.

    Every attempt takes a token before any password is checked, so one client cannot keep the server busy with
    argon2 work; a successful sign-in gives its token back, so many people signing in through one proxy address
    are not held up by each other, while wrong passwords and attempts on a locked user name stay counted.
    """

    def refund(self, key: str) -> None:
        """Give back the token an attempt took (the attempt succeeded)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.tokens = min(float(self.burst), bucket.tokens + 1)
