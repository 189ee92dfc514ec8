"""Lesson 06 exercises: courses served by views you compose from mixins.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what to write. Until you replace a stub, its
URL answers 501 Not Implemented.

Check your work:  make check L=06      (or: python -m course check 06)
Ask for a hint:   make hint L=06 E=E1  (or: python -m course hint 06 E1)
"""

from rest_framework import generics, mixins, viewsets  # noqa: F401  (you will need these)
from rest_framework.authentication import (  # noqa: F401
    BasicAuthentication,
    SessionAuthentication,
)
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course  # noqa: F401

from .permissions import IsOwnerOrReadOnly  # noqa: F401
from .serializers import CourseSerializer  # noqa: F401

# The stubs answer 501 to every method: CourseList and CourseDetail from initial(), which
# DRF runs before any handler, and MyCourseViewSet from its one action, not_done(). Replace
# each stub class whole: its bases, its attributes, its methods.


# TODO(E1): ListModelMixin and CreateModelMixin on GenericAPIView, with get() and post().
class CourseList(generics.GenericAPIView):
    """GET: every course, for anyone. POST: a new course, owned by the logged-in user.

    URL: /lessons/06/courses/. The shape of ListCreateAPIView, composed by hand.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E1")


# TODO(E2): RetrieveModelMixin and UpdateModelMixin on GenericAPIView, with get() and patch().
class CourseDetail(generics.GenericAPIView):
    """One course, by its code: anyone may read it, its owner may PATCH it; no PUT, no DELETE.

    URL: /lessons/06/courses/<code>/.
    """

    def initial(self, request, *args, **kwargs):
        raise NotDone("E2")


# TODO(E4): write the mixin's two methods, then put the mixin in MyCourseViewSet's bases, in
# the right place.
class OwnedByUserMixin:
    """Keep a generic view to the logged-in user's own objects, and make new ones theirs."""

    def get_queryset(self):
        raise NotDone("E4")

    def perform_create(self, serializer):
        raise NotDone("E4")


# TODO(E3): CreateModelMixin, ListModelMixin and RetrieveModelMixin on GenericViewSet.
class MyCourseViewSet(viewsets.GenericViewSet):
    """The logged-in user's courses: list them, create one, read one. No update, no delete.

    URLs: /lessons/06/my-courses/ and /lessons/06/my-courses/<code>/.
    """

    def not_done(self, request, *args, **kwargs):
        raise NotDone("E3")


# TODO(E3): bind each URL's HTTP methods to the actions your viewset has. The stub binds
# every method to not_done(), so that each answers 501.
STUB_ACTIONS = {method: "not_done" for method in ("get", "post", "put", "patch", "delete")}
my_course_list = MyCourseViewSet.as_view(STUB_ACTIONS)
my_course_detail = MyCourseViewSet.as_view(STUB_ACTIONS)
