"""Lesson 09 exercises: who may do what with courses and students (reference solution)."""

from rest_framework import viewsets
from rest_framework.permissions import (
    SAFE_METHODS,
    BasePermission,
    IsAdminUser,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)

from playground_project.domain.models import Course, Student

from .serializers import CourseSerializer, StudentSerializer
from .views import AUTHENTICATION


class ReadOnly(BasePermission):
    """Allow the safe methods (GET, HEAD, OPTIONS), whoever asks; refuse every other method."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS  # the methods that must not change anything


class CourseViewSet(viewsets.ModelViewSet):
    """The course catalogue: /lessons/09/courses/ and /lessons/09/courses/<pk>/."""

    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    authentication_classes = AUTHENTICATION
    # One composed class: staff OR a safe method. A list of two classes would mean AND,
    # and nobody could write.
    permission_classes = [IsAdminUser | ReadOnly]

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


class IsOwnerOrReadOnly(BasePermission):
    """Anyone may read an object; only its owner may change or delete it."""

    message = "Only the owner of this student may change or delete it."  # the 403's detail

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:  # reading is for everyone
            return True
        # Compare users, not ids: an anonymous user's id is None, like an ownerless row's.
        return obj.owner == request.user


class StudentViewSet(viewsets.ModelViewSet):
    """Every student, for everyone to read: /lessons/09/students/ and /lessons/09/students/<pk>/."""

    queryset = Student.objects.select_related("owner")
    serializer_class = StudentSerializer
    authentication_classes = AUTHENTICATION
    # IsAuthenticatedOrReadOnly covers what has_object_permission never sees: the list and
    # create (anonymous POST is 401). IsOwnerOrReadOnly guards each existing student.
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


class MyStudentViewSet(viewsets.ModelViewSet):
    """The caller's own students, private: /lessons/09/my-students/ and .../my-students/<pk>/."""

    serializer_class = StudentSerializer
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]  # a list: [IsAuthenticated], never (IsAuthenticated)

    def get_queryset(self):
        # The queryset decides what exists for this caller: the list shows only their rows,
        # and someone else's student is 404, which does not even reveal that it exists.
        return Student.objects.filter(owner=self.request.user).select_related("owner")

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)  # no permission check runs on create
