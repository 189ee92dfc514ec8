"""Lesson 10 exercises: a login view by hand, custom claims, "me", logout and a refresh that ends.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the code must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=10      (or: python -m course check 10)
Ask for a hint:   make hint L=10 E=E1  (or: python -m course hint 10 E1)
"""

from django.contrib.auth import authenticate, get_user_model  # noqa: F401  (you will need these)
from django.utils import timezone  # noqa: F401
from drf_spectacular.utils import extend_schema
from rest_framework import status  # noqa: F401
from rest_framework.exceptions import (  # noqa: F401
    AuthenticationFailed,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import AllowAny, IsAuthenticated  # noqa: F401
from rest_framework.response import Response  # noqa: F401
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication  # noqa: F401
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError  # noqa: F401
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: F401
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from course.stubs import NotDone

from .serializers import (  # noqa: F401
    SESSION_LIFETIME,
    LoginSerializer,
    RefreshSerializer,
    UserSerializer,
)
from .throttles import LoginRateThrottle

# ------------------------------------------------------------------ E1: log in by hand


class LoginView(APIView):
    """POST {"username", "password"}: 200 with a refresh and an access token, or 401."""

    # Nobody is logged in yet: the credentials are in the body, and an expired token left in
    # the Authorization header must not stop anyone from logging in again.
    authentication_classes = ()
    permission_classes = [AllowAny]

    # TODO(E1): throttle login attempts with LoginRateThrottle, as lesson 08 throttled its
    # token endpoint.

    # TODO(E1): a refused login must answer 401 with a WWW-Authenticate header. This view has
    # no authentication class, so DRF turns AuthenticationFailed into 403: see the README.

    # The pair has the shape of simplejwt's own login answer, so the docs reuse its serializer.
    @extend_schema(request=LoginSerializer, responses=TokenObtainPairSerializer)
    def post(self, request):
        """Check the credentials with authenticate(); answer a pair from RefreshToken.for_user()."""
        # TODO(E1): validate request.data with LoginSerializer (400 when a field is missing);
        # authenticate(); raise AuthenticationFailed when it answers None; otherwise answer
        # 200 with {"refresh": ..., "access": ...}.
        raise NotDone("E1")


# ------------------------------------------------------------------ E2: custom claims


class ClaimsTokenObtainPairSerializer(TokenObtainPairSerializer):
    """simplejwt's login serializer, whose tokens also carry `username` and `is_staff`."""

    @classmethod
    def get_token(cls, user):
        """The refresh token for `user`, with the extra claims; its access token copies them."""
        # TODO(E2): start from simplejwt's own token for the user, add the `username` and
        # `is_staff` claims and nothing private, and return it.
        raise NotDone("E2")


class ClaimsTokenObtainPairView(TokenObtainPairView):
    """simplejwt's login view, answering with ClaimsTokenObtainPairSerializer's tokens."""

    # serializer_class changes this view only; SIMPLE_JWT["TOKEN_OBTAIN_SERIALIZER"] would
    # change every TokenObtainPairView of the project.
    serializer_class = ClaimsTokenObtainPairSerializer
    throttle_classes = [LoginRateThrottle]


# ------------------------------------------------------------------ E3: "me" and logout


class MeView(APIView):
    """GET with an access token: the account it names. No token, or a bad one: 401."""

    # TODO(E3): authenticate with JWTAuthentication and let only authenticated users in.

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        """The current user, serialized with UserSerializer."""
        # TODO(E3): answer 200 with the current user.
        raise NotDone("E3")


class LogoutView(APIView):
    """POST {"refresh": ...} with your access token: blacklist that refresh token, 204."""

    # TODO(E3): the same authentication and permission as MeView.

    @extend_schema(request=RefreshSerializer, responses={204: None})
    def post(self, request):
        """Blacklist the caller's own refresh token, so that it can never be refreshed again."""
        # TODO(E3): validate request.data with RefreshSerializer; turn the string into a
        # RefreshToken (400 when it is not a valid refresh token); 403 when it is another
        # user's; blacklist it and answer 204.
        raise NotDone("E3")


# ------------------------------------------------------------------ E4: a refresh that ends


class SessionRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh with rotation, where each refresh token works once, even when two
    requests race, and a chain of refreshes ends SESSION_LIFETIME after the login."""

    def validate(self, attrs):
        # TODO(E4): until you write this, token/refresh/ behaves exactly as simplejwt's own
        # view: read the README section "E4." for the two things it lacks. Parse the token,
        # refuse an inactive account, refuse a session whose login (the `auth_time` claim, or
        # `iat` for a token never rotated) is SESSION_LIFETIME old, blacklist the token and
        # refuse it when blacklist() created no row, then rotate it keeping `auth_time`.
        return super().validate(attrs)


class SessionRefreshView(TokenRefreshView):
    """POST {"refresh": ...}: a new access and refresh token, or 401. Served at token/refresh/."""

    serializer_class = SessionRefreshSerializer
