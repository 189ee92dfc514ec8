"""The worked example: simplejwt's token endpoints, and two views that an access token opens.

Read this file next to the README. The exercises (exercise.py) write a login view by hand,
add claims to the tokens, and protect a "me" endpoint and a logout the same way.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.authentication import JWTAuthentication

from playground_project.domain.models import Student
from playground_project.openapi import LINKS

from .serializers import StudentSerializer
from .throttles import LoginRateThrottle


@extend_schema(responses=LINKS)
@api_view(["GET"])
@authentication_classes([])  # a public page: an expired token in the header must not 401 it
@permission_classes([AllowAny])
def api_root(request):
    """The lesson's entry point: links to its endpoints, as the browsable API shows them."""
    names = [
        "token-obtain-pair",
        "token-refresh",
        "token-verify",
        "token-blacklist",
        "my-students",
        "student-list",
        "login",
        "token-claims",
        "me",
        "logout",
    ]
    return Response({name: reverse(f"l10:{name}", request=request) for name in names})


class TokenObtainPairView(jwt_views.TokenObtainPairView):
    """POST a username and password: 200 with a refresh and an access token, or 401.

    simplejwt's view as it is, plus a throttle: each request is a guess at a password.
    TokenRefreshView, TokenVerifyView and TokenBlacklistView are used unchanged (urls.py).
    """

    throttle_classes = [LoginRateThrottle]


class MyStudentsView(generics.ListAPIView):
    """GET: the students the caller owns. Needs a valid access token."""

    authentication_classes = [JWTAuthentication]  # reads "Authorization: Bearer <access token>"
    permission_classes = [IsAuthenticated]  # no token: 401 with WWW-Authenticate: Bearer
    serializer_class = StudentSerializer

    def get_queryset(self):
        return Student.objects.filter(owner=self.request.user)


class StudentListView(generics.ListAPIView):
    """GET: every student, for staff only.

    IsAdminUser reads request.user.is_staff, which JWTAuthentication loaded from the
    database on this request, not the `is_staff` claim a token may carry since it was issued.
    """

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAdminUser]  # no token: 401; a token of a non-staff user: 403
    queryset = Student.objects.all()
    serializer_class = StudentSerializer
