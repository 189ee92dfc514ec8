"""Lesson 12 exercises: lists that scale (reference solution).

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the code must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=12      (or: python -m course check 12)
Ask for a hint:   make hint L=12 E=E1  (or: python -m course hint 12 E1)
"""

import django_filters
from django.db.models import Count
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import LimitOffsetPagination, PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated

from playground_project.domain.models import Course, Enrolment

from .pagination import CheckedCursorPagination
from .schema import BAD_CURSOR, BAD_FILTER, NO_SUCH_PAGE, NOT_LOGGED_IN, WRONG_CREDENTIALS
from .serializers import CatalogueSerializer, RosterSerializer

# Basic first, as in views.py: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


# ------------------------------------------------------------------ E1: the catalogue


class CataloguePagination(PageNumberPagination):
    """`?page=`: ten courses a page, or `?page_size=` of them, never more than 50."""

    page_size = 10
    page_size_query_param = "page_size"  # the client may ask for another size...
    max_page_size = 50  # ...but never for the whole table


# The decorators state the error answers; drf-spectacular infers the paginated 200.
@extend_schema(responses={200: CatalogueSerializer, 401: WRONG_CREDENTIALS, 404: NO_SUCH_PAGE})
class CatalogueList(generics.ListAPIView):
    """Every course with its number of students, by code, a page at a time. Open to anyone.

    URL: /lessons/12/catalogue/.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    serializer_class = CatalogueSerializer
    pagination_class = CataloguePagination
    # Count() adds a GROUP BY, and Django drops Meta.ordering from grouped queries: without
    # order_by() the pages come in no defined order (UnorderedObjectListWarning).
    queryset = (
        Course.objects.select_related("owner")
        .annotate(student_count=Count("enrolments"))
        .order_by("code")
    )


# ------------------------------------------------------------------ E2: the roster


class RosterPagination(LimitOffsetPagination):
    """`?limit=&offset=`: ten enrolments unless the client asks, never more than 50."""

    default_limit = 10  # without it, no ?limit= means no pagination at all
    max_limit = 50


class RosterFilter(django_filters.FilterSet):
    """`?course=DRF101` (any case) and `?year=2` (the student's year)."""

    course = django_filters.CharFilter(field_name="course__code", lookup_expr="iexact")
    year = django_filters.NumberFilter(field_name="student__year")

    class Meta:
        model = Enrolment
        fields = ["course", "year"]


@extend_schema(responses={200: RosterSerializer, 400: BAD_FILTER, 401: NOT_LOGGED_IN})
class RosterList(generics.ListAPIView):
    """Who takes which course, filtered, searched and ordered, by limit and offset.

    URL: /lessons/12/roster/. Logged-in users only; grades never show, nor sort, nor match.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = RosterSerializer
    pagination_class = RosterPagination
    # The database filters, searches and orders; the paginator slices what is left.
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = RosterFilter
    search_fields = ["student__name", "course__code", "course__title"]
    # A whitelist: ?ordering=grade is ignored, so the hidden grades cannot be ranked.
    ordering_fields = ["student__name", "course__code", "enrolled_on"]
    ordering = ["course__code", "student__name", "id"]  # the id settles ties
    queryset = Enrolment.objects.select_related("student", "course")  # 1 query per page


# ------------------------------------------------------------------ E3: the recent feed


# CheckedCursorPagination, not DRF's CursorPagination: a cursor whose position is not an id
# (forged, or from another list) must answer 404 Invalid cursor, not a 500.
class RecentPagination(CheckedCursorPagination):
    """`?cursor=`: the newest enrolments first, five a page, or `?page_size=` up to 50."""

    page_size = 5
    page_size_query_param = "page_size"
    max_page_size = 50
    ordering = "-id"  # unique and never changes: the cursor's position cannot be shifted


@extend_schema(responses={200: RosterSerializer, 401: NOT_LOGGED_IN, 404: BAD_CURSOR})
class RecentEnrolments(generics.ListAPIView):
    """The newest enrolments first, by cursor, so new ones never push a row onto the next page.

    URL: /lessons/12/roster/recent/. Logged-in users only.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = RosterSerializer
    pagination_class = RecentPagination
    filter_backends = []  # the cursor owns the order: no OrderingFilter may change it
    queryset = Enrolment.objects.select_related("student", "course")
