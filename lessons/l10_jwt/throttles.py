"""The throttle of lesson 10's login URLs: password guessing, slowed down per client address."""

from rest_framework.throttling import AnonRateThrottle


class LoginRateThrottle(AnonRateThrottle):
    """At most 10 login attempts a minute from one address, over all of this lesson's login URLs.

    The rate sits on the class rather than in DEFAULT_THROTTLE_RATES so that no other lesson
    changes. All login URLs share one scope, so that three URLs do not mean three times the
    guesses. The login views authenticate nobody, so every request counts as anonymous.
    """

    scope = "l10-login"
    rate = "10/minute"
