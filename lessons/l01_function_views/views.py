"""The worked example: students served by two function views.

Read this file next to the README. The exercises (exercise.py) ask for the same kind of
views for courses.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse

from playground_project.domain.models import Student
from playground_project.openapi import LINKS

from .serializers import StudentSerializer


# extend_schema tells the OpenAPI docs (/docs/01/) what a function view reads and answers:
# DRF cannot see inside the function. See the README, "The OpenAPI docs".
@extend_schema(responses=LINKS)
@api_view(["GET"])
def api_root(request):
    """The lesson's entry point: links to its collections, as the browsable API shows them."""
    return Response(
        {
            "students": reverse("l01:student-list", request=request),
            "courses": reverse("l01:course-list", request=request),
        }
    )


@extend_schema(
    methods=["GET"],
    parameters=[OpenApiParameter("search", str, description="Part of the name, any case.")],
    responses=StudentSerializer(many=True),
)
@extend_schema(methods=["POST"], request=StudentSerializer, responses={201: StudentSerializer})
@api_view(["GET", "POST"])
def student_list(request):
    """GET: every student, optionally filtered by `?search=` on the name. POST: a new student."""
    if request.method == "GET":
        students = Student.objects.all()
        search = request.query_params.get("search")  # query parameters arrive as strings
        if search:
            students = students.filter(name__icontains=search)
        serializer = StudentSerializer(students, many=True)
        return Response(serializer.data)

    # POST: request.data is the parsed body, whatever the content type (JSON, form, multipart).
    serializer = StudentSerializer(data=request.data)
    if serializer.is_valid():
        serializer.save()
        return Response(serializer.data, status=status.HTTP_201_CREATED)
    return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(request=StudentSerializer, responses=StudentSerializer)  # DELETE: 204
@api_view(["GET", "PUT", "PATCH", "DELETE"])
def student_detail(request, pk):
    """One student: read it, replace it (PUT), change some fields (PATCH) or delete it."""
    student = get_object_or_404(Student, pk=pk)  # a missing student is 404, not a crash

    if request.method == "GET":
        return Response(StudentSerializer(student).data)

    if request.method in ("PUT", "PATCH"):
        # PUT replaces the whole resource, so every required field must be sent;
        # PATCH changes only the fields sent, which the serializer allows with partial=True.
        serializer = StudentSerializer(
            student, data=request.data, partial=request.method == "PATCH"
        )
        if serializer.is_valid():
            serializer.save()
            return Response(serializer.data)
        return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)

    # DELETE: nothing left to show, so 204 No Content and an empty body.
    student.delete()
    return Response(status=status.HTTP_204_NO_CONTENT)
