"""Lesson 11 exercises: signup with an emailed one-time code.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the code must do. Until you replace a stub,
its URL answers 501 Not Implemented.

Check your work:  make check L=11      (or: python -m course check 11)
Ask for a hint:   make hint L=11 E=E1  (or: python -m course hint 11 E1)
"""

import secrets  # noqa: F401  (you will need these)

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password  # noqa: F401
from django.core.mail import send_mail  # noqa: F401
from django.db import IntegrityError, transaction  # noqa: F401
from django.db.models import F, Q  # noqa: F401
from django.utils import timezone  # noqa: F401
from django.utils.crypto import constant_time_compare, salted_hmac  # noqa: F401
from drf_spectacular.utils import extend_schema
from rest_framework import status  # noqa: F401
from rest_framework.permissions import AllowAny
from rest_framework.response import Response  # noqa: F401
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: F401

from course.stubs import NotDone

from . import emails  # noqa: F401
from .models import (  # noqa: F401
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
from .throttles import ResendThrottle, SignupThrottle, VerifyThrottle  # noqa: F401

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
    # TODO(E1): CODE_DIGITS digits from the secrets module (not random), zero-padded.
    raise NotDone("E1")


def hash_code(code: str) -> str:
    """What the database keeps instead of `code`: a keyed hash only this server can recompute."""
    # TODO(E1): a keyed hash (salted_hmac with algorithm="sha256"), never the code itself and
    # never a plain hashlib hash of it.
    raise NotDone("E1")


class SignupView(APIView):
    """POST {"email", "password"}: create an inactive account and email it a code. Always 202."""

    authentication_classes = []  # anyone may sign up; no session, so no CSRF token to send
    permission_classes = [AllowAny]
    # TODO(E1): throttle signups with the right class from throttles.py.
    throttle_classes = []

    @extend_schema(request=SignupSerializer, responses={202: MessageSerializer})
    def post(self, request):
        # TODO(E1): validate with SignupSerializer. A new address gets an inactive user (its
        # password hashed) and a SignupCode holding hash_code(code), and the code by mail. An
        # address in use gets no code and nothing changes. Every mail goes out only if
        # MailRation.take(email) allows it. Either way: 202 with SIGNUP_ACCEPTED.
        raise NotDone("E1")


# ------------------------------------------------------------------ E2: verify


class VerifyView(APIView):
    """POST {"email", "code", "password"}: activate the account and answer a JWT pair; else 400."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # TODO(E2): throttle verifications with the right class from throttles.py.
    throttle_classes = []

    # 200: a token pair, shaped as simplejwt's own login answers it.
    @extend_schema(request=VerifySerializer, responses=TokenObtainPairSerializer)
    def post(self, request):
        # TODO(E2): validate with VerifySerializer; find the pending signup's SignupCode; count
        # the try in the database and refuse a code that is dead (MAX_TRIES), expired
        # (CODE_LIFETIME) or whose signup had TRIES_PER_HOUR tries this HOUR (start a new hour
        # once hour_started_at is an HOUR old); compare hashes in constant time; check the
        # password; use the code once; activate the user and answer a token pair. Any refusal:
        # 400 with VERIFY_REFUSED.
        raise NotDone("E2")


# ------------------------------------------------------------------ E3: resend


class ResendView(APIView):
    """POST {"email"}: a new code for a pending signup, at most once a minute. Always 202."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # TODO(E3): throttle resends with the right class from throttles.py.
    throttle_classes = []

    @extend_schema(request=ResendSerializer, responses={202: MessageSerializer})
    def post(self, request):
        # TODO(E3): validate with ResendSerializer. A pending signup whose code is at least
        # RESEND_COOLDOWN old gets a new code that replaces the old one (with fresh tries, but
        # the same tries_this_hour), by mail, if MailRation.take(email) allows; if it does not,
        # the old code stays. Every address, pending or not: 202 with RESEND_ACCEPTED.
        raise NotDone("E3")
