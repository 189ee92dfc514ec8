"""The worked example: views composed from mixins, for students and enrolments.

DRF's concrete generic views are compositions too: `ListCreateAPIView` is ListModelMixin +
CreateModelMixin + GenericAPIView with a get() and a post(). Here the compositions are
written by hand, for shapes that no concrete class offers. Read this file next to the README.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from playground_project.domain.models import Enrolment, Student
from playground_project.openapi import LINKS

from .mixins import MultipleFieldLookupMixin
from .permissions import IsOwnerOrReadOnly, IsStudentOwnerOrReadOnly
from .serializers import EnrolmentSerializer, StudentSerializer

# Basic first, so that a request that needs a login and has none answers 401 (lesson 04).
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class ApiRoot(APIView):
    """Lesson 06's entry point: links to its collections."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(responses=LINKS)
    def get(self, request):
        return Response(
            {
                "students": reverse("l06:student-list", request=request),
                "enrolments": reverse("l06:enrolment-list", request=request),
                "courses": reverse("l06:course-list", request=request),
                "my-courses": reverse("l06:my-course-list", request=request),
            }
        )


# Bases, left to right: the mixins (which provide actions), then the base class (which
# dispatches). The handlers choose which HTTP method runs which action.
class StudentList(mixins.ListModelMixin, mixins.CreateModelMixin, generics.GenericAPIView):
    """GET: every student. POST: a new student, owned by the logged-in user.

    This is generics.ListCreateAPIView, written out: the same two mixins, the same base,
    the same two handlers.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]
    queryset = Student.objects.select_related("owner")  # owner.username without a query per row
    serializer_class = StudentSerializer

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)  # an action of ListModelMixin

    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)  # an action of CreateModelMixin

    def perform_create(self, serializer):  # the hook CreateModelMixin.create() calls
        serializer.save(owner=self.request.user)


class StudentDetail(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    generics.GenericAPIView,
):
    """One student: GET, PATCH and DELETE, but no PUT. No concrete generic view has that shape.

    Only the owner may change or delete the student. A student is corrected field by field,
    never replaced wholesale, so PUT answers 405.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    queryset = Student.objects.select_related("owner")
    serializer_class = StudentSerializer

    def get(self, request, *args, **kwargs):
        return self.retrieve(request, *args, **kwargs)

    def patch(self, request, *args, **kwargs):
        # partial_update() is update() with partial=True: only the fields sent are checked.
        return self.partial_update(request, *args, **kwargs)

    def delete(self, request, *args, **kwargs):
        return self.destroy(request, *args, **kwargs)

    # No put(): UpdateModelMixin has an update() action, but no handler calls it.


class EnrolmentDetail(
    MultipleFieldLookupMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    generics.GenericAPIView,
):
    """One enrolment, named by its course's code and its student's id: read it or delete it.

    MultipleFieldLookupMixin comes first: its get_object() must be found before
    GenericAPIView's, which would look for a single `pk` in the URL.
    """

    authentication_classes = AUTHENTICATION
    # The mixin's get_object() calls check_object_permissions(), so this rule holds.
    permission_classes = [IsAuthenticatedOrReadOnly, IsStudentOwnerOrReadOnly]
    # course.code for the serializer, student.owner_id for the permission: one query.
    queryset = Enrolment.objects.select_related("course", "student")
    serializer_class = EnrolmentSerializer
    # student__pk, not the column student_id: a lookup through the relation checks the number
    # fits the database, so an id of 30 digits is a 404 rather than an OverflowError (500).
    lookup_fields = {"course__code": "code", "student__pk": "student_id"}

    def get(self, request, *args, **kwargs):
        return self.retrieve(request, *args, **kwargs)

    def delete(self, request, *args, **kwargs):
        return self.destroy(request, *args, **kwargs)


class EnrolmentViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Enrolments: list them, create one, read one. Never changed here: no update, no destroy.

    A viewset has no handlers at all. urls.py binds HTTP methods to these actions with
    as_view({"get": "list", "post": "create"}) and as_view({"get": "retrieve"}).
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]
    queryset = Enrolment.objects.select_related("course")
    serializer_class = EnrolmentSerializer
