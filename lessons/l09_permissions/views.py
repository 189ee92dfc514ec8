"""The worked example: enrolments kept private, a table of permission verdicts, a token endpoint.

Read this file next to the README. The exercises (exercise.py) ask for a course catalogue
that only staff change, students that only their owner changes, and a private list of one's
own students.
"""

from types import SimpleNamespace

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import (
    AllowAny,
    IsAdminUser,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from playground_project.domain.models import Enrolment
from playground_project.openapi import LINKS

from .permissions import IsStudentOwnerOrStaff
from .serializers import EnrolmentSerializer, PermissionTableSerializer

# Every view of this lesson: a token for scripts (an anonymous caller gets 401 with
# `WWW-Authenticate: Token`), a session for the browsable API (log in at /api-auth/login/).
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class ApiRoot(APIView):
    """Lesson 09's entry point: links to its endpoints."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses=LINKS)
    def get(self, request):
        links = {
            "token": "l09:token",
            "permissions": "l09:permission-table",
            "enrolments": "l09:enrolment-list",
            "courses": "l09:course-list",
            "students": "l09:student-list",
            "my-students": "l09:my-student-list",
        }
        return Response({name: reverse(url, request=request) for name, url in links.items()})


class TokenRateThrottle(AnonRateThrottle):
    """Lesson 08's throttle for the token endpoint, with a counter of its own."""

    scope = "l09-token"
    rate = "10/minute"


class ObtainToken(ObtainAuthToken):
    """POST a username and password, get that user's token: lesson 08's E2, ready-made."""

    throttle_classes = [TokenRateThrottle]
    authentication_classes = []  # every caller is anonymous here, so every guess is counted


# The checks PermissionTable runs: built-in classes, and compositions with &, | and ~.
CHECKS = {
    "AllowAny": AllowAny,
    "IsAuthenticated": IsAuthenticated,
    "IsAdminUser": IsAdminUser,
    "IsAuthenticatedOrReadOnly": IsAuthenticatedOrReadOnly,
    "IsAuthenticated & ~IsAdminUser": IsAuthenticated & ~IsAdminUser,
    "~IsAuthenticated": ~IsAuthenticated,
}


class PermissionTable(APIView):
    """GET: what each built-in permission (and a few compositions) says to the caller.

    The verdicts are `has_permission()` for a GET and for a POST from the same caller.
    Nothing is written: the POST is imagined, by asking with a copy of the request whose
    method differs. `default` is what a view that sets no permission_classes gets.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses=PermissionTableSerializer)
    def get(self, request):
        def verdict(check, method):
            as_if = SimpleNamespace(method=method, user=request.user)
            return check().has_permission(as_if, self)

        return Response(
            {
                "caller": request.user.get_username() or None,
                "is_staff": request.user.is_staff,
                "default": [c.__name__ for c in api_settings.DEFAULT_PERMISSION_CLASSES],
                "verdicts": {
                    name: {method: verdict(check, method) for method in ("GET", "POST")}
                    for name, check in CHECKS.items()
                },
            }
        )


class EnrolmentViewSet(viewsets.ModelViewSet):
    """Enrolments for logged-in users: staff see and change all; others those of their students."""

    serializer_class = EnrolmentSerializer
    authentication_classes = AUTHENTICATION
    # A list: every class must agree. IsAuthenticated runs first, so the object check below
    # always has a real user to compare.
    permission_classes = [IsAuthenticated, IsStudentOwnerOrStaff]

    def get_queryset(self):
        enrolments = Enrolment.objects.select_related("student", "course")
        if self.request.user.is_staff:
            return enrolments
        # has_object_permission() never runs for a list: without this filter the list would
        # show every user's enrolments. Another user's enrolment is then 404, not 403.
        return enrolments.filter(student__owner=self.request.user)
