"""The OpenAPI docs of every lesson: the error answers each view can give, and their shapes.

drf-spectacular reads a view's serializers for its request and success answer. What it does
not write down are the errors, though DRF answers them the same way everywhere: this schema
class (DEFAULT_SCHEMA_CLASS in the settings) adds them from each view's own policy: its
methods, path, authentication, permission and throttle classes. An error a view raises itself,
such as a 409, is declared on the view: `extend_schema(responses={409: ErrorSerializer, ...})`.
"""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import mixins, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

from course.stubs import NotDone


class ErrorSerializer(serializers.Serializer):
    """Every error that is not about the fields sent: `{"detail": "..."}`."""

    detail = serializers.CharField()


# extend_schema(request=NO_BODY), for a POST that only triggers an action: nothing to send, and
# anything sent is ignored. (An empty serializer would drop the body from the docs, as if it
# had been forgotten.) A request given as a dict maps media types to schemas.
NO_BODY = {
    "application/json": {"type": "object", "description": "Nothing to send: `{}`, or no body."}
}


# A 400 names each field that is wrong with its messages; `non_field_errors` holds a rule across
# fields, and a body that is not JSON at all is a `detail`. Nested serializers nest their errors,
# so the shape is an object and no more.
VALIDATION_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Validation errors: each field with its messages, or `detail`.",
    examples=[
        OpenApiExample(
            "Field errors",
            {"code": ["This field is required."], "non_field_errors": ["A rule across fields."]},
            status_codes=["400"],
        )
    ],
)

UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="No credentials, or wrong ones.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not allowed for this user.")
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ErrorSerializer, description="A body in a format this endpoint does not read."
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object.")
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests: wait and retry.")
# A lesson's root: links to its endpoints, by name.
LINKS = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}},
    description="The lesson's endpoints, by name.",
)


def list_of(serializer_class):
    """`list_of(CourseSerializer)`: a list of them, as `CourseSerializer(many=True)` documents.

    For the decorators of a starter, whose stub serializers raise NotDone when built: this is
    built when the docs are, not at import.
    """

    class ListOf(serializers.ListSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, child=serializer_class(), **kwargs)

    return ListOf


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus the error answers that the view's policy implies."""

    def error_responses(self) -> dict:
        """The errors DRF itself may answer for this operation, by status code."""
        view = self.view
        errors = {}
        if self.method in ("POST", "PUT", "PATCH"):
            errors["400"] = VALIDATION_ERRORS  # the body is parsed and validated
            errors["415"] = UNSUPPORTED_MEDIA_TYPE  # a body no parser of the view reads
        # DRF answers a refused login with 401 only when the view has a WWW-Authenticate header
        # to send (its first authenticator's, or its own); otherwise with 403. Wrong credentials
        # are refused even where anyone may call: the authenticator runs before the permissions.
        challenge = view.get_authenticate_header(view.request)
        if challenge:
            errors["401"] = UNAUTHENTICATED
        authenticators = view.get_authenticators()
        guarded = not all(isinstance(p, AllowAny) for p in view.get_permissions())
        csrf = self.method not in ("GET", "HEAD", "OPTIONS") and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        )
        # 403: a permission refuses, a session's write lacks its CSRF token, or a login is
        # refused with no challenge to send.
        if guarded or csrf or (authenticators and not challenge):
            errors["403"] = FORBIDDEN
        if "{" in self.path:
            errors["404"] = NOT_FOUND
        if view.get_throttles():
            errors["429"] = THROTTLED
        return errors

    def _is_create_operation(self):
        # drf-spectacular knows ListCreateAPIView and CreateAPIView; a view composed from
        # CreateModelMixin by hand (lesson 06) creates with POST all the same: 201.
        if self.method == "POST" and getattr(self.view, "action", None) in (None, "create"):
            if isinstance(self.view, mixins.CreateModelMixin):
                return True
        return super()._is_create_operation()

    def _get_response_bodies(self, direction="response"):
        # drf-standardized-errors extends the same method: the success answers, then the errors
        # the view's decorators did not already describe.
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, response in self.error_responses().items():
                if code not in responses:
                    responses[code] = self._get_response_for_code(response, code)
        return responses

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        try:
            return super().get_operation(path, path_regex, path_prefix, method, registry)
        except NotDone as exc:
            # A starter's stub serializer raises NotDone when built: its docs say what the
            # stub answers, rather than the whole page failing.
            detail = str(exc.detail["detail"])
            return {
                "operationId": "_".join([method.lower(), *self._tokenize_path(), "not_done"]),
                "description": detail,
                "tags": self.get_tags(),
                "responses": {"501": {"description": detail}},
            }
