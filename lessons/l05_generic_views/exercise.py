"""Lesson 05 exercises: courses served by generic views.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the class must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=05      (or: python -m course check 05)
Ask for a hint:   make hint L=05 E=E1  (or: python -m course hint 05 E1)
"""

from django.shortcuts import get_object_or_404  # noqa: F401  (you will need these)
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course  # noqa: F401
from playground_project.openapi import ErrorSerializer

from .serializers import CourseSerializer, StudentSerializer  # noqa: F401

# Basic first, as in views.py: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class CourseHasStudents(APIException):
    """Deleting a course would delete its enrolments too (on_delete=CASCADE): 409 instead."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Students are enrolled in this course: unenrol them first."
    default_code = "has_students"


# Each stub answers 501 to every method from initial(), which DRF runs before any handler
# (and before authentication and permissions). For each class: pick the concrete generic
# view to extend instead of GenericAPIView, write its attributes and methods, and delete
# the stub's initial().


# TODO(E1): the concrete class that lists (GET) and creates (POST); authentication and
# permission classes; queryset and serializer_class; get_queryset() and perform_create().
class CourseList(generics.GenericAPIView):
    """GET: the courses the logged-in user owns, by code. POST: a new course, owned by them.

    URL: /lessons/05/courses/. Logged-in users only: anonymous requests answer 401.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E1")


# TODO(E2): the concrete class that retrieves, updates and destroys; the same attributes
# and get_queryset() as CourseList; a lookup_field that matches the URL; perform_destroy().
# A course with students is not deleted: 409, which the docs cannot guess.
@extend_schema_view(delete=extend_schema(responses={204: None, 409: ErrorSerializer}))
class CourseDetail(generics.GenericAPIView):
    """One of your courses, by its code: read, replace (PUT), change (PATCH) or delete it.

    URL: /lessons/05/courses/<code>/. Someone else's course answers 404, as a missing one does.
    A course that students are enrolled in cannot be deleted: 409 (raise CourseHasStudents).
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E2")


# TODO(E3): the concrete class that only lists; a get_queryset() that finds the course
# from self.kwargs["code"] (yours only) and returns its students.
class CourseStudents(generics.GenericAPIView):
    """The students enrolled in one of your courses, ordered by name.

    URL: /lessons/05/courses/<code>/students/. Read-only; someone else's course answers 404.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E3")


# TODO(E4): two read-only concrete classes open to anyone; the list's get_queryset()
# applies ?search= and starts from super().get_queryset().
class CatalogueList(generics.GenericAPIView):
    """Every course, for anyone, by code; `?search=` keeps the titles that contain it, in any case.

    URL: /lessons/05/catalogue/. Read-only.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E4")


class CatalogueDetail(generics.GenericAPIView):
    """One course of the catalogue, by its code, for anyone.

    URL: /lessons/05/catalogue/<code>/. Read-only; a missing course answers 404.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E4")
