"""Lesson 10 exercises: a login view by hand, custom claims, "me", logout and a refresh that ends (reference solution)."""

from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .serializers import SESSION_LIFETIME, LoginSerializer, RefreshSerializer, UserSerializer
from .throttles import LoginRateThrottle

# ------------------------------------------------------------------ E1: log in by hand


class LoginView(APIView):
    """POST {"username", "password"}: 200 with a refresh and an access token, or 401."""

    # Nobody is logged in yet: the credentials are in the body, and an expired token left in
    # the Authorization header must not stop anyone from logging in again.
    authentication_classes = ()
    permission_classes = [AllowAny]

    # Every request is a guess at a password: past 10 a minute, 429 Too Many Requests.
    throttle_classes = [LoginRateThrottle]

    # With no authentication class DRF would coerce AuthenticationFailed to 403; naming the
    # scheme keeps it a 401, with the header simplejwt's own token views send.
    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'

    # The pair has the shape of simplejwt's own login answer, so the docs reuse its serializer.
    @extend_schema(request=LoginSerializer, responses=TokenObtainPairSerializer)
    def post(self, request):
        """Check the credentials with authenticate(); answer a pair from RefreshToken.for_user()."""
        # is_valid(raise_exception=True): a missing field is a 400 naming it, not a failed login.
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # authenticate() answers None for a wrong password, an unknown username and an
        # inactive account alike, and runs the hasher in every case, so timing tells nothing.
        user = authenticate(
            request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            # One 401 for every refusal: the answer never says which usernames exist.
            raise AuthenticationFailed("No active account found with the given credentials.")
        # for_user() sets user_id and records the token as outstanding, so it can be blacklisted.
        refresh = RefreshToken.for_user(user)
        return Response({"refresh": str(refresh), "access": str(refresh.access_token)})


# ------------------------------------------------------------------ E2: custom claims


class ClaimsTokenObtainPairSerializer(TokenObtainPairSerializer):
    """simplejwt's login serializer, whose tokens also carry `username` and `is_staff`."""

    @classmethod
    def get_token(cls, user):
        """The refresh token for `user`, with the extra claims; its access token copies them."""
        # super() keeps user_id, jti, exp and the outstanding-token row that blacklisting needs.
        token = super().get_token(user)
        # Anyone holding the token can read its claims (base64, not encryption): only what a
        # client may display, never a secret or personal data.
        token["username"] = user.get_username()
        token["is_staff"] = user.is_staff
        return token


class ClaimsTokenObtainPairView(TokenObtainPairView):
    """simplejwt's login view, answering with ClaimsTokenObtainPairSerializer's tokens."""

    # serializer_class changes this view only; SIMPLE_JWT["TOKEN_OBTAIN_SERIALIZER"] would
    # change every TokenObtainPairView of the project.
    serializer_class = ClaimsTokenObtainPairSerializer
    throttle_classes = [LoginRateThrottle]


# ------------------------------------------------------------------ E3: "me" and logout


class MeView(APIView):
    """GET with an access token: the account it names. No token, or a bad one: 401."""

    # JWTAuthentication first, so an anonymous request is a 401 with WWW-Authenticate: Bearer.
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        """The current user, serialized with UserSerializer."""
        # request.user was loaded from the database by JWTAuthentication, not from claims.
        return Response(UserSerializer(request.user).data)


class LogoutView(APIView):
    """POST {"refresh": ...} with your access token: blacklist that refresh token, 204."""

    # Only a logged-in user logs out, and only their own refresh token.
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefreshSerializer, responses={204: None})
    def post(self, request):
        """Blacklist the caller's own refresh token, so that it can never be refreshed again."""
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            # Checks the signature, the expiry, the type ("refresh") and the blacklist.
            refresh = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            # A bad token in the body is a bad request (400); the caller is authenticated.
            raise ValidationError({"refresh": [str(exc)]}) from exc
        # simplejwt 5.5 writes user_id as a string: compare it with the string of the pk.
        if refresh.get("user_id") != str(request.user.pk):
            raise PermissionDenied("This refresh token belongs to another account.")
        refresh.blacklist()
        # Nothing to send back. The access token stays valid until it expires: see the README.
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ E4: a refresh that ends


class SessionRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh with rotation, where each refresh token works once, even when two
    requests race, and a chain of refreshes ends SESSION_LIFETIME after the login."""

    def validate(self, attrs):
        # Checks the signature, the expiry, the type and (a read) the blacklist.
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.get("user_id")
        if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
            raise AuthenticationFailed("No active account found for the given token.")
        # The login time rides along in auth_time; a token never rotated was issued at login.
        logged_in_at = refresh.get("auth_time", refresh["iat"])
        if timezone.now().timestamp() >= logged_in_at + SESSION_LIFETIME.total_seconds():
            raise InvalidToken("The session is over: log in again.")
        # The write decides, not the read above: blacklist() is a get_or_create on a row that
        # the database keeps unique per token, so of two racing requests only one creates it.
        _, created = refresh.blacklist()
        if not created:
            raise InvalidToken("Token is blacklisted")
        refresh["auth_time"] = logged_in_at
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()  # recorded, so that it can be blacklisted in its turn
        return {"access": str(refresh.access_token), "refresh": str(refresh)}


class SessionRefreshView(TokenRefreshView):
    """POST {"refresh": ...}: a new access and refresh token, or 401. Served at token/refresh/."""

    serializer_class = SessionRefreshSerializer
