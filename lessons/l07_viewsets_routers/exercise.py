"""Lesson 07 exercises: lesson 05's course API as viewsets on a router.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the viewset must do. Until you replace a
stub, its URLs answer 501 Not Implemented.

Check your work:  make check L=07      (or: python -m course check 07)
Ask for a hint:   make hint L=07 E=E1  (or: python -m course hint 07 E1)
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated  # noqa: F401
from rest_framework.response import Response  # noqa: F401
from rest_framework.routers import SimpleRouter

from course.stubs import NotDone
from playground_project.domain.models import Course
from playground_project.openapi import ErrorSerializer

from .serializers import CourseSerializer, StudentSerializer  # noqa: F401

# Basic first, as in lesson 05: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class CourseHasStudents(APIException):
    """Deleting a course would delete its enrolments too (on_delete=CASCADE): 409 instead."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Students are enrolled in this course: unenrol them first."
    default_code = "has_students"


# Each stub is a ModelViewSet, so that the router writes every URL it could serve, and
# answers 501 from initial(), which DRF runs before any action (and before authentication
# and permissions). Replace the stubs' bodies, pick the right viewset class, and delete
# each stub's initial().


# TODO(E1): lesson 05's CourseList and CourseDetail in this one class: authentication and
# permission classes, serializer_class, get_queryset(), perform_create(), perform_destroy().
# Keep `queryset` (see the router at the bottom) and `lookup_field`.
# A course with students is not deleted: 409, which the docs cannot guess.
@extend_schema_view(destroy=extend_schema(responses={204: None, 409: ErrorSerializer}))
class CourseViewSet(viewsets.ModelViewSet):
    """Your courses: list and create them, and read, replace, change or delete one by its code.

    URLs (written by the router): /lessons/07/courses/ and /lessons/07/courses/<code>/, plus
    the students action below. Someone else's course answers 404, as a missing one does.
    """

    queryset = Course.objects.all()  # the router reads its basename, "course", from the model
    lookup_field = "code"  # the router writes the detail URL as courses/<code>/

    def initial(self, request, *args, **kwargs):
        # self.action names the action this request is for: the students URL is E2's.
        raise NotDone("E2" if self.action == "students" else "E1")

    # TODO(E2): a detail action that answers GET only, with the students of one of your
    # courses; and a get_serializer_class() that gives it StudentSerializer.
    @action(detail=True, methods=["get", "post", "put", "patch", "delete"])
    def students(self, request, code=None):
        """The students enrolled in one of your courses, ordered by name.

        URL (written by the router): /lessons/07/courses/<code>/students/.
        """
        raise NotDone("E2")


# TODO(E3): lesson 05's CatalogueList and CatalogueDetail in one class: the viewset class
# that only lists and retrieves, open to anyone, with ?search= on the list only.
class CatalogueViewSet(viewsets.ModelViewSet):
    """Every course, for anyone, by code; `?search=` on the list keeps the titles that contain it.

    URLs (written by the router): /lessons/07/catalogue/ and /lessons/07/catalogue/<code>/.
    """

    lookup_field = "code"

    def initial(self, request, *args, **kwargs):
        raise NotDone("E3")


# The router writes the URLs of every viewset registered on it; urls.py includes them.
router = SimpleRouter()
router.register("courses", CourseViewSet)  # basename "course", from CourseViewSet.queryset
router.register("catalogue", CatalogueViewSet, basename="catalogue")  # same model: own basename
