"""Lesson 02 exercises: serializers written by hand.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the serializer must do. Until you replace
a stub, the endpoints that use it answer 501 Not Implemented. The views at the bottom of
the file are given: they call your serializers, and you do not need to change them.

Check your work:  make check L=02      (or: python -m course check 02)
Ask for a hint:   make hint L=02 E=E1  (or: python -m course hint 02 E1)
"""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password  # noqa: F401  (you will need these)
from django.contrib.auth.validators import UnicodeUsernameValidator  # noqa: F401
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: F401
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course, Enrolment, Student  # noqa: F401
from playground_project.openapi import list_of

User = get_user_model()

CODE_FORMAT = re.compile(r"[A-Z]{2,8}[0-9]{3}")  # DRF101: 2 to 8 letters, then 3 digits
INTRODUCTORY_MAX_CREDITS = 10
GRADES = ["A", "B", "C", "D", "E", "F"]


def course_level(code):
    """The level of a course code: the first of its last three digits (DRF101 is level 1).

    None when the code does not end in three digits.
    """
    match = re.search(r"([0-9])[0-9]{2}$", code)
    return int(match[1]) if match else None


# Each stub's __init__ raises NotDone, so that every endpoint using the class answers 501.
# Delete that __init__ when you write the class.

# ---------------------------------------------------------------------------------- E1


class CourseSerializer(serializers.Serializer):
    """A course, field by field: id, code, title and credits, with the catalogue's rules."""

    # TODO(E1): declare id (read-only), code, title and credits; write validate_code(),
    # validate(), create() and update(). The README's section E1 lists every rule.
    def __init__(self, *args, **kwargs):
        raise NotDone("E1")


# ---------------------------------------------------------------------------------- E2


class EnrolmentSerializer(serializers.Serializer):
    """A student's enrolment in a course; the two are given, and shown, by id."""

    # TODO(E2): declare id, student, course, grade and enrolled_on; write validate() (one
    # enrolment per student and course, also under PATCH), create() and update().
    def __init__(self, *args, **kwargs):
        raise NotDone("E2")


# ---------------------------------------------------------------------------------- E3


class RegistrationSerializer(serializers.Serializer):
    """A new account: username, email and password in; id, username and email out."""

    # TODO(E3): declare id, username, email and a write-only password; write validate()
    # (Django's password validators) and create() (a hashed password).
    def __init__(self, *args, **kwargs):
        raise NotDone("E3")


# ------------------------------------------------------- given: the views that use them
# Complete already: they are lesson 01's views, with the serializer doing all the work.


# list_of(X) documents a list as X(many=True) would, without building the serializer at
# import: a stub raises NotDone when it is built.
@extend_schema(methods=["GET"], responses=list_of(CourseSerializer))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
@api_view(["GET", "POST"])
def course_list(request):
    """GET: every course. POST: a new course, validated by CourseSerializer."""
    if request.method == "GET":
        return Response(CourseSerializer(Course.objects.all(), many=True).data)
    serializer = CourseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)  # invalid: 400 with serializer.errors
    serializer.save()  # no instance, so save() calls create()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=CourseSerializer, responses=CourseSerializer)
@api_view(["GET", "PUT", "PATCH"])
def course_detail(request, pk):
    """One course: read it, replace it (PUT) or change some of its fields (PATCH)."""
    course = get_object_or_404(Course, pk=pk)
    if request.method == "GET":
        return Response(CourseSerializer(course).data)
    serializer = CourseSerializer(course, data=request.data, partial=request.method == "PATCH")
    serializer.is_valid(raise_exception=True)
    serializer.save()  # an instance, so save() calls update()
    return Response(serializer.data)


@extend_schema(methods=["GET"], responses=list_of(EnrolmentSerializer))
@extend_schema(methods=["POST"], request=EnrolmentSerializer, responses={201: EnrolmentSerializer})
@api_view(["GET", "POST"])
def enrolment_list(request):
    """GET: every enrolment. POST: a new enrolment, validated by EnrolmentSerializer."""
    if request.method == "GET":
        return Response(EnrolmentSerializer(Enrolment.objects.all(), many=True).data)
    serializer = EnrolmentSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=EnrolmentSerializer, responses=EnrolmentSerializer)
@api_view(["GET", "PUT", "PATCH"])
def enrolment_detail(request, pk):
    """One enrolment: read it, replace it (PUT) or change some of its fields (PATCH)."""
    enrolment = get_object_or_404(Enrolment, pk=pk)
    if request.method == "GET":
        return Response(EnrolmentSerializer(enrolment).data)
    serializer = EnrolmentSerializer(
        enrolment, data=request.data, partial=request.method == "PATCH"
    )
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data)


@extend_schema(request=RegistrationSerializer, responses={201: RegistrationSerializer})
@api_view(["POST"])
def register(request):
    """POST: create an account. The answer shows the account, never its password."""
    serializer = RegistrationSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)
