"""Lesson 09 exercises: who may do what with courses and students.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the class must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=09      (or: python -m course check 09)
Ask for a hint:   make hint L=09 E=E1  (or: python -m course hint 09 E1)
"""

from rest_framework import viewsets
from rest_framework.permissions import (  # noqa: F401  (you will need these)
    SAFE_METHODS,
    BasePermission,
    IsAdminUser,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)

from course.stubs import NotDone
from playground_project.domain.models import Course, Student

from .serializers import CourseSerializer, StudentSerializer
from .views import AUTHENTICATION

# Each viewset stub answers 501 to every request from initial(), which DRF runs before
# authentication, permissions and the handler. Write the class, then delete the stub's initial().


class ReadOnly(BasePermission):
    """Allow the safe methods (GET, HEAD, OPTIONS), whoever asks; refuse every other method."""

    def has_permission(self, request, view):
        # TODO(E1): True for a safe method, False for any other.
        raise NotDone("E1")


# TODO(E1): permission_classes: anyone may read, only staff may create, change or delete.
class CourseViewSet(viewsets.ModelViewSet):
    """The course catalogue: /lessons/09/courses/ and /lessons/09/courses/<pk>/."""

    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    authentication_classes = AUTHENTICATION

    def initial(self, request, *args, **kwargs):
        raise NotDone("E1")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


class IsOwnerOrReadOnly(BasePermission):
    """Anyone may read an object; only its owner may change or delete it."""

    # TODO(E2): the message a refused caller reads in the 403's "detail".

    def has_object_permission(self, request, view, obj):
        # TODO(E2): True for a safe method; otherwise True only for the object's owner.
        raise NotDone("E2")


# TODO(E2): permission_classes: anyone may read; writing needs a login, and changing or
# deleting a student needs to be its owner.
class StudentViewSet(viewsets.ModelViewSet):
    """Every student, for everyone to read: /lessons/09/students/ and /lessons/09/students/<pk>/."""

    queryset = Student.objects.select_related("owner")
    serializer_class = StudentSerializer
    authentication_classes = AUTHENTICATION

    def initial(self, request, *args, **kwargs):
        raise NotDone("E2")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


# TODO(E3): logged-in users only; each user lists, reads, changes and deletes only the
# students they own, and owns the students they create.
class MyStudentViewSet(viewsets.ModelViewSet):
    """The caller's own students, private: /lessons/09/my-students/ and .../my-students/<pk>/."""

    serializer_class = StudentSerializer
    authentication_classes = AUTHENTICATION

    def initial(self, request, *args, **kwargs):
        raise NotDone("E3")
