"""The worked example: students served by APIView classes, one method per HTTP verb.

Read this file next to the README. The exercises (exercise.py) ask for the same kind of
classes for courses and enrolments.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from playground_project.domain.models import Student
from playground_project.openapi import LINKS, ErrorSerializer

from .permissions import IsOwnerOrReadOnly
from .serializers import StudentSerializer

# Basic first: when a request is not authenticated, DRF asks the FIRST class for the
# WWW-Authenticate header, so an anonymous write answers 401 with `Basic realm="api"`.
# Session lets you log in to the browsable API at /api-auth/login/.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class StudentStillEnrolled(APIException):
    """Deleting a student who is still enrolled would erase their enrolments: 409 Conflict."""

    status_code = status.HTTP_409_CONFLICT  # APIException's own default is 500
    default_detail = "This student is still enrolled in a course: unenrol them first."
    default_code = "still_enrolled"


class AnonymousStudentThrottle(AnonRateThrottle):
    """Anonymous clients may send 20 requests a minute to the student URLs; users are not limited."""

    scope = "l04-students-anon"  # the cache key's prefix: views that share it share one counter
    rate = "20/minute"  # set on the class, so no DEFAULT_THROTTLE_RATES setting is needed


class ApiRoot(APIView):
    """Lesson 04's entry point: links to its collections."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses=LINKS)  # a decorator per method, or one on the class for all
    def get(self, request):
        return Response(
            {
                "students": reverse("l04:student-list", request=request),
                "courses": reverse("l04:course-list", request=request),
            }
        )


class StudentList(APIView):
    """GET: every student, for anyone. POST: a new student, owned by the logged-in user."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]  # anonymous clients may only read
    throttle_classes = [AnonymousStudentThrottle]

    @extend_schema(responses=StudentSerializer(many=True))
    def get(self, request):
        students = Student.objects.select_related("owner")  # owner.username in one query
        return Response(StudentSerializer(students, many=True).data)

    @extend_schema(request=StudentSerializer, responses={201: StudentSerializer})
    def post(self, request):
        serializer = StudentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # invalid: a ValidationError, answered 400
        serializer.save(owner=request.user)  # the owner comes from the login, not the body
        return Response(serializer.data, status=status.HTTP_201_CREATED)


# On the class: every method reads and answers a student (DELETE answers 204 No Content).
@extend_schema(request=StudentSerializer, responses=StudentSerializer)
class StudentDetail(APIView):
    """One student: anyone may read it; only its owner may replace, change or delete it."""

    authentication_classes = AUTHENTICATION
    # Both must allow. The first runs before any method (anonymous writes: 401); the
    # second only answers has_object_permission, which get_object() below calls.
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    throttle_classes = [AnonymousStudentThrottle]

    def get_object(self, pk):
        """Return the student with this id, or raise Http404; check the object permissions."""
        student = get_object_or_404(Student.objects.select_related("owner"), pk=pk)
        # APIView never calls this by itself: without it, IsOwnerOrReadOnly would never run.
        self.check_object_permissions(self.request, student)
        return student

    def get(self, request, pk):
        return Response(StudentSerializer(self.get_object(pk)).data)

    def put(self, request, pk):
        return self.update(request, pk, partial=False)  # PUT replaces: every required field

    def patch(self, request, pk):
        return self.update(request, pk, partial=True)  # PATCH changes only the fields sent

    def update(self, request, pk, partial):
        """PUT and PATCH differ in one argument, so they share this helper method."""
        serializer = StudentSerializer(self.get_object(pk), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    @extend_schema(responses={204: None, 409: ErrorSerializer})  # a method's decorator wins
    def delete(self, request, pk):
        student = self.get_object(pk)
        if student.enrolments.exists():
            raise StudentStillEnrolled()  # DRF answers 409 with {"detail": ...}
        student.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
