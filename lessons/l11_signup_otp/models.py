"""The one-time code of a pending signup, and the rules every code lives by."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

CODE_DIGITS = 6  # a million codes: with MAX_TRIES guesses, 1 chance in 200,000 per code
CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5  # verifications per code, right or wrong; then the code is dead
RESEND_COOLDOWN = timedelta(seconds=60)  # at most one new code a minute per signup
# Tries per pending signup over all its codes: resend brings a code 5 fresh tries, not more of
# these. Far below OWASP ASVS V2.2.1's ceiling of 100 failed attempts an hour per account.
TRIES_PER_HOUR = 10
MAILS_PER_HOUR = 5  # to one address, whoever asks and from wherever: no mailbox is bombed
HOUR = timedelta(hours=1)


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
    # The signup's own count, which a resend leaves alone: it outlives the codes it counts.
    hour_started_at = models.DateTimeField(
        default=timezone.now, help_text="When the current hour of tries began."
    )
    tries_this_hour = models.PositiveSmallIntegerField(
        default=0, help_text="Verifications tried since hour_started_at, with any of its codes."
    )

    def __str__(self):
        return f"signup code for {self.user}, sent {self.sent_at:%Y-%m-%d %H:%M:%S}"


class MailRation(models.Model):
    """How many emails the signup flow sent one address in the current hour.

    Signup, a signup for an address in use and resend all mail an address that the caller
    chooses: without a limit per address, anyone could fill a stranger's mailbox from many
    client addresses, which the throttles (per client) do not see.
    """

    address = models.CharField(max_length=254, unique=True)
    hour_started_at = models.DateTimeField(default=timezone.now)
    sent_this_hour = models.PositiveSmallIntegerField(default=0)

    def __str__(self):
        return f"{self.sent_this_hour} mails to {self.address} since {self.hour_started_at:%H:%M}"

    @classmethod
    def take(cls, address: str) -> bool:
        """Count one more email to `address` and say whether it may go (MAILS_PER_HOUR an hour).

        Two UPDATEs, each atomic in the database: the first starts a new hour once the last
        one is over, the second counts the mail only while the hour has room, so concurrent
        requests cannot send more than the ration between them.
        """
        now = timezone.now()
        cls.objects.get_or_create(address=address)
        rations = cls.objects.filter(address=address)
        rations.filter(hour_started_at__lte=now - HOUR).update(
            hour_started_at=now, sent_this_hour=0
        )
        return bool(
            rations.filter(sent_this_hour__lt=MAILS_PER_HOUR).update(
                sent_this_hour=models.F("sent_this_hour") + 1
            )
        )
