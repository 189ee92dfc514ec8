"""The worked example: lesson 02's StudentSerializer rebuilt as a ModelSerializer, then nested.

- StudentSerializer: the same fields, rules and messages as lesson 02's, in a third of the code.
- EnrolmentSerializer and StudentRecordSerializer: a student with their enrolments inside,
  read and written in one request.
- EnrolmentOverviewSerializer: what `depth` does, and why explicit nesting is usually better.
"""

from django.db import transaction
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from playground_project.domain.models import Enrolment, Student


class StudentSerializer(serializers.ModelSerializer):
    """A student, with the fields, validators, create() and update() generated from the model."""

    class Meta:
        model = Student
        # Always list the fields: "__all__" would publish every column added to the model later.
        fields = ["id", "name", "email", "year", "created_at"]
        read_only_fields = ["created_at"]  # id is read-only already: it is the primary key
        # Options for the generated fields. The generated UniqueValidator (from unique=True)
        # compares exactly; this one replaces it, to ignore case as lesson 02's did.
        extra_kwargs = {
            "email": {
                "validators": [
                    UniqueValidator(
                        queryset=Student.objects.all(),
                        lookup="iexact",
                        message="A student with this email already exists.",
                    )
                ]
            }
        }

    # validate_<field>() and validate() work exactly as in a plain Serializer.
    def validate_email(self, value):
        return value.lower()  # one spelling per address

    def validate(self, attrs):
        """A student moves up a year only once every course they took has a grade."""
        new_year = attrs.get("year")  # absent from a PATCH that does not change the year
        student = self.instance
        if student is not None and new_year is not None and new_year > student.year:
            ungraded = list(
                student.enrolments.filter(grade="").values_list("course__code", flat=True)
            )
            if ungraded:
                raise serializers.ValidationError(
                    f"{student.name} cannot move up a year while these courses have no grade: "
                    f"{', '.join(ungraded)}."
                )
        return attrs


class EnrolmentSerializer(serializers.ModelSerializer):
    """One enrolment, seen from its student: the course by id (to write) and by code (to read)."""

    # A declared field: `source` follows the relation. It reads enrolment.course.code, which
    # costs a query per enrolment unless the view fetched the courses along (see views.py).
    course_code = serializers.CharField(source="course.code", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["course", "course_code", "grade", "enrolled_on"]
        read_only_fields = ["grade", "enrolled_on"]  # graded by staff, dated by the model


class StudentRecordSerializer(StudentSerializer):
    """A student with their enrolments nested inside: read, created and replaced together."""

    # A serializer used as a field: a list of enrolments, each shaped by EnrolmentSerializer.
    # Writable, so a client can send [{"course": 1}, ...]; ModelSerializer cannot save that
    # by itself, hence create() and update() below.
    enrolments = EnrolmentSerializer(many=True, required=False)
    # A read-only value computed by get_total_credits().
    total_credits = serializers.SerializerMethodField()

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "enrolments", "total_credits"]

    def get_total_credits(self, student):
        # .all() reads the enrolments prefetched by the view: no query per student. A
        # .filter() or .aggregate() here would run one query for every student listed.
        return sum(enrolment.course.credits for enrolment in student.enrolments.all())

    def validate_enrolments(self, value):
        courses = [item["course"] for item in value]
        twice = sorted({course.code for course in courses if courses.count(course) > 1})
        if twice:
            # Caught here, a course listed twice is a 400; left to the database's unique
            # constraint, it would be an IntegrityError: a 500.
            raise serializers.ValidationError(
                f"Each course may be listed once: {', '.join(twice)}."
            )
        return value

    @transaction.atomic  # the student and their enrolments are saved together, or not at all
    def create(self, validated_data):
        enrolments = validated_data.pop("enrolments", [])
        student = super().create(validated_data)  # the flat fields: ModelSerializer's create()
        Enrolment.objects.bulk_create(
            Enrolment(student=student, course=item["course"]) for item in enrolments
        )
        return student

    @transaction.atomic
    def update(self, instance, validated_data):
        enrolments = validated_data.pop("enrolments", None)  # None: not sent, leave them be
        student = super().update(instance, validated_data)
        if enrolments is not None:
            # The list sent is the new list: courses left out are dropped, new ones added,
            # and the ones kept keep their grade.
            wanted = {item["course"].pk: item["course"] for item in enrolments}
            student.enrolments.exclude(course__in=wanted).delete()
            kept = set(student.enrolments.values_list("course_id", flat=True))
            Enrolment.objects.bulk_create(
                Enrolment(student=student, course=course)
                for pk, course in wanted.items()
                if pk not in kept
            )
        return student


class EnrolmentOverviewSerializer(serializers.ModelSerializer):
    """Every enrolment with its student and course nested by `depth`: quick, but it shows all."""

    class Meta:
        model = Enrolment
        fields = ["id", "student", "course", "grade", "enrolled_on"]
        # depth = 1 replaces each relation with a nested, read-only serializer of *every*
        # field of the related model: the student's owner and courses too.
        depth = 1
