"""Fixtures shared by the graded lesson tests: rows of the shared domain, made on demand."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from course.testing import basic_auth
from playground_project.domain.models import Course, Enrolment, Student

_numbers = itertools.count(1)

PASSWORD = "correct-horse-battery-9"  # every user made by make_user has it, unless told otherwise


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles count requests in the cache: every test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user():
    """Create a user with PASSWORD (or `password=`); `is_staff=True` for an admin."""

    def make(username=None, *, password=PASSWORD, **fields):
        n = next(_numbers)
        username = username or f"user{n}"
        fields.setdefault("email", f"{username}@example.com")
        return get_user_model().objects.create_user(username, password=password, **fields)

    return make


@pytest.fixture
def login(make_user):
    """`login()` or `login("alice")`: a new user, and the headers that log it in by HTTP Basic."""

    def make(username=None, **fields):
        user = make_user(username, **fields)
        return user, basic_auth(user.username, PASSWORD)

    return make


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
