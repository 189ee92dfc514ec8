"""Fixtures shared by the graded lesson tests: rows of the shared domain, made on demand."""

import itertools

import pytest

from playground_project.domain.models import Course, Enrolment, Student

_numbers = itertools.count(1)


@pytest.fixture
def make_course():
    """Create a course; every argument is optional."""

    def make(**fields):
        n = next(_numbers)
        fields.setdefault("code", f"C{n:03d}")
        fields.setdefault("title", f"Course {n}")
        return Course.objects.create(**fields)

    return make


@pytest.fixture
def make_student():
    """Create a student; every argument is optional."""

    def make(**fields):
        n = next(_numbers)
        fields.setdefault("name", f"Student {n}")
        fields.setdefault("email", f"student{n}@example.com")
        return Student.objects.create(**fields)

    return make


@pytest.fixture
def enrol():
    """Enrol students in a course."""

    def enrol(course, *students):
        for student in students:
            Enrolment.objects.create(student=student, course=course)

    return enrol
