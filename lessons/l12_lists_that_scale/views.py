"""The worked example: the students as two lists that scale, one by page numbers, one by cursor.

Read this file next to the README. Global settings name no paginator and no filter backend
(see the README's "Decisions"), so each view states its own: a list without them is served
whole, however long it grows. The exercises (exercise.py) ask for the same for courses and
enrolments.
"""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.filters import SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from playground_project.domain.models import Course, Student

from .filters import StableOrderingFilter, StudentFilter
from .pagination import NewStudentsPagination, StudentPagination
from .schema import BAD_CURSOR, BAD_FILTER, NO_SUCH_PAGE, WRONG_CREDENTIALS
from .serializers import StudentSerializer

# Basic first, as in lessons 05-09: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]

LINKS = ["student-list", "student-feed", "catalogue-list", "roster-list", "roster-recent"]


class ApiRoot(APIView):
    """Lesson 12's entry point: links to its lists."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Lesson12Root", {name: serializers.URLField() for name in LINKS}
            ),
            401: WRONG_CREDENTIALS,
        }
    )
    def get(self, request):
        return Response({name: reverse(f"l12:{name}", request=request) for name in LINKS})


def students():
    """Every student with the codes of their courses: two queries, however many rows."""
    # Course's Meta.ordering applies inside the prefetch, so each student's codes come sorted.
    return Student.objects.prefetch_related(
        Prefetch("courses", queryset=Course.objects.only("code"))
    )


# The 200 is still inferred: drf-spectacular wraps the serializer in the paginator's envelope.
@extend_schema(
    responses={200: StudentSerializer, 400: BAD_FILTER, 401: WRONG_CREDENTIALS, 404: NO_SUCH_PAGE}
)
class StudentList(generics.ListAPIView):
    """Every student, a page at a time: `?page=`, `?page_size=`, filters, `?search=`, `?ordering=`."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    serializer_class = StudentSerializer
    pagination_class = StudentPagination
    # Run in this order on get_queryset(): filter, search, order; list() then takes one page.
    filter_backends = [DjangoFilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = StudentFilter
    search_fields = ["name"]  # never "email": a search is a question the list answers
    # The whitelist: any other ?ordering= is ignored. "__all__" would let clients sort by
    # email, which the serializer hides, and learn it a comparison at a time.
    ordering_fields = ["name", "year", "created_at"]
    ordering = ["name"]  # when the client asks for none; the filter adds the primary key

    def get_queryset(self):
        return students()


@extend_schema(
    responses={200: StudentSerializer, 400: BAD_FILTER, 401: WRONG_CREDENTIALS, 404: BAD_CURSOR}
)
class StudentFeed(generics.ListAPIView):
    """The newest students first, by cursor: pages that stay put while students are added."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    serializer_class = StudentSerializer
    pagination_class = NewStudentsPagination  # it orders the rows itself, by its `ordering`
    filter_backends = [DjangoFilterBackend]  # filters, yes; an OrderingFilter, never
    filterset_class = StudentFilter

    def get_queryset(self):
        return students()
