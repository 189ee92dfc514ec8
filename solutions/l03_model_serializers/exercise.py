"""Lesson 03 exercises: ModelSerializer, a nested roster and an N+1-free queryset (reference solution)."""

import re

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from playground_project.domain.models import Course, Enrolment
from playground_project.openapi import list_of


def course_level(code):
    """The level of a course code: the first of its last three digits (DRF101 is level 1).

    None when the code does not end in three digits.
    """
    match = re.search(r"([0-9])[0-9]{2}$", code)
    return int(match[1]) if match else None


# ---------------------------------------------------------------------------------- E1


class CourseSerializer(serializers.ModelSerializer):
    """A course: the model's fields, its computed level, and an owner clients cannot set."""

    level = serializers.SerializerMethodField()  # read-only, computed by get_level()

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "level", "owner"]
        # The server decides who owns a course (lesson 09): a client must not be able to say.
        read_only_fields = ["owner"]
        # Replace the generated UniqueValidator (exact) with one that ignores case: validators
        # run before validate_code() upper-cases, so "drf101" must clash with DRF101 here.
        extra_kwargs = {
            "code": {
                "validators": [
                    UniqueValidator(
                        queryset=Course.objects.all(),
                        lookup="iexact",
                        message="A course with this code already exists.",
                    )
                ]
            }
        }

    def get_level(self, course):
        return course_level(course.code)  # from the object in hand: no query

    def validate_code(self, value):
        code = value.upper()  # one spelling per code
        # SQLite's iexact folds ASCII letters only: "é" passes it when "É" is taken, and the
        # database would refuse the save (a 500). Check the spelling that will be saved. Test
        # the code as sent: "ſ" (long s) is not ASCII, but upper-cases to "S".
        if not value.isascii():
            clash = Course.objects.filter(code=code).exclude(pk=getattr(self.instance, "pk", None))
            if clash.exists():
                raise serializers.ValidationError("A course with this code already exists.")
        return code


# ---------------------------------------------------------------------------------- E2


class RosterEntrySerializer(serializers.ModelSerializer):
    """One enrolment as a course's roster shows it: the student's id and name, and the grade."""

    # source follows the relation; rosters() fetches the students along, so no query per row.
    name = serializers.CharField(source="student.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["student", "name", "grade"]
        read_only_fields = ["grade"]  # a course just created has no grades to send


class RosterSerializer(serializers.ModelSerializer):
    """A course with its enrolled students nested inside: its roster."""

    # Nested and writable (E3): a POST may send [{"student": 3}, ...] with the course.
    enrolments = RosterEntrySerializer(many=True, required=False)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "enrolments"]

    # ------------------------------------------------------------------------------ E3

    def validate_enrolments(self, value):
        # Caught here, a student listed twice is a 400; left to the database's unique
        # constraint, it would be an IntegrityError: a 500.
        students = [item["student"] for item in value]
        twice = sorted({s.name for s in students if students.count(s) > 1})
        if twice:
            raise serializers.ValidationError(
                f"Each student may be listed once: {', '.join(twice)}."
            )
        return value

    @transaction.atomic  # the course and its enrolments are saved together, or not at all
    def create(self, validated_data):
        # ModelSerializer's create() refuses nested data, so take the enrolments out first.
        entries = validated_data.pop("enrolments", [])
        course = super().create(validated_data)
        Enrolment.objects.bulk_create(Enrolment(course=course, **entry) for entry in entries)
        return course


def rosters():
    """Every course with its enrolments and their students, in a fixed number of queries."""
    # One query for the courses, one for all their enrolments with the students joined in:
    # two, however many courses and students.
    return Course.objects.prefetch_related(
        Prefetch("enrolments", queryset=Enrolment.objects.select_related("student"))
    )


# ------------------------------------------------------- given: the views that use them
# Complete already: they call your serializers and your rosters() queryset.


# list_of(X) documents a list as X(many=True) would, without building the serializer at
# import: a stub raises NotDone when it is built.
@extend_schema(methods=["GET"], responses=list_of(CourseSerializer))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
@api_view(["GET", "POST"])
def course_list(request):
    """GET: every course. POST: a new course, validated by CourseSerializer."""
    if request.method == "GET":
        return Response(CourseSerializer(Course.objects.all(), many=True).data)
    serializer = CourseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=CourseSerializer, responses=CourseSerializer)
@api_view(["GET", "PUT", "PATCH"])
def course_detail(request, pk):
    """One course: read it, replace it (PUT) or change some of its fields (PATCH)."""
    course = get_object_or_404(Course, pk=pk)
    if request.method == "GET":
        return Response(CourseSerializer(course).data)
    serializer = CourseSerializer(course, data=request.data, partial=request.method == "PATCH")
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data)


@extend_schema(methods=["GET"], responses=list_of(RosterSerializer))
@extend_schema(methods=["POST"], request=RosterSerializer, responses={201: RosterSerializer})
@api_view(["GET", "POST"])
def roster_list(request):
    """GET: every course's roster. POST: a new course with its first enrolments."""
    if request.method == "GET":
        return Response(RosterSerializer(rosters(), many=True).data)
    serializer = RosterSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=RosterSerializer, responses=RosterSerializer)
@api_view(["GET"])
def roster_detail(request, pk):
    """GET: one course's roster."""
    course = get_object_or_404(rosters(), pk=pk)
    return Response(RosterSerializer(course).data)
