"""Lesson 05 exercises: courses served by generic views (reference solution)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated

from playground_project.domain.models import Course
from playground_project.openapi import ErrorSerializer

from .serializers import CourseSerializer, StudentSerializer

# Basic first, as in views.py: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class CourseHasStudents(APIException):
    """Deleting a course would delete its enrolments too (on_delete=CASCADE): 409 instead."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Students are enrolled in this course: unenrol them first."
    default_code = "has_students"


# ListCreateAPIView: get() lists, post() creates; this class only says which rows, and who owns new ones.
class CourseList(generics.ListCreateAPIView):
    """GET: the courses the logged-in user owns, by code. POST: a new course, owned by them.

    URL: /lessons/05/courses/. Logged-in users only: anonymous requests answer 401.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    queryset = Course.objects.select_related("owner")  # owner.username without a query per row
    serializer_class = CourseSerializer

    def get_queryset(self):
        # Only your own courses; super() gives a fresh copy of `queryset` for every request.
        return super().get_queryset().filter(owner=self.request.user)

    def perform_create(self, serializer):
        # The owner comes from the login, never from the body (the serializer's owner is read-only).
        serializer.save(owner=self.request.user)


# RetrieveUpdateDestroyAPIView: get(), put(), patch() and delete() around get_object().
# A course with students is not deleted: 409, which the docs cannot guess.
@extend_schema_view(delete=extend_schema(responses={204: None, 409: ErrorSerializer}))
class CourseDetail(generics.RetrieveUpdateDestroyAPIView):
    """One of your courses, by its code: read, replace (PUT), change (PATCH) or delete it.

    URL: /lessons/05/courses/<code>/. Someone else's course answers 404, as a missing one does.
    A course that students are enrolled in cannot be deleted: 409.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    lookup_field = "code"  # the URL's keyword is <str:code>, and so is the field looked up

    def get_queryset(self):
        # get_object() looks only in here: someone else's course is 404, and 404 says nothing
        # about whether it exists (a 403 would).
        return super().get_queryset().filter(owner=self.request.user)

    def perform_destroy(self, instance):
        # Refuse before deleting: the cascade would silently take the enrolments with it.
        if instance.enrolments.exists():
            raise CourseHasStudents()
        instance.delete()


# ListAPIView with the rows chosen from the URL: get_queryset() reads self.kwargs.
class CourseStudents(generics.ListAPIView):
    """The students enrolled in one of your courses, ordered by name.

    URL: /lessons/05/courses/<code>/students/. Read-only; someone else's course answers 404.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = StudentSerializer

    def get_queryset(self):
        # The owner in the lookup: someone else's course is as missing as one that does not exist.
        course = get_object_or_404(Course, code=self.kwargs["code"], owner=self.request.user)
        return course.students.select_related("owner").order_by("name")


# ListAPIView answers GET only, so POST on the catalogue is 405 with no code written for it.
class CatalogueList(generics.ListAPIView):
    """Every course, for anyone, by code; `?search=` keeps the titles that contain it, in any case.

    URL: /lessons/05/catalogue/. Read-only.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer

    def get_queryset(self):
        # Start from super(), never from self.queryset: that one object is shared by all requests.
        courses = super().get_queryset()
        search = self.request.query_params.get("search")
        if search:
            courses = courses.filter(title__icontains=search)
        return courses


# RetrieveAPIView: get() only, around get_object() with this lookup_field.
class CatalogueDetail(generics.RetrieveAPIView):
    """One course of the catalogue, by its code, for anyone.

    URL: /lessons/05/catalogue/<code>/. Read-only; a missing course answers 404.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    lookup_field = "code"
