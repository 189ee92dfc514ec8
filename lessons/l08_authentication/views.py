"""The worked example: students for logged-in callers, and a page where a user gets a token.

Read this file next to the README. The exercises (exercise.py) ask for views that report who
is calling, hand out tokens for a password, and serve courses to a browser and to a script.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from playground_project.domain.models import Student
from playground_project.openapi import LINKS, NO_BODY

from .serializers import NewTokenSerializer, StudentSerializer, TokenStateSerializer


class ApiRoot(APIView):
    """Lesson 08's entry point: links to its endpoints and to the browsable API's login page."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(responses=LINKS)
    def get(self, request):
        links = {
            "students": "l08:student-list",
            "my-token": "l08:my-token",
            "me": "l08:me",
            "token": "l08:token",
            "courses": "l08:course-list",
            "my-courses": "l08:my-courses",
            "login": "rest_framework:login",
        }
        return Response({name: reverse(url, request=request) for name, url in links.items()})


class StudentList(generics.ListCreateAPIView):
    """GET: every student. POST: a new student, owned by the caller. Logged-in callers only."""

    serializer_class = StudentSerializer
    # Tried in this order; the first class that recognises the caller wins. Token is first, so
    # an anonymous caller gets 401 with `WWW-Authenticate: Token`: DRF asks the FIRST class
    # for that header. Session serves the browsable API. No Basic on a page that browsers
    # write to: a browser resends a Basic password by itself, and DRF checks no CSRF token
    # for Basic, so any web site could POST here with it.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    # Authentication only says who is calling; this is what refuses anonymous callers.
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        # The serializer shows each owner's username: one query with a JOIN, not one per student.
        return Student.objects.select_related("owner")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)  # the caller, never a user named in the body


class MyToken(APIView):
    """The caller's API token, for a user logged in with the browser.

    GET says whether there is one; POST makes a new one and shows its key, once; DELETE
    revokes it. A script then sends `Authorization: Token <key>` instead of a password.
    """

    # Session only. With Basic here, this page would turn a password into a token without the
    # throttle that guards the token endpoint (E2): a password guesser's back door.
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TokenStateSerializer)
    def get(self, request):
        token = Token.objects.filter(user=request.user).first()
        # Never the key itself: it is shown once, when it is made, like a password.
        return Response(
            {"has_token": token is not None, "created": token.created if token else None}
        )

    @extend_schema(request=NO_BODY, responses={201: NewTokenSerializer})
    @transaction.atomic
    def post(self, request):
        # A new key every time, and the old one stops working: rotate a key that may have leaked.
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        return Response(
            {"token": token.key, "created": token.created}, status=status.HTTP_201_CREATED
        )

    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
