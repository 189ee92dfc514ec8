"""Lesson 02 exercises: serializers written by hand (reference solution)."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from playground_project.domain.models import Course, Enrolment, Student
from playground_project.openapi import list_of

User = get_user_model()

CODE_FORMAT = re.compile(r"[A-Z]{2,8}[0-9]{3}")  # DRF101: 2 to 8 letters, then 3 digits
INTRODUCTORY_MAX_CREDITS = 10
GRADES = ["A", "B", "C", "D", "E", "F"]


def course_level(code):
    """The level of a course code: the first of its last three digits (DRF101 is level 1).

    None when the code does not end in three digits.
    """
    match = re.search(r"([0-9])[0-9]{2}$", code)
    return int(match[1]) if match else None


# ---------------------------------------------------------------------------------- E1


class CourseSerializer(serializers.Serializer):
    """A course, field by field: id, code, title and credits, with the catalogue's rules."""

    id = serializers.IntegerField(read_only=True)  # the database chooses it
    code = serializers.CharField(
        max_length=12,
        # iexact: validators see the code as sent, before validate_code() upper-cases it.
        validators=[
            UniqueValidator(
                queryset=Course.objects.all(),
                lookup="iexact",
                message="A course with this code already exists.",
            )
        ],
    )
    title = serializers.CharField(max_length=120)
    credits = serializers.IntegerField(min_value=1, max_value=30, default=5)  # the model's default

    def validate_code(self, value):
        code = value.upper()  # one spelling per code: what this returns is what is saved
        # isascii() on the code as sent: "ſ" (long s) upper-cases to "S", and "drſ101" would
        # pass the format as DRS101 and slip past the iexact UniqueValidator (ASCII-only case
        # folding on SQLite), to be refused by the database: a 500.
        if not value.isascii() or not CODE_FORMAT.fullmatch(code):
            raise serializers.ValidationError("Enter 2 to 8 letters and 3 digits, such as DRF101.")
        return code

    def validate(self, attrs):
        # The rule needs two fields. POST and PUT always carry both (code is required, credits
        # has a default); a PATCH carries only what it changes, so take the rest from the
        # stored course.
        code = attrs["code"] if "code" in attrs else self.instance.code
        credits = attrs["credits"] if "credits" in attrs else self.instance.credits
        if course_level(code) == 1 and credits > INTRODUCTORY_MAX_CREDITS:
            # A plain message: the error is about the pair, so it lands in non_field_errors.
            raise serializers.ValidationError(
                f"An introductory course (level 1, such as DRF101) carries at most "
                f"{INTRODUCTORY_MAX_CREDITS} credits."
            )
        return attrs

    def create(self, validated_data):
        return Course.objects.create(**validated_data)  # save() needs the new instance back

    def update(self, instance, validated_data):
        for field, value in validated_data.items():  # only the fields sent, under PATCH
            setattr(instance, field, value)
        instance.save()
        return instance


# ---------------------------------------------------------------------------------- E2


class EnrolmentSerializer(serializers.Serializer):
    """A student's enrolment in a course; the two are given, and shown, by id."""

    id = serializers.IntegerField(read_only=True)
    # A related object by primary key: an unknown id is a 400 under the field, not a crash.
    student = serializers.PrimaryKeyRelatedField(queryset=Student.objects.all())
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    grade = serializers.ChoiceField(choices=GRADES, allow_blank=True, required=False)
    enrolled_on = serializers.DateField(read_only=True)  # set by the model on creation

    def validate(self, attrs):
        # Under PATCH, attrs holds only the fields sent: the pair to check is the one the
        # enrolment will have once saved, so the missing half comes from the stored enrolment.
        enrolment = self.instance
        student = attrs["student"] if "student" in attrs else enrolment.student
        course = attrs["course"] if "course" in attrs else enrolment.course
        clashes = Enrolment.objects.filter(student=student, course=course)
        if enrolment is not None:
            clashes = clashes.exclude(pk=enrolment.pk)  # an enrolment never clashes with itself
        if clashes.exists():
            # Checked here, the clash is a 400 in non_field_errors; left to the database's
            # unique constraint, it would be an IntegrityError: a 500.
            raise serializers.ValidationError(f"{student} is already enrolled in {course.code}.")
        return attrs

    def create(self, validated_data):
        return Enrolment.objects.create(**validated_data)

    def update(self, instance, validated_data):
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.save()
        return instance


