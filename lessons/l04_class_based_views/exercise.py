"""Lesson 04 exercises: courses and enrolments served by APIView classes.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the class must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=04      (or: python -m course check 04)
Ask for a hint:   make hint L=04 E=E1  (or: python -m course hint 04 E1)
"""

from django.db import IntegrityError, transaction  # noqa: F401  (you will need these)
from django.shortcuts import get_object_or_404  # noqa: F401
from drf_spectacular.utils import extend_schema
from rest_framework import status  # noqa: F401
from rest_framework.authentication import (  # noqa: F401
    BasicAuthentication,
    SessionAuthentication,
)
from rest_framework.exceptions import APIException  # noqa: F401
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly  # noqa: F401
from rest_framework.response import Response  # noqa: F401
from rest_framework.throttling import UserRateThrottle  # noqa: F401
from rest_framework.views import APIView

from course.stubs import NotDone
from playground_project.domain.models import Course  # noqa: F401
from playground_project.openapi import ErrorSerializer

from .permissions import IsOwnerOrReadOnly  # noqa: F401
from .serializers import CourseSerializer, EnrolmentSerializer  # noqa: F401

# Each stub answers 501 to every method from initial(), which DRF runs before any handler.
# Write the class's attributes and handler methods, and delete the stub's initial().


# TODO(E1): authentication and permission classes, then get() and post().
@extend_schema(methods=["GET"], responses=CourseSerializer(many=True))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
class CourseList(APIView):
    """GET: every course, for anyone. POST: a new course, owned by the logged-in user.

    URL: /lessons/04/courses/. An anonymous POST answers 401.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E1")


# TODO(E2): IsOwnerOrReadOnly among the permissions, a get_object() that answers 404 and
# checks the object permissions, then get(), put(), patch() and delete().
@extend_schema(request=CourseSerializer, responses=CourseSerializer)
class CourseDetail(APIView):
    """One course: anyone may read it; only its owner may replace, change or delete it.

    URL: /lessons/04/courses/<pk>/. GET, PUT, PATCH and DELETE; a missing course is 404.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E2")


# TODO(E3): define AlreadyEnrolled (an APIException: 409 Conflict and a default_detail) and
# EnrolmentThrottle (a UserRateThrottle with its own scope and rate = "3/minute") here.


# TODO(E3): logged-in users only, throttled by EnrolmentThrottle; post() only.
@extend_schema(
    request=EnrolmentSerializer, responses={201: EnrolmentSerializer, 409: ErrorSerializer}
)
class CourseEnrolments(APIView):
    """POST {"student": <id>}: enrol that student in the course, for logged-in users.

    URL: /lessons/04/courses/<pk>/enrolments/. 201 with the enrolment; the same student a
    second time is AlreadyEnrolled (409); more than 3 requests a minute per user is 429.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E3")
