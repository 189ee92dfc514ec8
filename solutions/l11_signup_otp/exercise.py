"""Lesson 11 exercises: signup with an emailed one-time code (reference solution)."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from . import emails
from .models import (
    CODE_DIGITS,
    CODE_LIFETIME,
    HOUR,
    MAX_TRIES,
    RESEND_COOLDOWN,
    TRIES_PER_HOUR,
    MailRation,
    SignupCode,
)
from .serializers import (
    MessageSerializer,
    ResendSerializer,
    SignupSerializer,
    VerifySerializer,
)
from .throttles import ResendThrottle, SignupThrottle, VerifyThrottle

User = get_user_model()

# The answers: the same status and words for every address, whatever the database holds.
SIGNUP_ACCEPTED = {
    "detail": "We sent an email to this address. If it holds a code, send the code to verify/ "
    "with your email and password within 10 minutes."
}
VERIFY_REFUSED = {
    "detail": "Wrong email, code or password, or the code has expired or was tried too often. "
    "Ask resend/ for a new code if you need one."
}
RESEND_ACCEPTED = {
    "detail": "If a signup is waiting for this address and its last code is at least a minute "
    "old, a new code is on its way and the old one no longer works."
}


# ------------------------------------------------------------------ E1: sign up


def make_code() -> str:
    """A new one-time code: CODE_DIGITS decimal digits from a cryptographically secure source."""
    # secrets reads the operating system's CSPRNG; random's generator can be predicted from
    # its output. Zero-padded, so that every code has exactly CODE_DIGITS digits.
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str) -> str:
    """What the database keeps instead of `code`: a keyed hash only this server can recompute."""
    # An HMAC keyed with SECRET_KEY: a plain sha256 of a 6-digit code is reversed by hashing
    # all million codes, which takes a second.
    return salted_hmac("l11_signup_otp.code", code, algorithm="sha256").hexdigest()


class SignupView(APIView):
    """POST {"email", "password"}: create an inactive account and email it a code. Always 202."""

    authentication_classes = []  # anyone may sign up; no session, so no CSRF token to send
    permission_classes = [AllowAny]
    # Each signup sends an email and hashes a password: both cost, so both are rationed.
    throttle_classes = [SignupThrottle]

    @extend_schema(request=SignupSerializer, responses={202: MessageSerializer})
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        # A bad address or a weak password: 400, and nothing is made.
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        # Hashed on every path, so that a known address takes as long as a new one.
        password = make_password(serializer.validated_data["password"])
        in_use = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()
        if not in_use:
            code = make_code()
            try:
                with transaction.atomic():
                    # Inactive until the code comes back: it cannot log in or get tokens before.
                    user = User.objects.create(
                        username=email, email=email, password=password, is_active=False
                    )
                    SignupCode.objects.create(user=user, code_hash=hash_code(code))
            except IntegrityError:  # the same address signed up a moment ago, in another request
                in_use = True
            else:
                # Every mail to an address counts against its ration, whoever asked for it.
                if MailRation.take(email):
                    send_mail(*emails.signup_code(code), None, [email])
        # Tell the owner of the address, not the caller: the reply below is the same for all.
        # Rationed too, or signing up with a stranger's address would be a way to mail them.
        if in_use and MailRation.take(email):
            send_mail(*emails.address_in_use(), None, [email])
        return Response(SIGNUP_ACCEPTED, status=status.HTTP_202_ACCEPTED)


# ------------------------------------------------------------------ E2: verify


def refused() -> Response:
    # A returned Response, not a raised exception: with ATOMIC_REQUESTS on, DRF rolls back the
    # request's transaction on an exception, and the try just counted would be forgotten.
    return Response(VERIFY_REFUSED, status=status.HTTP_400_BAD_REQUEST)


class VerifyView(APIView):
    """POST {"email", "code", "password"}: activate the account and answer a JWT pair; else 400."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # Slows guessing down per address; the tries counter below is what bounds it per code.
    throttle_classes = [VerifyThrottle]

    # 200: a token pair, shaped as simplejwt's own login answers it.
    @extend_schema(request=VerifySerializer, responses=TokenObtainPairSerializer)
    def post(self, request):
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email, code, password = (
            serializer.validated_data[name] for name in ("email", "code", "password")
        )
        record = (
            SignupCode.objects.select_related("user")
            .filter(user__username=email, user__is_active=False)
            .first()
        )
        if record is None:
            return refused()  # the same refusal as a wrong code: verify tells no one who signed up
        now = timezone.now()
        # The signup's hour of tries starts again once it is over; resend never resets it, so
        # new codes bring no new tries beyond TRIES_PER_HOUR (ASVS V2.2.1).
        SignupCode.objects.filter(pk=record.pk, hour_started_at__lte=now - HOUR).update(
            hour_started_at=now, tries_this_hour=0
        )
        # Count the try before checking it, in one UPDATE that only matches a live code with
        # tries left in it and in the hour: concurrent guesses cannot slip past either limit.
        claimed = SignupCode.objects.filter(
            pk=record.pk,
            attempts__lt=MAX_TRIES,
            tries_this_hour__lt=TRIES_PER_HOUR,
            sent_at__gt=now - CODE_LIFETIME,
        ).update(attempts=F("attempts") + 1, tries_this_hour=F("tries_this_hour") + 1)
        if not claimed:
            return refused()
        # Constant time: == stops at the first difference, and how long it took tells how much
        # of a guess was right.
        if not constant_time_compare(hash_code(code), record.code_hash):
            return refused()
        # The code proves the mailbox; the password proves this is who signed up, so nobody can
        # finish a signup that someone else started with their address (README: pre-hijacking).
        user = record.user
        if not user.check_password(password):
            return refused()
        with transaction.atomic():
            # Used once: of two requests with the same code, only the one that deletes it wins.
            deleted, _ = SignupCode.objects.filter(pk=record.pk).delete()
            if not deleted:
                return refused()
            user.is_active = True
            user.save(update_fields=["is_active"])
        refresh = RefreshToken.for_user(user)  # after activation: a token for an active account
        return Response({"refresh": str(refresh), "access": str(refresh.access_token)})


# ------------------------------------------------------------------ E3: resend


class ResendView(APIView):
    """POST {"email"}: a new code for a pending signup, at most once a minute. Always 202."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ResendThrottle]  # per client address; the cooldown below is per signup

    @extend_schema(request=ResendSerializer, responses={202: MessageSerializer})
    def post(self, request):
        serializer = ResendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        code = make_code()
        now = timezone.now()
        with transaction.atomic():
            # One UPDATE checks the cooldown and replaces the code: the old code dies with its
            # hash, and the new one starts with all its tries (but not the hour's: see verify).
            replaced = SignupCode.objects.filter(
                user__username=email, user__is_active=False, sent_at__lte=now - RESEND_COOLDOWN
            ).update(code_hash=hash_code(code), sent_at=now, attempts=0)
            if replaced and not MailRation.take(email):
                # The address had its mail for the hour: undo the replacement, keep the old code.
                transaction.set_rollback(True)
                replaced = 0
        if replaced:
            send_mail(*emails.signup_code(code), None, [email])
        # The same answer for an unknown address, a verified one, a cooldown and a new code.
        return Response(RESEND_ACCEPTED, status=status.HTTP_202_ACCEPTED)
