"""Serializers for lesson 06, given ready-made: the lesson is about the views around them.

`owner` is read-only: the views set it from `request.user` when they save, so a client can
never claim that someone else owns what it creates.
"""

from rest_framework import serializers

from playground_project.domain.models import Course, Enrolment, Student


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


class EnrolmentSerializer(serializers.ModelSerializer):
    """`{"student": <id>, "course": "<code>"}`. Enrolling the same student twice in one course
    is a 400: ModelSerializer turns the model's unique constraint into a validator."""

    course = serializers.SlugRelatedField(slug_field="code", queryset=Course.objects.all())

    class Meta:
        model = Enrolment
        fields = ["id", "student", "course", "enrolled_on"]
        read_only_fields = ["enrolled_on"]
