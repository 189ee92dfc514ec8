"""Lesson 03 exercises: ModelSerializer, a nested roster and an N+1-free queryset.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what is expected. Until you replace a stub, the
endpoints that use it answer 501 Not Implemented. The views at the bottom of the file are
given: they call your serializers and your rosters(), and you do not need to change them.

Check your work:  make check L=03      (or: python -m course check 03)
Ask for a hint:   make hint L=03 E=E1  (or: python -m course hint 03 E1)
"""

import re

from django.db import transaction  # noqa: F401  (you will need these)
from django.db.models import Prefetch  # noqa: F401
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator  # noqa: F401

from course.stubs import NotDone
from playground_project.domain.models import Course, Enrolment  # noqa: F401
from playground_project.openapi import list_of


def course_level(code):
    """The level of a course code: the first of its last three digits (DRF101 is level 1).

    None when the code does not end in three digits.
    """
    match = re.search(r"([0-9])[0-9]{2}$", code)
    return int(match[1]) if match else None


# A stub class's __init__ raises NotDone, so that every endpoint using it answers 501.
# Delete that __init__ when you write the class.

# ---------------------------------------------------------------------------------- E1


class CourseSerializer(serializers.ModelSerializer):
    """A course: the model's fields, its computed level, and an owner clients cannot set."""

    # TODO(E1): a ModelSerializer for Course with the fields id, code, title, credits, level
    # and owner: level computed by get_level(), owner read-only, code saved in upper case and
    # unique whatever its case. The README's section E1 lists every rule.
    def __init__(self, *args, **kwargs):
        raise NotDone("E1")


# ---------------------------------------------------------------------------------- E2


class RosterEntrySerializer(serializers.ModelSerializer):
    """One enrolment as a course's roster shows it: the student's id and name, and the grade."""

    # TODO(E2): a ModelSerializer for Enrolment with the fields student, name (the student's
    # name) and grade (read-only).
    def __init__(self, *args, **kwargs):
        raise NotDone("E2")


class RosterSerializer(serializers.ModelSerializer):
    """A course with its enrolled students nested inside: its roster."""

    # TODO(E2): a ModelSerializer for Course with the fields id, code, title, credits and
    # enrolments, the enrolments shaped by RosterEntrySerializer.
    def __init__(self, *args, **kwargs):
        raise NotDone("E2")

    # TODO(E3): make `enrolments` writable and optional, refuse a student listed twice, and
    # write create(): the course and its enrolments, saved together.
    def create(self, validated_data):
        raise NotDone("E3")


def rosters():
    """Every course with its enrolments and their students, in a fixed number of queries."""
    # TODO(E2): return a queryset of every course that RosterSerializer can serialize without
    # a query per course or per student.
    raise NotDone("E2")


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
