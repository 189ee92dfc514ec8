"""Serializers for lesson 08, given ready-made: the lesson is about who is calling, not the data.

`owner` is read-only in both: the views set it from `request.user` when they save, so a
client can never claim that someone else owns what it creates.
"""

from rest_framework import serializers

from playground_project.domain.models import Course, Student


class StudentSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "name", "email", "year", "owner"]


class CourseSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "owner"]
