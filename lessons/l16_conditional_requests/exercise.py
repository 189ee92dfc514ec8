"""Lesson 16 exercises: conditional requests, caching and versioning.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what it must do. Until you replace a stub, its
URLs answer 501 Not Implemented. What is not marked TODO is given: read it, you need not
change it.

Check your work:  make check L=16      (or: python -m course check 16)
Ask for a hint:   make hint L=16 E=E1  (or: python -m course hint 16 E1)
"""

from datetime import UTC, datetime

from django.db import transaction  # noqa: F401
from django.utils.cache import patch_cache_control, patch_vary_headers  # noqa: F401
from django.utils.decorators import method_decorator
from django.utils.http import http_date, parse_etags, parse_http_date_safe  # noqa: F401
from django.views.decorators.cache import cache_control, cache_page  # noqa: F401
from django.views.decorators.vary import vary_on_headers  # noqa: F401
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)
from rest_framework.response import Response  # noqa: F401
from rest_framework.reverse import reverse  # noqa: F401
from rest_framework.versioning import URLPathVersioning

from course.stubs import NotDone
from playground_project.openapi import ErrorSerializer

from .models import VersionedCourse
from .permissions import IsOwnerOrReadOnly
from .serializers import (
    CatalogueSerializer,
    CatalogueV1Serializer,  # noqa: F401
    CatalogueV2Serializer,  # noqa: F401
    CourseSerializer,
)

# Basic first, as in lessons 04 to 09: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


# ------------------------------------------------------------------ E1: conditional GET


# TODO(E1): a strong ETag (a quoted string) that changes with every save of the course and is
# the same whoever asks. The model keeps a version counter for you.
def course_etag(course) -> str:
    """The strong ETag of a course's current version: the same for whoever asks."""
    raise NotDone("E1")


def last_modified(course) -> int:
    """The course's last change, in whole seconds since the epoch, as HTTP dates count."""
    return int(course.updated_at.timestamp())


def validators(course) -> dict:
    """The headers that let a client ask, next time, whether its copy is still current."""
    return {"ETag": course_etag(course), "Last-Modified": http_date(last_modified(course))}


# TODO(E1): If-None-Match (weak comparison; "*"; a list of tags) and, only when there is no
# If-None-Match, If-Modified-Since (whole seconds). django.utils.http has the parsers.
def is_not_modified(request, course) -> bool:
    """Whether a GET's conditions say the client's copy is current (RFC 9110, section 13.2.2)."""
    raise NotDone("E1")


# ------------------------------------------------------------------ E2: no lost updates


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the ETag of the version you read: changes need it."
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The course changed since you read it: GET it again, then send your change."
    default_code = "precondition_failed"


# TODO(E2): no If-Match: 428 (PreconditionRequired); an If-Match that names no current version
# by strong comparison ("*" matches any): 412 (PreconditionFailed).
def check_if_match(request, course) -> None:
    """Raise 428 without If-Match, and 412 unless it names the course's current version."""
    raise NotDone("E2")


# ------------------------------------------------------------------ the course (given, but for
# the bodies of retrieve and update)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the version you read, e.g. "3-7"; required (428 without it).',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="ETags you hold."
)
WRITE_ANSWERS = {
    200: CourseSerializer,
    412: OpenApiResponse(ErrorSerializer, description="The course changed since you read it."),
    428: OpenApiResponse(ErrorSerializer, description="No If-Match header."),
}


# The reply depends on who asks (`editable`): no shared cache may keep it (private), a
# browser must ask before reusing it (no-cache: it sends If-None-Match and gets a 304), and
# any cache must keep one copy per set of credentials (Vary).
@method_decorator(
    [cache_control(private=True, no_cache=True), vary_on_headers("Authorization", "Cookie")],
    name="dispatch",
)
class CourseDetail(generics.RetrieveUpdateAPIView):
    """One course: read it with its ETag; change it only with If-Match."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    queryset = VersionedCourse.objects.select_related("owner")
    serializer_class = CourseSerializer
    lookup_field = "code"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.method not in SAFE_METHODS:
            # Check and write under a row lock, so that two writers cannot both pass the
            # same If-Match (PostgreSQL; SQLite writes one at a time anyway).
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    @extend_schema(
        parameters=[IF_NONE_MATCH],
        responses={
            200: CourseSerializer,
            304: OpenApiResponse(description="Not Modified: your copy is current. No body."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH], responses=WRITE_ANSWERS)
    def put(self, request, *args, **kwargs):
        return super().put(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH], responses=WRITE_ANSWERS)
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        # TODO(E1): the course with its ETag and Last-Modified (see validators()); a 304 with
        # no body when is_not_modified() says the client's copy is current.
        raise NotDone("E1")

    def update(self, request, *args, **kwargs):
        # TODO(E2): PUT and PATCH both come here (PATCH with partial=True in kwargs). Check
        # If-Match before anything is saved, save, and answer the course with its new ETag.
        raise NotDone("E2")


# ------------------------------------------------------------------ E3: caching by who asks

CATALOGUE_MAX_AGE = 60  # seconds: the catalogue may be a minute old, for everyone

# TODO(E3): the catalogue's policy: Cache-Control public with max-age=CATALOGUE_MAX_AGE, and
# a copy kept in Django's cache for that long. A list of decorators for method_decorator.
PUBLIC = []
# TODO(E3): a policy for a reply that depends on who asks: private (or no-store), and
# Vary: Authorization, Cookie.
PRIVATE = []


@method_decorator(PUBLIC, name="dispatch")
class Catalogue(generics.ListAPIView):
    """Every course: the same for everyone, so cached once for everyone."""

    authentication_classes = []  # a reply that reads no credentials cannot depend on them
    permission_classes = [AllowAny]
    queryset = VersionedCourse.objects.all()
    serializer_class = CatalogueSerializer

    def list(self, request, *args, **kwargs):
        # TODO(E3): delete this stub once PUBLIC is written; ListAPIView's list() does the rest.
        raise NotDone("E3")


@method_decorator(PRIVATE, name="dispatch")
class MyCourses(generics.ListAPIView):
    """The caller's own courses: a reply for one user, never kept for another."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = CatalogueSerializer

    def get_queryset(self):
        # TODO(E3): the caller's own courses only.
        raise NotDone("E3")


# ------------------------------------------------------------------ E4: versions side by side

V1_DEPRECATED_ON = datetime(2026, 1, 1, tzinfo=UTC)  # when v1 stopped being the current one
V1_SUNSET_ON = datetime(2027, 7, 1, tzinfo=UTC)  # when v1 stops answering


# TODO(E4): which versions exist (v1 and v2: anything else is a 404), and which one the docs
# show when none is asked for (v2).
class CatalogueVersioning(URLPathVersioning):
    """The version is a part of the path: /lessons/16/v1/catalogue/ or /lessons/16/v2/catalogue/."""


class VersionedCatalogue(generics.ListAPIView):
    """The catalogue in two versions side by side: v1 (deprecated) and v2."""

    authentication_classes = []
    permission_classes = [AllowAny]
    queryset = VersionedCourse.objects.all()
    versioning_class = CatalogueVersioning

    # TODO(E4): the serializer of the version the request asked for (request.version).
    def get_serializer_class(self):
        raise NotDone("E4")

    # TODO(E4): the list, and on v1 only the Deprecation and Sunset headers (and a Link to v2
    # if you like).
    def list(self, request, *args, **kwargs):
        raise NotDone("E4")
