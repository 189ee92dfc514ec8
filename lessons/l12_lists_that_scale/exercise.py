"""Lesson 12 exercises: lists that scale.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what the code must do. Until you replace a
stub, its URL answers 501 Not Implemented.

Check your work:  make check L=12      (or: python -m course check 12)
Ask for a hint:   make hint L=12 E=E1  (or: python -m course hint 12 E1)
"""

import django_filters
from django.db.models import Count  # noqa: F401  (you will need these)
from django_filters.rest_framework import DjangoFilterBackend  # noqa: F401
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.filters import OrderingFilter, SearchFilter  # noqa: F401
from rest_framework.pagination import CursorPagination, LimitOffsetPagination, PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course, Enrolment  # noqa: F401

from .pagination import CheckedCursorPagination  # noqa: F401
from .schema import BAD_CURSOR, BAD_FILTER, NO_SUCH_PAGE, NOT_LOGGED_IN, WRONG_CREDENTIALS
from .serializers import CatalogueSerializer, RosterSerializer

# Basic first, as in views.py: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]

# Each view stub answers 501 to every method from initial(), which DRF runs before any
# handler. Write the attributes the README asks for, then delete the stub's initial().


# ------------------------------------------------------------------ E1: the catalogue


class CataloguePagination(PageNumberPagination):
    """`?page=`: ten courses a page, or `?page_size=` of them, never more than 50."""

    # TODO(E1): page_size, page_size_query_param and max_page_size.


# The decorators state the error answers; drf-spectacular infers the paginated 200.
@extend_schema(responses={200: CatalogueSerializer, 401: WRONG_CREDENTIALS, 404: NO_SUCH_PAGE})
class CatalogueList(generics.ListAPIView):
    """Every course with its number of students, by code, a page at a time. Open to anyone.

    URL: /lessons/12/catalogue/.
    """

    serializer_class = CatalogueSerializer

    # TODO(E1): authentication and permission classes, pagination_class, and a queryset that
    # annotates student_count, fetches the owners and is ordered by code.
    def initial(self, request, *args, **kwargs):
        raise NotDone("E1")


# ------------------------------------------------------------------ E2: the roster


class RosterPagination(LimitOffsetPagination):
    """`?limit=&offset=`: ten enrolments unless the client asks, never more than 50."""

    # TODO(E2): default_limit and max_limit.


class RosterFilter(django_filters.FilterSet):
    """`?course=DRF101` (any case) and `?year=2` (the student's year)."""

    # TODO(E2): two declared filters, and a Meta with the model and fields: django-filter
    # refuses a Meta.model without Meta.fields (or exclude) when this module is imported.


@extend_schema(responses={200: RosterSerializer, 400: BAD_FILTER, 401: NOT_LOGGED_IN})
class RosterList(generics.ListAPIView):
    """Who takes which course, filtered, searched and ordered, by limit and offset.

    URL: /lessons/12/roster/. Logged-in users only; grades never show, nor sort, nor match.
    """

    serializer_class = RosterSerializer

    # TODO(E2): authentication and permission classes, pagination_class, filter_backends,
    # filterset_class, search_fields, ordering_fields (a whitelist), ordering and queryset.
    def initial(self, request, *args, **kwargs):
        raise NotDone("E2")


# ------------------------------------------------------------------ E3: the recent feed


class RecentPagination(CursorPagination):
    """`?cursor=`: the newest enrolments first, five a page, or `?page_size=` up to 50."""

    # TODO(E3): page_size, page_size_query_param, max_page_size and the ordering the cursor
    # follows. DRF's CursorPagination answers 500 to a well-formed cursor whose position is not
    # an id (README, "A cursor is a query parameter"): start from CheckedCursorPagination
    # (pagination.py), or override decode_cursor() yourself.


@extend_schema(responses={200: RosterSerializer, 401: NOT_LOGGED_IN, 404: BAD_CURSOR})
class RecentEnrolments(generics.ListAPIView):
    """The newest enrolments first, by cursor, so new ones never push a row onto the next page.

    URL: /lessons/12/roster/recent/. Logged-in users only.
    """

    serializer_class = RosterSerializer

    # TODO(E3): authentication and permission classes, pagination_class, filter_backends and
    # queryset.
    def initial(self, request, *args, **kwargs):
        raise NotDone("E3")
