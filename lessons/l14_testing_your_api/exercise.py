"""Lesson 14 exercises: tests for the courses API in api.py, graded by mutation.

This is the only file of the lesson you edit. Each TODO(En) marks a test exercise En asks
for; the README section "En." says what your tests must pin down. Your tests are graded
against the reference api.py (they must pass) and against known-wrong copies of it (each
must make at least one of your tests fail). Name each test test_eN_<what> after its exercise.

Run your tests yourself:  .venv/bin/pytest lessons/l14_testing_your_api/exercise.py
Check your work:          make check L=14      (or: python -m course check 14)
Ask for a hint:           make hint L=14 E=E1  (or: python -m course hint 14 E1)
"""

import re  # noqa: F401  (you will need these)
from datetime import timedelta  # noqa: F401

import pytest
import time_machine  # noqa: F401
from django.contrib.auth import get_user_model
from django.core import mail  # noqa: F401
from django.urls import reverse
from django.utils import timezone  # noqa: F401
from rest_framework import status  # noqa: F401
from rest_framework.authtoken.models import Token  # noqa: F401
from rest_framework.test import APIClient  # noqa: F401

from playground_project.domain.models import Course, Enrolment  # noqa: F401

PASSWORD = "correct-horse-battery-9"

pytestmark = pytest.mark.django_db  # every test gets a database, rolled back after it


# ---------------------------------------------------------------- fixtures: fresh per test


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob():
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)


def course_url(code):
    return reverse("l14:course-detail", kwargs={"code": code})


LIST_URL = reverse("l14:course-list")
NEW_COURSE = {"code": "API300", "title": "Testing APIs", "credits": 4}


def todo(exercise_id):
    pytest.fail(
        f"TODO({exercise_id}): this test is not written yet. See "
        f'lessons/l14_testing_your_api/README.md, section "{exercise_id}."',
        pytrace=False,
    )


# ---------------------------------------------------------------- E1: the body and the database


# TODO(E1): POST a new course as alice (with her token): 201, the course in the body, owned
# by alice, and the row in the database.
def test_e1_create_answers_201_with_the_course_and_saves_it(alice):
    todo("E1")


# TODO(E1): alice's list holds her courses, in code order, and not bob's.
def test_e1_list_shows_only_your_courses(alice, bob):
    todo("E1")


# TODO(E1): bob's course, which exists, is a 404 for alice (a code nobody has proves nothing).
def test_e1_someone_elses_course_is_a_404(alice, bob):
    todo("E1")


# TODO(E1): the list of three of alice's courses costs one query (django_assert_num_queries).
def test_e1_list_makes_one_query_however_many_courses(alice):
    todo("E1")


# ---------------------------------------------------------------- E2: authentication and CSRF


# TODO(E2): a request without credentials answers 401 and says which scheme to use.
def test_e2_anonymous_request_answers_401_and_asks_for_a_token():
    todo("E2")


# TODO(E2): a request with alice's real token (credentials(), not force_authenticate) works.
def test_e2_a_real_token_is_accepted(alice):
    todo("E2")


# TODO(E2): a logged-in session POST without a CSRF token answers 403 and saves nothing.
def test_e2_session_write_without_csrf_token_is_refused(alice):
    todo("E2")


# ---------------------------------------------------------------- E3: mail and time


# TODO(E3): inviting emails the invited address, with the token in the body.
def test_e3_invite_emails_the_invited_student(alice):
    todo("E3")


# TODO(E3): late in its 7 days (time-machine), the emailed token still enrols the student.
def test_e3_the_emailed_token_enrols_within_its_lifetime(alice):
    todo("E3")


# TODO(E3): just past its 7 days (time-machine), the emailed token no longer enrols anyone.
def test_e3_the_token_expires_after_seven_days(alice):
    todo("E3")
