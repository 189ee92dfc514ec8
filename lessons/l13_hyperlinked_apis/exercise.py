"""Lesson 13 exercises: relations written by id, code and link.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what it must do. Until you replace a stub, its
URLs answer 501 Not Implemented. The viewsets at the bottom are given: read them, you need
not change them.

Check your work:  make check L=13      (or: python -m course check 13)
Ask for a hint:   make hint L=13 E=E1  (or: python -m course hint 13 E1)
"""

from urllib.parse import urlsplit  # noqa: F401

from django.core.exceptions import ImproperlyConfigured  # noqa: F401
from django.db import IntegrityError, transaction  # noqa: F401
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets  # noqa: F401
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError  # noqa: F401
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response  # noqa: F401
from rest_framework.reverse import reverse  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course, Enrolment, Student  # noqa: F401

from .permissions import IsOwnerOrReadOnly

# Basic first, as in lessons 04 to 09: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


# ------------------------------------------------------------------ E1: by id, by code, by name


# TODO(E1): the student by id (PrimaryKeyRelatedField), the student's name to read
# (StringRelatedField), the course by its code (SlugRelatedField); fields id, student,
# student_name, course, grade. Replace the whole class body, stub methods included.
class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment: the student by id, the course by code, and the student's name to read."""

    class Meta:
        model = Enrolment
        fields = ["id", "grade"]

    def to_representation(self, instance):
        raise NotDone("E1")

    def to_internal_value(self, data):
        raise NotDone("E1")


# ------------------------------------------------------------------ E2: courses with links


# TODO(E2): a HyperlinkedModelSerializer with fields url, code, title, credits, owner,
# students and enrol; every view_name namespaced ("l13:..."), and the code as the lookup
# wherever a course's URL is reversed; a code that could not be part of that URL is refused.
# Replace the whole class body, stub methods included.
class CourseSerializer(serializers.HyperlinkedModelSerializer):
    """A course with a link to itself, to each of its students and to its enrol action."""

    class Meta:
        model = Course
        fields = ["code", "title", "credits"]

    def to_representation(self, instance):
        raise NotDone("E2")

    def to_internal_value(self, data):
        raise NotDone("E2")


# ------------------------------------------------------------------ E3: enrol by link


# TODO(E3): refuse a link whose host is not the request's host (400 on the field), then let
# HyperlinkedRelatedField do the rest.
class SameHostHyperlinkedRelatedField(serializers.HyperlinkedRelatedField):
    """A hyperlink that must point at this API: DRF itself only reads the link's path."""

    def to_internal_value(self, data):
        raise NotDone("E3")


# TODO(E3): fields url (the enrolment's link), student (a link, written with the field
# above), course (a link, read-only) and grade (read-only).
class EnrolByLinkSerializer(serializers.HyperlinkedModelSerializer):
    """Enrol one student, sent as the link to the student; the course comes from the URL."""

    class Meta:
        model = Enrolment
        fields = ["grade"]

    def to_representation(self, instance):
        raise NotDone("E3")


# ------------------------------------------------------------------ the viewsets (given)


class EnrolmentViewSet(viewsets.ModelViewSet):
    """The enrolments in your courses: list, create, read, change and delete them."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]  # who takes which course is not public
    queryset = Enrolment.objects.select_related("student", "course")
    serializer_class = EnrolmentSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return super().get_queryset().filter(course__owner=self.request.user)

    def _check_course(self, serializer):
        course = serializer.validated_data.get("course")
        if course is not None and course.owner_id != self.request.user.pk:
            raise PermissionDenied("You can only enrol students in your own courses.")

    def perform_create(self, serializer):
        self._check_course(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self._check_course(serializer)
        serializer.save()


class CourseViewSet(viewsets.ModelViewSet):
    """Courses with links: anyone reads them, a logged-in user creates courses they own, and
    only the owner changes one, deletes one or enrols students in it.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    # prefetch_related: the `students` links of a whole page come from one more query.
    queryset = Course.objects.select_related("owner").prefetch_related("students")
    serializer_class = CourseSerializer
    lookup_field = "code"

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    @extend_schema(
        responses={
            201: EnrolByLinkSerializer,
            400: OpenApiResponse(description="A bad link, or a student already enrolled."),
            401: OpenApiResponse(description="No login."),
            403: OpenApiResponse(description="Not your course."),
            404: OpenApiResponse(description="No course has this code."),
        }
    )
    @action(detail=True, methods=["post"], serializer_class=EnrolByLinkSerializer)
    def enrol(self, request, code=None):
        """Enrol the student whose link the body sends in this course; answers the enrolment."""
        # TODO(E3): find the course (yours only), validate the body with a serializer that has
        # the request in its context, save the enrolment (a second one is a 400 on student),
        # and answer 201 with it and a Location header: its absolute URL, from reverse().
        raise NotDone("E3")
