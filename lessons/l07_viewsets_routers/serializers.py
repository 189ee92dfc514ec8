"""Serializers for lesson 07, the same as lesson 05's: the lesson is about the views around them.

`owner` is read-only in both: the view stamps it from `request.user` when it saves (its
perform_create()), so a client can never claim that someone else owns what it creates.
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from playground_project.domain.models import Course, Student


class StudentSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "name", "email", "year", "owner", "created_at"]
        read_only_fields = ["created_at"]


class CourseSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "owner"]


# A list() action documents a list; this one answers a single object of counts.
@extend_schema_serializer(many=False)
class StatsSerializer(serializers.Serializer):
    """What stats/ answers: for the OpenAPI docs, it serializes nothing."""

    students = serializers.IntegerField()
    courses = serializers.IntegerField()
    enrolments = serializers.IntegerField()
