"""OpenAPI descriptions of the answers drf-spectacular cannot infer: the lists' error statuses.

It infers the paginated 200 (the envelope and the page parameters) and the filter, search and
ordering parameters from each view's pagination_class and filter_backends; what a paginator or
a filter answers when a parameter is wrong is stated here, once, for every view to cite.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

DETAIL = inline_serializer("Lesson12Detail", {"detail": serializers.CharField()})

WRONG_CREDENTIALS = OpenApiResponse(
    DETAIL, description="Credentials were sent and are wrong (Basic asks again)."
)
NOT_LOGGED_IN = OpenApiResponse(
    DETAIL, description="No login, or a wrong one: this list is for logged-in users."
)
BAD_FILTER = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='A filter parameter is invalid, e.g. ?year=abc: {"year": ["Enter a number."]}.',
)
NO_SUCH_PAGE = OpenApiResponse(
    DETAIL, description="?page= is past the last page, or not a page number: Invalid page."
)
BAD_CURSOR = OpenApiResponse(
    DETAIL, description="A cursor this server did not make: Invalid cursor."
)
