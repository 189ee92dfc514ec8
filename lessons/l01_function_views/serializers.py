"""Serializers for lesson 01, given ready-made: lessons 02 and 03 take them apart.

A serializer turns a model instance into JSON-ready data and checks incoming data before it
becomes a model instance. Here it is enough to know three calls:
`Serializer(instance).data`, `Serializer(data=...).is_valid()` and `.save()`.
"""

from rest_framework import serializers

from playground_project.domain.models import Course, Student


class StudentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Student
        fields = ["id", "name", "email", "year", "created_at"]
        read_only_fields = ["created_at"]


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits"]
