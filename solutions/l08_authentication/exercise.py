"""Lesson 08 exercises: who is calling, a throttled token endpoint, and courses for two clients (reference solution)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from playground_project.domain.models import Course

from .authentication import GuardedBasicAuthentication
from .serializers import CourseSerializer, WhoSerializer


@extend_schema(responses=WhoSerializer)
class Me(APIView):
    """GET: who is calling, as {"username": ..., "authenticated_by": ..., "auth": ...}.

    URL: /lessons/08/me/. `authenticated_by` names the class that recognised the caller;
    `auth` names the type of `request.auth` ("Token"), or is null when it is None.
    """

    # Token first: DRF takes the WWW-Authenticate header of the first class, so an anonymous
    # caller gets 401 with `WWW-Authenticate: Token`, which tells a script how to log in.
    # Basic guarded: DRF's throttles run after authentication, so plain Basic would answer
    # every wrong password with a 401 and count none of them.
    authentication_classes = [
        TokenAuthentication,
        SessionAuthentication,
        GuardedBasicAuthentication,
    ]
    # Authentication only identifies the caller; this permission is what refuses anonymous ones.
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(
            {
                "username": request.user.get_username(),
                "authenticated_by": type(request.successful_authenticator).__name__,
                # The Token row for TokenAuthentication, None for Session and Basic. Its type,
                # not str(request.auth): that is the key itself, a secret that ends up in logs.
                "auth": type(request.auth).__name__ if request.auth is not None else None,
            }
        )


class TokenRateThrottle(AnonRateThrottle):
    """At most 5 token requests a minute from one client address."""

    scope = "l08-token"  # a counter of its own: other anonymous throttles do not share it
    rate = "5/minute"  # on the class, so no DEFAULT_THROTTLE_RATES setting is needed


class ObtainToken(ObtainAuthToken):
    """POST {"username": ..., "password": ...}: answer {"token": ...}, that user's token.

    URL: /lessons/08/token/. ObtainAuthToken already checks the password and answers; what
    it lacks is a limit on how often a client may guess.
    """

    # Every POST is a password guess, and ObtainAuthToken sets throttle_classes = (): unthrottled,
    # a script can try thousands of passwords a minute.
    throttle_classes = [TokenRateThrottle]
    # The credentials are in the body, so nobody needs to be logged in here. With DRF's default
    # classes a logged-in guesser would skip AnonRateThrottle, and a bad Basic header would
    # fail before any throttle counted it.
    authentication_classes = []


class CourseList(generics.ListCreateAPIView):
    """GET: every course. POST: a new course, owned by the caller.

    URL: /lessons/08/courses/. Meant for the browser: a session POST needs its CSRF token.
    """

    serializer_class = CourseSerializer
    # Session first: an anonymous caller gets 403 and no WWW-Authenticate header, because
    # SessionAuthentication has none to offer. SessionAuthentication checks the CSRF token
    # of unsafe requests; Token needs none, since no browser sends that header by itself.
    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        # The serializer shows each owner's username: one query with a JOIN, not one per course.
        return Course.objects.select_related("owner")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)  # the caller, never a user named in the body


class MyCourses(generics.ListAPIView):
    """GET: the courses the caller owns.

    URL: /lessons/08/my-courses/. Meant for a test script that sends a password with curl -u.
    """

    serializer_class = CourseSerializer
    # Basic first: a caller without credentials, or with a wrong password, gets 401 with
    # `WWW-Authenticate: Basic realm="api"`, the challenge that curl and browsers answer.
    # Guarded: after 5 wrong passwords for an account, 429 before any password is checked.
    authentication_classes = [GuardedBasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        # request.user is the authenticated caller here: IsAuthenticated has run already.
        return Course.objects.filter(owner=self.request.user).select_related("owner")
