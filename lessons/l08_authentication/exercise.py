"""Lesson 08 exercises: who is calling, a throttled token endpoint, and courses for two clients.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the class must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=08      (or: python -m course check 08)
Ask for a hint:   make hint L=08 E=E1  (or: python -m course hint 08 E1)
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authentication import (  # noqa: F401  (you will need these)
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated  # noqa: F401
from rest_framework.response import Response  # noqa: F401
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from course.stubs import NotDone
from playground_project.domain.models import Course  # noqa: F401

from .authentication import GuardedBasicAuthentication  # noqa: F401
from .serializers import CourseSerializer, WhoSerializer

# Each stub answers 501 to every request from initial(), which DRF runs before authentication,
# permissions, throttles and the handler. Write the class, then delete the stub's initial().


# TODO(E1): authentication classes (Token first, then Session, then Basic guarded against
# guessing: GuardedBasicAuthentication), a permission class that turns anonymous callers away,
# and a get() that reports who is calling.
@extend_schema(responses=WhoSerializer)
class Me(APIView):
    """GET: who is calling, as {"username": ..., "authenticated_by": ..., "auth": ...}.

    URL: /lessons/08/me/. `authenticated_by` names the class that recognised the caller;
    `auth` names the type of `request.auth` ("Token"), or is null when it is None.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E1")


class TokenRateThrottle(AnonRateThrottle):
    """At most 5 token requests a minute from one client address."""

    # TODO(E2): a scope of its own and a rate of 5 requests a minute.


# TODO(E2): throttle the endpoint with TokenRateThrottle, and authenticate nobody here.
class ObtainToken(ObtainAuthToken):
    """POST {"username": ..., "password": ...}: answer {"token": ...}, that user's token.

    URL: /lessons/08/token/. ObtainAuthToken already checks the password and answers; what
    it lacks is a limit on how often a client may guess.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E2")


# TODO(E3): authentication classes (Session first, then Token), logged-in callers only, a
# queryset that fetches each owner in the same query, and the caller saved as the owner.
class CourseList(generics.ListCreateAPIView):
    """GET: every course. POST: a new course, owned by the caller.

    URL: /lessons/08/courses/. Meant for the browser: a session POST needs its CSRF token.
    """

    serializer_class = CourseSerializer

    def initial(self, request, *args, **kwargs):
        raise NotDone("E3")


# TODO(E4): authentication classes (Basic first, guarded: GuardedBasicAuthentication, then
# Session), logged-in callers only, and only the caller's own courses.
class MyCourses(generics.ListAPIView):
    """GET: the courses the caller owns.

    URL: /lessons/08/my-courses/. Meant for a test script that sends a password with curl -u.
    """

    serializer_class = CourseSerializer

    def initial(self, request, *args, **kwargs):
        raise NotDone("E4")
