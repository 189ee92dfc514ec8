"""The worked example: lesson 05's students API again, as one viewset, plus a plain ViewSet.

Read this file next to the README. `StudentViewSet` serves what lesson 05's StudentList,
StudentDetail and StudentCourses served, at the same URLs; urls.py lets a router write
them. The exercises (exercise.py) do the same for lesson 05's courses and catalogue.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import routers, status, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from playground_project.domain.models import Course, Enrolment, Student
from playground_project.openapi import ErrorSerializer

from .permissions import IsOwnerOrReadOnly
from .serializers import CourseSerializer, StatsSerializer, StudentSerializer

# Basic first, as in lessons 04 and 05: a request that needs a login and has none answers
# 401 with `WWW-Authenticate: Basic realm="api"`.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class StudentStillEnrolled(APIException):
    """Deleting a student who is still enrolled would erase their enrolments: 409 Conflict."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This student is still enrolled in a course: unenrol them first."
    default_code = "still_enrolled"


class ApiRoot(routers.APIRootView):
    """Lesson 07's entry point, written by the DefaultRouter: a link to each registered list."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]


# A student still enrolled is not deleted: 409, which the docs cannot guess.
@extend_schema_view(destroy=extend_schema(responses={204: None, 409: ErrorSerializer}))
class StudentViewSet(viewsets.ModelViewSet):
    """Students: anyone reads them, a logged-in user creates students they own, only the owner
    changes or deletes them. `?search=` on the list keeps the names that contain it.
    """

    authentication_classes = AUTHENTICATION
    queryset = Student.objects.select_related("owner")  # also gives the router its basename
    serializer_class = StudentSerializer
    # The router builds the detail URL from these: students/<student_id>/, digits only, as
    # lesson 05's <int:student_id>. Any other value never reaches the view: Django's 404.
    lookup_url_kwarg = "student_id"
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        # One class serves several URLs; self.action names the one this request is for.
        if self.action == "courses":
            return [IsAuthenticated()]  # who takes which course is not public
        return [IsAuthenticatedOrReadOnly(), IsOwnerOrReadOnly()]

    def get_serializer_class(self):
        if self.action == "courses":
            return CourseSerializer  # that action's rows are courses
        return super().get_serializer_class()

    def get_queryset(self):
        students = super().get_queryset()
        # Every action shares this queryset: the search is for the list only, as in lesson 05,
        # where it lived in StudentList.
        search = self.request.query_params.get("search")
        if search and self.action == "list":
            students = students.filter(name__icontains=search)
        return students

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    def perform_destroy(self, instance):
        if instance.enrolments.exists():
            raise StudentStillEnrolled()
        instance.delete()

    @action(detail=True, methods=["get"])
    def courses(self, request, student_id=None):
        """The courses this student is enrolled in, ordered by code (logged-in users only)."""
        student = self.get_object()  # 404 for a missing student, as any detail URL
        courses = student.courses.select_related("owner")  # Course.Meta orders them by code
        return Response(self.get_serializer(courses, many=True).data)

    # url_path is the URL segment, here with a keyword of its own; the route's name comes
    # from the method's name: student-in-year.
    @action(detail=False, methods=["get"], url_path=r"year/(?P<year>[1-6])")
    def in_year(self, request, year):
        """The students in one year of study, 1 to 6."""
        students = self.get_queryset().filter(year=year)
        return Response(self.get_serializer(students, many=True).data)


class StatsViewSet(viewsets.ViewSet):
    """How many students, courses and enrolments there are: a resource with no model behind it.

    A plain ViewSet has no actions of its own; this one defines list() only, so the router
    writes one URL, stats/, and anything but GET, HEAD and OPTIONS there answers 405.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses=StatsSerializer)
    def list(self, request):
        return Response(
            {
                "students": Student.objects.count(),
                "courses": Course.objects.count(),
                "enrolments": Enrolment.objects.count(),
            }
        )