# ---------------------------------------------------------------------------------- E3


class RegistrationSerializer(serializers.Serializer):
    """A new account: username, email and password in; id, username and email out."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(
        max_length=150,
        validators=[
            UnicodeUsernameValidator(),  # the characters Django's User model accepts
            UniqueValidator(
                queryset=User.objects.all(),
                lookup="iexact",  # "Alice" must not pass for "alice"
                message="This username is taken.",
            ),
        ],
    )
    email = serializers.EmailField()
    # write_only: read from the request, never written into a response. No trimming: spaces
    # are part of a password.
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        # Django's password validators also compare the password with the username and email,
        # so they need every field: an object-level check, not validate_password().
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs

    def create(self, validated_data):
        # create_user() hashes the password; objects.create() would store it as typed.
        return User.objects.create_user(**validated_data)


# ------------------------------------------------------- given: the views that use them
# Complete already: they are lesson 01's views, with the serializer doing all the work.


# list_of(X) documents a list as X(many=True) would, without building the serializer at
# import: a stub raises NotDone when it is built.
@extend_schema(methods=["GET"], responses=list_of(CourseSerializer))
@extend_schema(methods=["POST"], request=CourseSerializer, responses={201: CourseSerializer})
@api_view(["GET", "POST"])
def course_list(request):
    """GET: every course. POST: a new course, validated by CourseSerializer."""
    if request.method == "GET":
        return Response(CourseSerializer(Course.objects.all(), many=True).data)
    serializer = CourseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)  # invalid: 400 with serializer.errors
    serializer.save()  # no instance, so save() calls create()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=CourseSerializer, responses=CourseSerializer)
@api_view(["GET", "PUT", "PATCH"])
def course_detail(request, pk):
    """One course: read it, replace it (PUT) or change some of its fields (PATCH)."""
    course = get_object_or_404(Course, pk=pk)
    if request.method == "GET":
        return Response(CourseSerializer(course).data)
    serializer = CourseSerializer(course, data=request.data, partial=request.method == "PATCH")
    serializer.is_valid(raise_exception=True)
    serializer.save()  # an instance, so save() calls update()
    return Response(serializer.data)


@extend_schema(methods=["GET"], responses=list_of(EnrolmentSerializer))
@extend_schema(methods=["POST"], request=EnrolmentSerializer, responses={201: EnrolmentSerializer})
@api_view(["GET", "POST"])
def enrolment_list(request):
    """GET: every enrolment. POST: a new enrolment, validated by EnrolmentSerializer."""
    if request.method == "GET":
        return Response(EnrolmentSerializer(Enrolment.objects.all(), many=True).data)
    serializer = EnrolmentSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(request=EnrolmentSerializer, responses=EnrolmentSerializer)
@api_view(["GET", "PUT", "PATCH"])
def enrolment_detail(request, pk):
    """One enrolment: read it, replace it (PUT) or change some of its fields (PATCH)."""
    enrolment = get_object_or_404(Enrolment, pk=pk)
    if request.method == "GET":
        return Response(EnrolmentSerializer(enrolment).data)
    serializer = EnrolmentSerializer(
        enrolment, data=request.data, partial=request.method == "PATCH"
    )
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data)


@extend_schema(request=RegistrationSerializer, responses={201: RegistrationSerializer})
@api_view(["POST"])
def register(request):
    """POST: create an account. The answer shows the account, never its password."""
    serializer = RegistrationSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)
