"""Serializers for lesson 04, given ready-made: the lesson is about the views around them.

`owner` is read-only in both: the view sets it from `request.user` when it saves, so a client
can never claim that someone else owns what it creates.
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
    """The body of an enrolment is `{"student": <id>}`; the course comes from the URL."""

    class Meta:
        model = Enrolment
        fields = ["id", "student", "course", "enrolled_on"]
        # Set by the view (`save(course=course)`) and by the database, never by the client.
        read_only_fields = ["course", "enrolled_on"]
