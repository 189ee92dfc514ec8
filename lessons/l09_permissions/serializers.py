"""Serializers for lesson 09, given ready-made: the lesson is about who may use them.

`owner` is read-only: the views set it from `request.user`, so a client can never claim that
someone else owns what it creates.
"""

from rest_framework import serializers

from playground_project.domain.models import Course, Enrolment, Student


class CourseSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "owner"]


class StudentSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "name", "email", "year", "owner"]


class OwnStudentField(serializers.PrimaryKeyRelatedField):
    """A student named by id: any student for staff, only their own for other users."""

    def get_queryset(self):
        # Object permissions never run on create, and the body names the student: the ids a
        # caller may send are checked here. Anyone else's student then reads as an id that
        # does not exist, so the error does not even reveal that it is there.
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return Student.objects.none()
        if user.is_staff:
            return Student.objects.all()
        return Student.objects.filter(owner=user)


class EnrolmentSerializer(serializers.ModelSerializer):
    """`{"student": <id>, "course": <id>}`: only a student the caller owns, unless staff."""

    student = OwnStudentField()

    class Meta:
        model = Enrolment
        fields = ["id", "student", "course", "enrolled_on"]
        read_only_fields = ["enrolled_on"]


class PermissionTableSerializer(serializers.Serializer):
    """What /permissions/ answers: for the OpenAPI docs, it serializes nothing."""

    caller = serializers.CharField(allow_null=True)
    is_staff = serializers.BooleanField()
    default = serializers.ListField(child=serializers.CharField())
    # {"IsAuthenticated": {"GET": true, "POST": false}, ...}
    verdicts = serializers.DictField(child=serializers.DictField(child=serializers.BooleanField()))
