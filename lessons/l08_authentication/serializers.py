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


# What the views below answer, for the OpenAPI docs: they serialize nothing.


class WhoSerializer(serializers.Serializer):
    """Me's answer: who is calling, and how they were recognised."""

    username = serializers.CharField()
    authenticated_by = serializers.CharField()  # the authentication class's name
    auth = serializers.CharField(allow_null=True)  # the type of request.auth, or null


class TokenStateSerializer(serializers.Serializer):
    """GET my-token/: whether the caller has a token, never its key."""

    has_token = serializers.BooleanField()
    created = serializers.DateTimeField(allow_null=True)


class NewTokenSerializer(serializers.Serializer):
    """POST my-token/: the new key, shown once."""

    token = serializers.CharField()
    created = serializers.DateTimeField()
