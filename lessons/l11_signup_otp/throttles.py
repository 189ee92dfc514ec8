"""Throttles for the signup flow: a number of requests per client address and period.

A throttle slows an attacker down; it does not stop one. Its counts live in the cache, which
a restart or a busy cache empties, and an attacker with many addresses gets a count for each.
That is why each code also counts its own tries in the database (models.MAX_TRIES), each
pending signup its tries in the hour (models.TRIES_PER_HOUR), and each recipient the mail it
got (models.MailRation).
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
    # Each signup hashes a password and sends an email. Per client address only: mail to one
    # recipient is rationed per recipient, in the database (models.MailRation).
    rate = "10/hour"


class VerifyThrottle(ByAddressThrottle):
    scope = "l11-verify"
    rate = "10/minute"  # above MAX_TRIES, so that a code dies of its own counter first


class ResendThrottle(ByAddressThrottle):
    scope = "l11-resend"
    rate = "5/hour"


class LoginThrottle(ByAddressThrottle):
    scope = "l11-login"
    rate = "10/minute"  # a password guessed through the token endpoint is guessed slowly
