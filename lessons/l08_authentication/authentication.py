"""HTTP Basic that stops checking an account's password after too many wrong ones.

DRF's throttles run after authentication, so on a view that accepts Basic a wrong password
answers 401 before any throttle has counted it: every request is a free password guess.
This class counts the failures itself, per account, and refuses before the password hash.
"""

import hashlib
import time
from datetime import timedelta

from django.core.cache import cache
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled

MAX_FAILURES = 5  # wrong Basic passwords per account...
LOCKOUT = timedelta(minutes=15)  # ...counted from the first one; then refused until it ends


class GuardedBasicAuthentication(BasicAuthentication):
    """BasicAuthentication, with at most MAX_FAILURES wrong passwords per account per LOCKOUT.

    After that, every Basic request naming the account answers 429 with Retry-After, the right
    password included, and no password is checked: the lock is a soft lockout that ends by
    itself. Session and token logins of the same account are not affected.
    """

    def authenticate_credentials(self, userid, password, request=None):
        key = self.cache_key(userid)
        if cache.get(key, 0) >= MAX_FAILURES:
            # Before the hash: a guess costs the server nothing and tells the guesser nothing.
            until = cache.get(f"{key}:until", time.time())
            raise Throttled(
                wait=max(1, round(until - time.time())),
                detail="Too many wrong passwords for this account.",
            )
        try:
            return super().authenticate_credentials(userid, password, request)
        except AuthenticationFailed:
            self.count_failure(key)
            raise

    @staticmethod
    def count_failure(key):
        # The first failure starts the window; incr() keeps the window's expiry.
        seconds = LOCKOUT.total_seconds()
        try:
            cache.incr(key)
        except ValueError:  # no count yet, or its window just ended
            cache.set(key, 1, seconds)
            cache.set(f"{key}:until", time.time() + seconds, seconds)

    @staticmethod
    def cache_key(userid):
        # The name as sent, in any case (a database may match it without regard to case), as a
        # digest: a cache key must be short and plain whatever the client put in the header.
        digest = hashlib.sha256(userid.casefold().encode()).hexdigest()
        return f"l08-basic-failures:{digest}"
