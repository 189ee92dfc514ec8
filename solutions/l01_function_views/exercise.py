"""Lesson 01 exercises: function views for courses (reference solution)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from playground_project.domain.models import Course
from playground_project.openapi import VALIDATION_ERRORS

from .serializers import CourseSerializer, StudentSerializer


# @api_view wraps the function in an APIView: Request/Response, parsers, renderers, and 405
# with a `detail` message for any method not listed.
@extend_schema(methods=["GET"], responses=CourseSerializer(many=True))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
@api_view(["GET", "POST"])
def course_list(request):
    """GET: every course. POST: create a course from the JSON body."""
    if request.method == "GET":
        return Response(CourseSerializer(Course.objects.all(), many=True).data)
    # request.data (not request.body) so DRF parses the body: bad JSON is a 400, an
    # unsupported content type a 415.
    serializer = CourseSerializer(data=request.data)
    if serializer.is_valid():
        serializer.save()
        # 201 Created: a new resource now exists.
        return Response(serializer.data, status=status.HTTP_201_CREATED)
    return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(request=CourseSerializer, responses=CourseSerializer)
@api_view(["GET", "PUT", "PATCH", "DELETE"])
def course_detail(request, pk):
    """One course: read, replace (PUT), partly change (PATCH) or delete it."""
    course = get_object_or_404(Course, pk=pk)  # Http404 becomes {"detail": ...} with 404
    if request.method == "GET":
        return Response(CourseSerializer(course).data)
    if request.method in ("PUT", "PATCH"):
        # Only PATCH may leave fields out: partial=True skips "required" for missing fields.
        serializer = CourseSerializer(course, data=request.data, partial=request.method == "PATCH")
        if serializer.is_valid():
            serializer.save()
            return Response(serializer.data)
        return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
    course.delete()
    return Response(status=status.HTTP_204_NO_CONTENT)  # deleted: nothing to send back


@extend_schema(
    parameters=[OpenApiParameter("year", int, description="Only the students in this year.")],
    # The view answers 400 itself when ?year= is not a whole number: say so.
    responses={200: StudentSerializer(many=True), 400: VALIDATION_ERRORS},
)
@api_view(["GET"])
def course_students(request, pk):
    """The students enrolled in one course, optionally only those in `?year=N`."""
    course = get_object_or_404(Course, pk=pk)
    students = course.students.order_by("name")
    year = request.query_params.get("year")
    if year is not None:
        # Query parameters are strings chosen by the client: validate before filtering,
        # or a bad value crashes the query with a 500.
        try:
            year = int(year)
        except ValueError:
            return Response(
                {"year": ["Must be a whole number."]}, status=status.HTTP_400_BAD_REQUEST
            )
        students = students.filter(year=year)
    return Response(StudentSerializer(students, many=True).data)
