"""Serializers for lesson 15's courses and enrolments (nothing new: lessons 03 and 05)."""

from rest_framework import serializers

from .models import Course, Enrolment


class CourseSerializer(serializers.ModelSerializer):
    """A course, with how many seats are still free."""

    seats_left = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = ["code", "title", "seats", "seats_left"]

    def get_seats_left(self, course) -> int:
        taken = getattr(course, "taken", None)  # annotated by the list view: no query per row
        if taken is None:
            taken = course.enrolments.count()
        return max(course.seats - taken, 0)


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment: the student's email in, the course code and the time out."""

    course = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["course", "email", "enrolled_at"]
        read_only_fields = ["enrolled_at"]


class ErrorSerializer(serializers.Serializer):
    """An error that is not about the fields sent: `{"detail": "..."}` (for the OpenAPI docs)."""

    detail = serializers.CharField()
