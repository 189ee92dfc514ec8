"""The worked example: a student serializer written by hand, field by field.

Lesson 01 used a ModelSerializer that wrote all of this for you. Here nothing is generated:
every field, rule and save is spelled out, so that you can see what a serializer does.
Lesson 03 rebuilds the same serializer as a ModelSerializer in a few lines.
"""

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from playground_project.domain.models import Student


class StudentSerializer(serializers.Serializer):
    """A student: turns a Student into JSON-ready data, and checks and saves incoming data."""

    # read_only: written into responses, never read from requests. The database sets it.
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)  # required: no default, so it must be sent
    email = serializers.EmailField(
        max_length=254,
        # Field validators run on the value as received, before validate_email() below:
        # "iexact" makes ADA@example.com clash with ada@example.com as well.
        validators=[
            UniqueValidator(
                queryset=Student.objects.all(),
                lookup="iexact",
                message="A student with this email already exists.",
            )
        ],
    )
    # Optional: left out of a POST, the model's default (1) applies; left out of a PUT or a
    # PATCH, the stored year stays.
    year = serializers.IntegerField(min_value=1, max_value=6, required=False)
    created_at = serializers.DateTimeField(read_only=True)  # set by the model on creation

    def validate_email(self, value):
        """Field-level: runs once `email` alone is valid; what it returns is what gets saved."""
        return value.lower()  # one spelling per address, so lookups and uniqueness agree

    def validate(self, attrs):
        """Object-level: runs after every field is valid, and can see all of them.

        A student moves up a year only once every course they took has a grade. The rule
        needs the stored student as well as the data sent: `self.instance` is the student
        being updated (None on create). Under PATCH, `attrs` holds only the fields sent.
        """
        new_year = attrs.get("year")  # absent from a PATCH that does not change the year
        student = self.instance
        if student is not None and new_year is not None and new_year > student.year:
            ungraded = list(
                student.enrolments.filter(grade="").values_list("course__code", flat=True)
            )
            if ungraded:
                # A plain message is about the whole object: DRF files it under non_field_errors.
                raise serializers.ValidationError(
                    f"{student.name} cannot move up a year while these courses have no grade: "
                    f"{', '.join(ungraded)}."
                )
        return attrs

    def create(self, validated_data):
        """serializer.save() calls this when the serializer was built without an instance."""
        return Student.objects.create(**validated_data)

    def update(self, instance, validated_data):
        """serializer.save() calls this when the serializer was built with an instance."""
        # Only the fields present: under PATCH, validated_data holds just the ones sent.
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.save()
        return instance  # save() hands this back to the view, and .data serializes it
