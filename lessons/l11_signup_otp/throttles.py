"""Throttles for the signup flow: a number of requests per client address and period.

A throttle slows an attacker down; it does not stop one. Its counts live in the cache, which
a restart or a busy cache empties, and an attacker with many addresses gets a count for each.
That is why each code also counts its own tries in the database (models.MAX_TRIES).
"""

from rest_framework.throttling import SimpleRateThrottle


class ByAddressThrottle(SimpleRateThrottle):
    """Count requests per client address, logged in or not.

    The address comes from get_ident(), which honours the NUM_PROXIES setting: 0 in the
    playground's settings, so a made-up X-Forwarded-For header changes nothing.
    """

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignupThrottle(ByAddressThrottle):
    scope = "l11-signup"
    rate = "10/hour"  # each signup sends an email: this also limits mail sent to strangers


class VerifyThrottle(ByAddressThrottle):
    scope = "l11-verify"
    rate = "10/minute"  # above MAX_TRIES, so that a code dies of its own counter first


class ResendThrottle(ByAddressThrottle):
    scope = "l11-resend"
    rate = "5/hour"


class LoginThrottle(ByAddressThrottle):
    scope = "l11-login"
    rate = "10/minute"  # a password guessed through the token endpoint is guessed slowly
