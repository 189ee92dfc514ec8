"""Lesson 13 exercises: relations written by id, code and link (reference solution)."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.reverse import reverse

from playground_project.domain.models import Course, Enrolment, Student

from .permissions import IsOwnerOrReadOnly

# Basic first, as in lessons 04 to 09: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


# ------------------------------------------------------------------ E1: by id, by code, by name


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment: the student by id, the course by code, and the student's name to read."""

    # Writable relations need a queryset: it is where the value a client sends is looked up.
    student = serializers.PrimaryKeyRelatedField(queryset=Student.objects.all())
    # str(student), for people reading the list; a StringRelatedField is always read-only.
    student_name = serializers.StringRelatedField(source="student")
    # The course by its code, both ways: shown as "DRF101", written as "DRF101".
    course = serializers.SlugRelatedField(slug_field="code", queryset=Course.objects.all())

    class Meta:
        model = Enrolment
        fields = ["id", "student", "student_name", "course", "grade"]


# ------------------------------------------------------------------ E2: courses with links


class CourseSerializer(serializers.HyperlinkedModelSerializer):
    """A course with a link to itself, to each of its students and to its enrol action."""

    # Namespaced view names, and the code as the lookup, because the router's routes are
    # "l13:course-detail" at courses/<code>/: the defaults would be "course-detail" and pk.
    url = serializers.HyperlinkedIdentityField(view_name="l13:course-detail", lookup_field="code")
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    students = serializers.HyperlinkedRelatedField(
        many=True, read_only=True, view_name="l13:student-detail"
    )
    # An identity field may point at any route about this object: here the enrol action.
    enrol = serializers.HyperlinkedIdentityField(view_name="l13:course-enrol", lookup_field="code")

    class Meta:
        model = Course
        fields = ["url", "code", "title", "credits", "owner", "students", "enrol"]

    def validate_code(self, value):
        # The router's detail route matches [^/.]+: a code with a dot or a slash could be saved
        # but never linked to, and every reply that links that course would fail.
        if "/" in value or "." in value:
            raise serializers.ValidationError(
                "A course code cannot contain '/' or '.': it is part of the course's URL."
            )
        return value


# ------------------------------------------------------------------ E3: enrol by link


class SameHostHyperlinkedRelatedField(serializers.HyperlinkedRelatedField):
    """A hyperlink that must point at this API: DRF itself only reads the link's path."""

    default_error_messages = {
        "other_host": "Invalid hyperlink - {host} is not this API's host.",
    }

    def to_internal_value(self, data):
        request = self.context.get("request")
        if request is None:  # fail loudly, as DRF's own hyperlinked fields do
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs the request in the serializer context: "
                "build the serializer with context={'request': request}."
            )
        if isinstance(data, str):
            host = urlsplit(data).netloc
            # A path without a host can only mean this host; the scheme is not compared, since
            # behind a TLS proxy the API may see http while clients use https.
            if host and host.lower() != request.get_host().lower():
                self.fail("other_host", host=host)
        return super().to_internal_value(data)


class EnrolByLinkSerializer(serializers.HyperlinkedModelSerializer):
    """Enrol one student, sent as the link to the student; the course comes from the URL."""

    url = serializers.HyperlinkedIdentityField(view_name="l13:enrolment-detail")
    student = SameHostHyperlinkedRelatedField(
        view_name="l13:student-detail", queryset=Student.objects.all()
    )
    course = serializers.HyperlinkedRelatedField(
        view_name="l13:course-detail", lookup_field="code", read_only=True
    )

    class Meta:
        model = Enrolment
        fields = ["url", "student", "course", "grade"]
        read_only_fields = ["grade"]


# ------------------------------------------------------------------ the viewsets (given)


class EnrolmentViewSet(viewsets.ModelViewSet):
    """The enrolments in your courses: list, create, read, change and delete them."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]  # who takes which course is not public
    queryset = Enrolment.objects.select_related("student", "course")
    serializer_class = EnrolmentSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return super().get_queryset().filter(course__owner=self.request.user)

    def _check_course(self, serializer):
        course = serializer.validated_data.get("course")
        if course is not None and course.owner_id != self.request.user.pk:
            raise PermissionDenied("You can only enrol students in your own courses.")

    def perform_create(self, serializer):
        self._check_course(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self._check_course(serializer)
        serializer.save()


class CourseViewSet(viewsets.ModelViewSet):
    """Courses with links: anyone reads them, a logged-in user creates courses they own, and
    only the owner changes one, deletes one or enrols students in it.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    # prefetch_related: the `students` links of a whole page come from one more query.
    queryset = Course.objects.select_related("owner").prefetch_related("students")
    serializer_class = CourseSerializer
    lookup_field = "code"

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    @extend_schema(
        responses={
            201: EnrolByLinkSerializer,
            400: OpenApiResponse(description="A bad link, or a student already enrolled."),
            401: OpenApiResponse(description="No login."),
            403: OpenApiResponse(description="Not your course."),
            404: OpenApiResponse(description="No course has this code."),
        }
    )
    @action(detail=True, methods=["post"], serializer_class=EnrolByLinkSerializer)
    def enrol(self, request, code=None):
        """Enrol the student whose link the body sends in this course; answers the enrolment."""
        course = self.get_object()  # 404 for an unknown code, 403 unless the course is yours
        # get_serializer() puts the request in the context: the links need its host.
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():  # the unique constraint decides, even between two requests
                enrolment = serializer.save(course=course)
        except IntegrityError:
            raise ValidationError(
                {"student": ["This student is already enrolled in this course."]}
            ) from None
        # reverse() with the request gives an absolute URL, as the links in the body are.
        location = reverse("l13:enrolment-detail", kwargs={"pk": enrolment.pk}, request=request)
        return Response(
            serializer.data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )
