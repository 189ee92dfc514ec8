"""The worked example: function views that leave every decision about data to the serializer.

Read this file next to serializers.py and the README. The views are lesson 01's, with one
change: `is_valid(raise_exception=True)` replaces the `if`/`else` around the 400.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse

from playground_project.domain.models import Student
from playground_project.openapi import LINKS

from .serializers import StudentSerializer


@extend_schema(responses=LINKS)
@api_view(["GET"])
def api_root(request):
    """The lesson's entry point: links to the worked example and to the exercise endpoints."""
    links = {
        "students": "l02:student-list",
        "courses": "l02:course-list",
        "enrolments": "l02:enrolment-list",
        "accounts": "l02:register",
    }
    return Response({name: reverse(url, request=request) for name, url in links.items()})


@extend_schema(methods=["GET"], responses=StudentSerializer(many=True))
@extend_schema(methods=["POST"], request=StudentSerializer, responses={201: StudentSerializer})
@api_view(["GET", "POST"])
def student_list(request):
    """GET: every student. POST: a new student, validated by StudentSerializer."""
    if request.method == "GET":
        # An instance (here a queryset, with many=True) and no data: the serializer only reads.
        return Response(StudentSerializer(Student.objects.all(), many=True).data)

    # data= and no instance: is_valid() checks the data, save() calls create().
    serializer = StudentSerializer(data=request.data)
    # Invalid data raises ValidationError, which DRF answers with 400 and serializer.errors.
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=StudentSerializer, responses=StudentSerializer)
@api_view(["GET", "PUT", "PATCH"])
def student_detail(request, pk):
    """One student: read it, replace it (PUT) or change some of its fields (PATCH)."""
    student = get_object_or_404(Student, pk=pk)
    if request.method == "GET":
        return Response(StudentSerializer(student).data)

    # An instance and data: save() calls update(). partial=True lets PATCH leave fields out.
    serializer = StudentSerializer(student, data=request.data, partial=request.method == "PATCH")
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data)
