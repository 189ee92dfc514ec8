"""The worked example: the pieces of the signup flow around the exercises.

The three signup endpoints (sign up, verify, resend) are the exercises, in exercise.py. This
file holds what they lean on: the lesson's entry point, a protected endpoint to call with the
tokens that verification answers, and simplejwt's login view with a throttle.
"""

from django.urls import NoReverseMatch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.views import TokenObtainPairView

from playground_project.openapi import LINKS

from .serializers import MeSerializer
from .throttles import LoginThrottle


@extend_schema(responses=LINKS)
@api_view(["GET"])
@authentication_classes([])  # a public page: a stale token in the header must not 401 it
@permission_classes([AllowAny])
def api_root(request):
    """The lesson's entry point: the signup flow in the order a client walks it."""
    links = {
        name: reverse(f"l11:{name}", request=request)
        for name in (
            "signup",
            "verify",
            "resend",
            "token",
            "token-refresh",
            "token-blacklist",
            "me",
        )
    }
    try:
        links["mail"] = reverse("mail", request=request)  # the playground's outbox page
    except NoReverseMatch:
        pass  # a project that mounts this lesson without the playground's pages
    return Response(links)


class MeView(APIView):
    """GET: the account the access token belongs to. Without a valid token: 401."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class LoginView(TokenObtainPairView):
    """simplejwt's login (POST username and password, get a token pair), throttled.

    Django's ModelBackend refuses a user whose is_active is False, so an account that has not
    been verified answers 401 here even with the right password.
    """

    throttle_classes = [LoginThrottle]
