"""Serializers for lesson 12, given ready-made: the lesson is about the lists around them.

None of them shows an email address or a grade: the lists are for many readers, and what a
serializer leaves out must not come back through a search or an ordering either (E2).
"""

from rest_framework import serializers

from playground_project.domain.models import Course, Enrolment, Student


class StudentSerializer(serializers.ModelSerializer):
    """A student in the worked example's public lists: no email, no owner."""

    # The codes of the student's courses: the view prefetches them, or each row costs a query.
    courses = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Student
        fields = ["id", "name", "year", "courses", "created_at"]


class CatalogueSerializer(serializers.ModelSerializer):
    """A course of the catalogue (E1), with how many students it has."""

    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Not a model field: the view's queryset annotates it, Count("enrolments"), in the same query.
    student_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "owner", "student_count"]


class RosterSerializer(serializers.ModelSerializer):
    """An enrolment in the roster (E2) and the recent feed (E3): who takes what, never the grade."""

    student = serializers.CharField(source="student.name", read_only=True)
    year = serializers.IntegerField(source="student.year", read_only=True)
    course = serializers.CharField(source="course.code", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "student", "year", "course", "enrolled_on"]
