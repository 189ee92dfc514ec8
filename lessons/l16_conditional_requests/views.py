"""The worked example: the catalogue's last change, served as a conditional GET.

Read this file next to the README. `CatalogueChanges` answers how many courses there are and
when the last one changed, with a `Last-Modified` header; a client that sends that time back
in `If-Modified-Since` gets `304 Not Modified` and no body while nothing has changed. The
exercises (exercise.py) do the same for one course with an ETag, then guard its writes.
"""

from django.db.models import Count, Max
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .models import VersionedCourse

LINKS = {
    "changes": ("l16:changes", {}),
    "catalogue": ("l16:catalogue", {}),
    "my_courses": ("l16:my-courses", {}),
    "catalogue_v1": ("l16:catalogue-versions", {"version": "v1"}),
    "catalogue_v2": ("l16:catalogue-versions", {"version": "v2"}),
}


class ApiRoot(APIView):
    """Lesson 16's entry point: links to its endpoints (a course is at courses/<code>/)."""

    authentication_classes = []  # nothing here depends on who asks
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer("Lesson15Root", {name: serializers.URLField() for name in LINKS})
        }
    )
    def get(self, request, format=None):
        return Response(
            {
                name: reverse(route, kwargs=kwargs, request=request, format=format)
                for name, (route, kwargs) in LINKS.items()
            }
        )


class CatalogueChanges(APIView):
    """How many courses there are and when the last one changed; 304 if unchanged since."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "CatalogueChanges",
                {"courses": serializers.IntegerField(), "last_change": serializers.DateTimeField()},
            ),
            304: OpenApiResponse(
                description="Not Modified: nothing changed since If-Modified-Since."
            ),
        }
    )
    def get(self, request, format=None):
        # One query: the count and the newest change time together.
        summary = VersionedCourse.objects.aggregate(courses=Count("pk"), last=Max("updated_at"))
        last = summary["last"]
        # HTTP dates count whole seconds: the header, and the comparison, drop the fraction.
        last_modified = int(last.timestamp()) if last else None
        # Django's own RFC 9110 evaluation of the request's conditions against that time: a
        # response (304 for a GET whose copy is current) when one decides, else None.
        decided = get_conditional_response(request, last_modified=last_modified)
        if decided is not None:
            if last_modified is not None:
                decided["Last-Modified"] = http_date(last_modified)
            return decided
        response = Response({"courses": summary["courses"], "last_change": last})
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        return response
