"""Serializers for lesson 07, the same as lesson 05's: the lesson is about the views around them.

`owner` is read-only in both: the view stamps it from `request.user` when it saves (its
perform_create()), so a client can never claim that someone else owns what it creates.
"""

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
