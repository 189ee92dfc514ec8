"""The worked example: function views over the nested serializers, one query per table.

Read this file next to serializers.py and the README. The views stay as thin as in lesson 02;
what is new is the queryset each list is built from.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse

from playground_project.domain.models import Enrolment, Student
from playground_project.openapi import LINKS

from .serializers import EnrolmentOverviewSerializer, StudentRecordSerializer


def students_with_enrolments():
    """Every student, with their enrolments and those enrolments' courses fetched along.

    Three queries in all, however many students: the students, then all their enrolments,
    then all those courses. Without prefetch_related, StudentRecordSerializer would run two
    queries per student (their enrolments, then each enrolment's course): the N+1 problem.
    """
    return Student.objects.prefetch_related("enrolments__course")


@extend_schema(responses=LINKS)
@api_view(["GET"])
def api_root(request):
    """The lesson's entry point: links to the worked example and to the exercise endpoints."""
    links = {
        "students": "l03:student-list",
        "enrolments": "l03:enrolment-list",
        "courses": "l03:course-list",
        "rosters": "l03:roster-list",
    }
    return Response({name: reverse(url, request=request) for name, url in links.items()})


@extend_schema(methods=["GET"], responses=StudentRecordSerializer(many=True))
@extend_schema(
    methods=["POST"], request=StudentRecordSerializer, responses={201: StudentRecordSerializer}
)
@api_view(["GET", "POST"])
def student_list(request):
    """GET: every student with their enrolments. POST: a student, enrolments included."""
    if request.method == "GET":
        students = students_with_enrolments()
        return Response(StudentRecordSerializer(students, many=True).data)
    serializer = StudentRecordSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=StudentRecordSerializer, responses=StudentRecordSerializer)
@api_view(["GET", "PUT", "PATCH"])
def student_detail(request, pk):
    """One student with their enrolments: read it, replace it (PUT) or change it (PATCH)."""
    student = get_object_or_404(students_with_enrolments(), pk=pk)
    if request.method == "GET":
        return Response(StudentRecordSerializer(student).data)
    serializer = StudentRecordSerializer(
        student, data=request.data, partial=request.method == "PATCH"
    )
    serializer.is_valid(raise_exception=True)
    serializer.save()
    # update() may have changed the enrolments, so those prefetched above are stale: read the
    # student again rather than answer with the old list.
    return Response(StudentRecordSerializer(students_with_enrolments().get(pk=pk)).data)


@extend_schema(responses=EnrolmentOverviewSerializer(many=True))
@api_view(["GET"])
def enrolment_list(request):
    """GET: every enrolment, nested with `depth = 1`: compare it with /students/."""
    # depth nests the student and the course, and the student's courses (a many-to-many):
    # fetch all three along, or each row costs three more queries.
    enrolments = Enrolment.objects.select_related("student", "course").prefetch_related(
        "student__courses"
    )
    return Response(EnrolmentOverviewSerializer(enrolments, many=True).data)
