"""Lesson 01 exercises: function views for courses.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the view must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=01      (or: python -m course check 01)
Ask for a hint:   make hint L=01 E=E1  (or: python -m course hint 01 E1)
"""

from django.shortcuts import get_object_or_404  # noqa: F401  (you will need these)
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status  # noqa: F401
from rest_framework.decorators import api_view
from rest_framework.response import Response  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course  # noqa: F401
from playground_project.openapi import VALIDATION_ERRORS

from .serializers import CourseSerializer, StudentSerializer  # noqa: F401

# The stubs accept every method so that they can answer 501; your views must list only the
# methods they answer, so that DRF refuses the others with 405.


# TODO(E1): answer GET and POST only.
@extend_schema(methods=["GET"], responses=CourseSerializer(many=True))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def course_list(request):
    """GET: every course. POST: create a course from the JSON body."""
    # TODO(E1): GET answers 200 with the serialized courses; POST validates request.data,
    # saves the course and answers 201 with it, or 400 with the field errors.
    raise NotDone("E1")


# TODO(E2): answer GET, PUT, PATCH and DELETE only.
@extend_schema(request=CourseSerializer, responses=CourseSerializer)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def course_detail(request, pk):
    """One course: read, replace (PUT), partly change (PATCH) or delete it."""
    # TODO(E2): 404 when there is no such course; PUT needs every required field, PATCH
    # only the ones sent; DELETE answers 204 with no body.
    raise NotDone("E2")


# TODO(E3): answer GET only.
@extend_schema(
    parameters=[OpenApiParameter("year", int, description="Only the students in this year.")],
    # The view answers 400 itself when ?year= is not a whole number: say so.
    responses={200: StudentSerializer(many=True), 400: VALIDATION_ERRORS},
)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def course_students(request, pk):
    """The students enrolled in one course, optionally only those in `?year=N`."""
    # TODO(E3): 404 for a missing course; 400 with {"year": [...]} when ?year= is not a
    # whole number; otherwise 200 with the serialized students, ordered by name.
    raise NotDone("E3")
