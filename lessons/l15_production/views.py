"""Lesson 15's views: the API root, the throttled catalogue, courses and enrolments.

Nothing here is new since lessons 05 and 11. What changes in production is around these
views: which cache the throttle counts in (exercise.py, E3), which database the queryset
reads (E1), and which process serves them (gunicorn, README "Serving it").
"""

from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from .models import Course
from .serializers import CourseSerializer, EnrolmentSerializer, ErrorSerializer


def courses_with_seats():
    """Every course with its enrolments counted in the same query (`taken`), by code."""
    return Course.objects.annotate(taken=Count("enrolments")).order_by("code")


class ApiRoot(APIView):
    """Where lesson 15's endpoints are."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, format=None):
        return Response(
            {
                "courses": reverse("l15:courses", request=request, format=format),
                "catalogue": reverse("l15:catalogue", request=request, format=format),
                "health": reverse("l15:health", request=request, format=format),
            }
        )


class CatalogueThrottle(AnonRateThrottle):
    """At most 4 catalogue reads a minute from one client address, counted in the default cache.

    DRF's throttles keep their counts in Django's default cache. Under gunicorn each worker
    is a process of its own: only a cache that lives outside them (the database, Redis,
    memcached) gives one count per client rather than one per worker.
    """

    scope = "l15-catalogue"
    rate = "4/minute"


class Catalogue(generics.ListAPIView):
    """The public catalogue, throttled per client address."""

    serializer_class = CourseSerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [CatalogueThrottle]
    pagination_class = None

    def get_queryset(self):
        return courses_with_seats()


class CourseList(generics.ListCreateAPIView):
    """List the courses, or add one (exercise.add_course saves it: E2)."""

    serializer_class = CourseSerializer
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        return courses_with_seats()

    def perform_create(self, serializer):
        # Imported when called: the course's checks swap exercise.py (your file, the reference,
        # a known mistake) and reload it, and a name bound when views.py was first imported
        # would keep calling the old one.
        from .exercise import add_course

        add_course(serializer)


class Enrol(generics.GenericAPIView):
    """Enrol an email address in a course: 201, or 409 when no seat is left (E2)."""

    serializer_class = EnrolmentSerializer
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={201: EnrolmentSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, code):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        from .exercise import take_seat  # when called: see CourseList.perform_create

        take_seat(code, serializer)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
