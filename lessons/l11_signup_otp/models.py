"""The one-time code of a pending signup, and the rules every code lives by."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

CODE_DIGITS = 6  # a million codes: with MAX_TRIES guesses, 1 chance in 200,000 per code
CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5  # verifications per code, right or wrong; then the code is dead
RESEND_COOLDOWN = timedelta(seconds=60)  # at most one new code a minute per signup


class SignupCode(models.Model):
    """The live code of one pending signup: one per user, replaced on resend, deleted once used.

    Only a keyed hash of the code is stored, never the code: whoever reads this table (a
    backup, a leaked dump, an admin) cannot use what they read.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signup_code"
    )
    code_hash = models.CharField(max_length=128)
    sent_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Verifications tried with this code, counted before checking it."
    )

    def __str__(self):
        return f"signup code for {self.user}, sent {self.sent_at:%Y-%m-%d %H:%M:%S}"
