"""Lesson 16 exercises: conditional requests, caching and versioning (reference solution)."""

from datetime import UTC, datetime

from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.vary import vary_on_headers
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
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.versioning import URLPathVersioning

from playground_project.openapi import ErrorSerializer

from .models import VersionedCourse
from .permissions import IsOwnerOrReadOnly
from .serializers import (
    CatalogueSerializer,
    CatalogueV1Serializer,
    CatalogueV2Serializer,
    CourseSerializer,
)

# Basic first, as in lessons 04 to 09: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


# ------------------------------------------------------------------ E1: conditional GET


def course_etag(course) -> str:
    """The strong ETag of a course's current version: the same for whoever asks."""
    # From the version counter, not from the body: the body differs by caller (`editable`),
    # and building it just to hash it would cost what a 304 is meant to save.
    return f'"{course.pk}-{course.version}"'


def last_modified(course) -> int:
    """The course's last change, in whole seconds since the epoch, as HTTP dates count."""
    return int(course.updated_at.timestamp())


def validators(course) -> dict:
    """The headers that let a client ask, next time, whether its copy is still current."""
    return {"ETag": course_etag(course), "Last-Modified": http_date(last_modified(course))}


def is_not_modified(request, course) -> bool:
    """Whether a GET's conditions say the client's copy is current (RFC 9110, section 13.2.2)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        # If-None-Match decides alone, and by weak comparison: W/"x" and "x" are the same.
        # When it is there, If-Modified-Since is not even read.
        tags = parse_etags(if_none_match)
        current = course_etag(course)
        return tags == ["*"] or current in (tag.removeprefix("W/") for tag in tags)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified(course) <= since


# ------------------------------------------------------------------ E2: no lost updates


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the ETag of the version you read: changes need it."
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The course changed since you read it: GET it again, then send your change."
    default_code = "precondition_failed"


def check_if_match(request, course) -> None:
    """Raise 428 without If-Match, and 412 unless it names the course's current version."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        raise PreconditionRequired()
    tags = parse_etags(if_match)
    # Strong comparison: a weak tag (W/"...") never matches, even with the same value.
    if tags != ["*"] and course_etag(course) not in tags:
        raise PreconditionFailed()


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
        course = self.get_object()
        if is_not_modified(request, course):
            # 304: no body, the validators again, so that the client's copy stays current.
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=validators(course))
        serializer = self.get_serializer(course)
        return Response(serializer.data, headers=validators(course))

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            course = self.get_object()
            # Before anything is validated or saved: a stale write must change nothing.
            check_if_match(request, course)
            serializer = self.get_serializer(course, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            serializer.save()  # the model bumps the version: a new ETag
        return Response(serializer.data, headers=validators(course))


# ------------------------------------------------------------------ E3: caching by who asks

CATALOGUE_MAX_AGE = 60  # seconds: the catalogue may be a minute old, for everyone

# Anyone may keep it for a minute (public, max-age), and this server keeps one copy for
# everyone in Django's cache (cache_page, which reads its timeout from max-age).
PUBLIC = [cache_page(CATALOGUE_MAX_AGE), cache_control(public=True, max_age=CATALOGUE_MAX_AGE)]
# Only the caller's own browser may keep it, and must ask again before using it; and a
# cache must tell one caller from another by their credentials.
PRIVATE = [cache_control(private=True, no_cache=True), vary_on_headers("Authorization", "Cookie")]


@method_decorator(PUBLIC, name="dispatch")
class Catalogue(generics.ListAPIView):
    """Every course: the same for everyone, so cached once for everyone."""

    authentication_classes = []  # a reply that reads no credentials cannot depend on them
    permission_classes = [AllowAny]
    queryset = VersionedCourse.objects.all()
    serializer_class = CatalogueSerializer


@method_decorator(PRIVATE, name="dispatch")
class MyCourses(generics.ListAPIView):
    """The caller's own courses: a reply for one user, never kept for another."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = CatalogueSerializer

    def get_queryset(self):
        return VersionedCourse.objects.filter(owner=self.request.user)


# ------------------------------------------------------------------ E4: versions side by side

V1_DEPRECATED_ON = datetime(2026, 1, 1, tzinfo=UTC)  # when v1 stopped being the current one
V1_SUNSET_ON = datetime(2027, 7, 1, tzinfo=UTC)  # when v1 stops answering


class CatalogueVersioning(URLPathVersioning):
    """The version is a part of the path: /lessons/16/v1/catalogue/ or /lessons/16/v2/catalogue/."""

    allowed_versions = ["v1", "v2"]  # anything else: 404 Invalid version in URL path
    default_version = "v2"  # the version the OpenAPI docs show when none is asked for


class VersionedCatalogue(generics.ListAPIView):
    """The catalogue in two versions side by side: v1 (deprecated) and v2."""

    authentication_classes = []
    permission_classes = [AllowAny]
    queryset = VersionedCourse.objects.all()
    versioning_class = CatalogueVersioning

    def get_serializer_class(self):
        # request.version: what the versioning class read from the path, already checked.
        if self.request.version == "v1":
            return CatalogueV1Serializer
        return CatalogueV2Serializer

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if request.version == "v1":
            # RFC 9745: a structured-field date, @ and seconds since the epoch.
            response["Deprecation"] = f"@{int(V1_DEPRECATED_ON.timestamp())}"
            # RFC 8594: an HTTP-date.
            response["Sunset"] = http_date(V1_SUNSET_ON.timestamp())
            successor = reverse("l16:catalogue-versions", kwargs={"version": "v2"}, request=request)
            response["Link"] = f'<{successor}>; rel="successor-version"'
        return response
