"""Lesson 04 exercises: courses and enrolments served by APIView classes (reference solution)."""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from playground_project.domain.models import Course
from playground_project.openapi import ErrorSerializer

from .permissions import IsOwnerOrReadOnly
from .serializers import CourseSerializer, EnrolmentSerializer


@extend_schema(methods=["GET"], responses=CourseSerializer(many=True))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
class CourseList(APIView):
    """GET: every course, for anyone. POST: a new course, owned by the logged-in user.

    URL: /lessons/04/courses/. An anonymous POST answers 401.
    """

    # Policies are class attributes: they replace the global defaults for this view only.
    # Basic first, so an anonymous write gets 401 with WWW-Authenticate: Basic realm="api".
    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly]

    # APIView calls the method named after the HTTP verb; no get() or post() would mean 405.
    def get(self, request):
        courses = Course.objects.select_related("owner")  # the owner's username in one query
        return Response(CourseSerializer(courses, many=True).data)

    def post(self, request):
        serializer = CourseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # a ValidationError, which DRF answers 400
        serializer.save(owner=request.user)  # the owner is whoever logged in, never the body
        return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=CourseSerializer, responses=CourseSerializer)
class CourseDetail(APIView):
    """One course: anyone may read it; only its owner may replace, change or delete it.

    URL: /lessons/04/courses/<pk>/. GET, PUT, PATCH and DELETE; a missing course is 404.
    """

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    # IsOwnerOrReadOnly only has has_object_permission(): it runs when get_object() asks.
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]

    def get_object(self, pk):
        """Return the course with this id, or raise Http404; check the object permissions."""
        course = get_object_or_404(Course.objects.select_related("owner"), pk=pk)
        # Before any change is made: APIView never checks object permissions by itself.
        self.check_object_permissions(self.request, course)
        return course

    def get(self, request, pk):
        return Response(CourseSerializer(self.get_object(pk)).data)

    def put(self, request, pk):
        return self.update(request, pk, partial=False)  # PUT replaces: every required field

    def patch(self, request, pk):
        return self.update(request, pk, partial=True)  # PATCH changes only the fields sent

    def update(self, request, pk, partial):
        """Save the course from the body; PUT and PATCH differ only in `partial`."""
        serializer = CourseSerializer(self.get_object(pk), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    def delete(self, request, pk):
        self.get_object(pk).delete()  # get_object() has already refused a non-owner
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlreadyEnrolled(APIException):
    """The student is already enrolled in the course: 409 Conflict, not a crash."""

    status_code = status.HTTP_409_CONFLICT  # without it, APIException answers 500
    default_detail = "This student is already enrolled in this course."
    default_code = "already_enrolled"


class EnrolmentThrottle(UserRateThrottle):
    """At most 3 enrolment requests a minute per user (per IP address for anonymous ones)."""

    scope = "l04-enrolments"  # a counter of its own: the default "user" scope is shared
    rate = "3/minute"  # on the class, so no DEFAULT_THROTTLE_RATES setting is needed


@extend_schema(
    request=EnrolmentSerializer, responses={201: EnrolmentSerializer, 409: ErrorSerializer}
)
class CourseEnrolments(APIView):
    """POST {"student": <id>}: enrol that student in the course, for logged-in users.

    URL: /lessons/04/courses/<pk>/enrolments/. 201 with the enrolment; the same student a
    second time is AlreadyEnrolled (409); more than 3 requests a minute per user is 429.
    """

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [EnrolmentThrottle]  # runs after the permissions: a 401 is not counted

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        serializer = EnrolmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # no such student: 400 under "student"
        try:
            # A savepoint, so the failed INSERT leaves the request's transaction usable. The
            # unique constraint decides: a check-then-insert could race another request.
            with transaction.atomic():
                serializer.save(course=course)
        except IntegrityError:
            raise AlreadyEnrolled() from None
        return Response(serializer.data, status=status.HTTP_201_CREATED)
