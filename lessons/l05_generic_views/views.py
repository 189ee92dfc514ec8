"""The worked example: lesson 04's students API again, built from generic views.

Read this file next to the README. Each class states what its URL serves and who may use it;
the generic view it extends writes the handlers (get, post, put, patch, delete). The
exercises (exercise.py) ask for the same kind of classes for courses.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from playground_project.domain.models import Student
from playground_project.openapi import LINKS, ErrorSerializer

from .permissions import IsOwnerOrReadOnly
from .serializers import CourseSerializer, StudentSerializer

# Basic first: when a request is not authenticated, DRF asks the FIRST class for the
# WWW-Authenticate header, so a request that needs a login answers 401 with `Basic realm="api"`.
# Session lets you log in to the browsable API at /api-auth/login/.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class StudentStillEnrolled(APIException):
    """Deleting a student who is still enrolled would erase their enrolments: 409 Conflict."""

    status_code = status.HTTP_409_CONFLICT  # APIException's own default is 500
    default_detail = "This student is still enrolled in a course: unenrol them first."
    default_code = "still_enrolled"


class ApiRoot(APIView):
    """Lesson 05's entry point: links to its collections."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses=LINKS)
    def get(self, request):
        names = ["student-list", "notes-student-list", "course-list", "catalogue-list"]
        return Response({name: reverse(f"l05:{name}", request=request) for name in names})


class StudentList(generics.ListCreateAPIView):
    """GET: every student, for anyone; `?search=` keeps the names that contain it.

    POST: a new student, owned by the logged-in user.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]  # anonymous clients may only read
    queryset = Student.objects.select_related("owner")  # owner.username without a query per row
    serializer_class = StudentSerializer

    def get_queryset(self):
        # super() returns a fresh copy of `queryset` for this request: narrow the copy, never
        # return or evaluate self.queryset itself (it is shared by every request).
        students = super().get_queryset()
        search = self.request.query_params.get("search")
        if search:
            students = students.filter(name__icontains=search)
        return students

    def perform_create(self, serializer):
        # The one step of create() this view changes: the owner comes from the login, not the body.
        serializer.save(owner=self.request.user)


# A student still enrolled is not deleted: 409, which the docs cannot guess.
@extend_schema_view(delete=extend_schema(responses={204: None, 409: ErrorSerializer}))
class StudentDetail(generics.RetrieveUpdateDestroyAPIView):
    """One student: anyone may read it; only its owner may replace, change or delete it."""

    authentication_classes = AUTHENTICATION
    # get_object() calls check_object_permissions() itself, so IsOwnerOrReadOnly always runs.
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    queryset = Student.objects.select_related("owner")
    serializer_class = StudentSerializer
    # The URL names its keyword <int:student_id>, as the nested URL below does; the field
    # looked up is still the default lookup_field, "pk".
    lookup_url_kwarg = "student_id"

    def perform_destroy(self, instance):
        if instance.enrolments.exists():
            raise StudentStillEnrolled()  # DRF answers 409 with {"detail": ...}; nothing deleted
        instance.delete()


class StudentCourses(generics.ListAPIView):
    """The courses one student is enrolled in, ordered by code, for logged-in users only."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]  # who takes which course is not public
    serializer_class = CourseSerializer

    def get_queryset(self):
        # No `queryset` attribute: the rows depend on the URL, which only exists per request.
        student = get_object_or_404(Student, pk=self.kwargs["student_id"])
        return student.courses.select_related("owner")  # Course.Meta orders them by code
