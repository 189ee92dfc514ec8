"""Lesson 07 exercises: lesson 05's course API as viewsets on a router (reference solution)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from playground_project.domain.models import Course
from playground_project.openapi import ErrorSerializer

from .serializers import CourseSerializer, StudentSerializer

# Basic first, as in lesson 05: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class CourseHasStudents(APIException):
    """Deleting a course would delete its enrolments too (on_delete=CASCADE): 409 instead."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Students are enrolled in this course: unenrol them first."
    default_code = "has_students"


# ModelViewSet: lesson 05's CourseList and CourseDetail in one class, so everything they
# repeated (classes, queryset, serializer, the scope) is written once.
# A course with students is not deleted: 409, which the docs cannot guess.
@extend_schema_view(destroy=extend_schema(responses={204: None, 409: ErrorSerializer}))
class CourseViewSet(viewsets.ModelViewSet):
    """Your courses: list and create them, and read, replace, change or delete one by its code.

    URLs (written by the router): /lessons/07/courses/ and /lessons/07/courses/<code>/, plus
    the students action below. Someone else's course answers 404, as a missing one does.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    queryset = Course.objects.select_related("owner")  # the router's basename comes from it
    serializer_class = CourseSerializer
    lookup_field = "code"  # the router writes the detail URL as courses/<code>/

    def get_queryset(self):
        # One scope for every action: the list, one course, and the students action.
        return super().get_queryset().filter(owner=self.request.user)

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)  # the owner is the login, never the body

    def perform_destroy(self, instance):
        # Refuse before deleting: the cascade would silently take the enrolments with it.
        if instance.enrolments.exists():
            raise CourseHasStudents()
        instance.delete()

    # A detail action that only reads: the router writes courses/<code>/students/ and names
    # it course-students, lesson 05's URL and name. serializer_class= applies to it alone.
    @action(detail=True, methods=["get"], serializer_class=StudentSerializer)
    def students(self, request, code=None):
        """The students enrolled in one of your courses, ordered by name."""
        course = self.get_object()  # through get_queryset(): someone else's course is 404
        students = course.students.select_related("owner").order_by("name")
        return Response(self.get_serializer(students, many=True).data)


# ReadOnlyModelViewSet: list and retrieve only, so every write is a 405, as in lesson 05.
class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """Every course, for anyone, by code; `?search=` on the list keeps the titles that contain it.

    URLs (written by the router): /lessons/07/catalogue/ and /lessons/07/catalogue/<code>/.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    lookup_field = "code"

    def get_queryset(self):
        courses = super().get_queryset()  # a fresh copy per request, never self.queryset itself
        # list and retrieve share this queryset: the search belongs to the list only.
        search = self.request.query_params.get("search")
        if search and self.action == "list":
            courses = courses.filter(title__icontains=search)
        return courses


# The router writes the URLs of every viewset registered on it; urls.py includes them.
router = SimpleRouter()
router.register("courses", CourseViewSet)  # basename "course", from CourseViewSet.queryset
router.register("catalogue", CatalogueViewSet, basename="catalogue")  # same model: own basename
