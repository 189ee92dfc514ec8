"""Lesson 14 exercises: tests for the courses API in api.py, graded by mutation.

This is the only file of the lesson you edit. Each TODO(En) marks a test exercise En asks
for; the README section "En." says what your tests must pin down. Your tests are graded
against the reference api.py (they must pass) and against known-wrong copies of it (each
must make at least one of your tests fail). Name each test test_eN_<what> after its exercise.

Run your tests yourself:  .venv/bin/pytest lessons/l14_testing_your_api/exercise.py
Check your work:          make check L=14      (or: python -m course check 14)
Ask for a hint:           make hint L=14 E=E1  (or: python -m course hint 14 E1)
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from playground_project.domain.models import Course, Enrolment

PASSWORD = "correct-horse-battery-9"

pytestmark = pytest.mark.django_db  # every test gets a database, rolled back after it


# ---------------------------------------------------------------- fixtures: fresh per test


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob():
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def as_alice(alice):
    """A client that sends alice's token, as a script would: the real authentication runs."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    return client


def course_url(code):
    return reverse("l14:course-detail", kwargs={"code": code})


LIST_URL = reverse("l14:course-list")
NEW_COURSE = {"code": "API300", "title": "Testing APIs", "credits": 4}


# ---------------------------------------------------------------- E1: the body and the database


def test_e1_create_answers_201_with_the_course_and_saves_it(as_alice, alice):
    # Answer 201 and the course, owned by the caller, in the body and in the database.
    reply = as_alice.post(LIST_URL, NEW_COURSE, format="json")
    assert reply.status_code == status.HTTP_201_CREATED, reply.data
    assert reply.data == {**NEW_COURSE, "owner": "alice"}
    saved = Course.objects.get(code="API300")  # the response alone proves nothing was saved
    assert (saved.title, saved.credits, saved.owner) == ("Testing APIs", 4, alice)


def test_e1_list_shows_only_your_courses(as_alice, alice, bob):
    Course.objects.create(code="B1", title="Bob's", owner=bob)
    Course.objects.create(code="A2", title="Second", owner=alice)
    Course.objects.create(code="A1", title="First", owner=alice)
    reply = as_alice.get(LIST_URL)
    assert reply.status_code == status.HTTP_200_OK
    assert [course["code"] for course in reply.data] == ["A1", "A2"]


def test_e1_someone_elses_course_is_a_404(as_alice, bob):
    # Bob's course exists: a 404 for a code nobody has would prove nothing.
    Course.objects.create(code="B1", title="Bob's", owner=bob)
    assert as_alice.get(course_url("B1")).status_code == status.HTTP_404_NOT_FOUND
    assert as_alice.delete(course_url("B1")).status_code == status.HTTP_404_NOT_FOUND
    assert Course.objects.filter(code="B1", owner=bob).exists()


def test_e1_list_makes_one_query_however_many_courses(alice, django_assert_num_queries):
    for n in range(3):
        Course.objects.create(code=f"A{n}", title=f"Course {n}", owner=alice)
    client = APIClient()
    # force_authenticate: no authentication query, so only the list's own queries count.
    client.force_authenticate(alice)
    with django_assert_num_queries(1):
        reply = client.get(LIST_URL)
    assert len(reply.data) == 3


# ---------------------------------------------------------------- E2: authentication and CSRF


def test_e2_anonymous_request_answers_401_and_asks_for_a_token(db):
    reply = APIClient().get(LIST_URL)
    assert reply.status_code == status.HTTP_401_UNAUTHORIZED
    assert reply["WWW-Authenticate"] == "Token"


def test_e2_a_real_token_is_accepted(as_alice, alice):
    # No force_authenticate here: that would skip the authentication classes under test.
    Course.objects.create(code="A1", title="First", owner=alice)
    reply = as_alice.get(LIST_URL)
    assert reply.status_code == status.HTTP_200_OK, reply.data
    assert [course["code"] for course in reply.data] == ["A1"]


def test_e2_session_write_without_csrf_token_is_refused(alice):
    # The default test client skips CSRF; a browser's session does not.
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    reply = client.post(LIST_URL, NEW_COURSE, format="json")
    assert reply.status_code == status.HTTP_403_FORBIDDEN
    assert "CSRF" in str(reply.data["detail"])
    assert not Course.objects.exists()


def test_e2_session_write_with_csrf_token_is_accepted(alice):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    # Any page that renders {% csrf_token %} sets the csrftoken cookie: DRF's login page does.
    client.get(reverse("rest_framework:login"))
    token = client.cookies["csrftoken"].value
    reply = client.post(LIST_URL, NEW_COURSE, format="json", HTTP_X_CSRFTOKEN=token)
    # 201 is this test's point; the create test of E1 reads the row back.
    assert reply.status_code == status.HTTP_201_CREATED, reply.data


# ---------------------------------------------------------------- E3: mail and time


def invite(client, code, email="ann@example.com"):
    # format="json": without it, APIClient sends the body as multipart form data.
    url = reverse("l14:course-invite", kwargs={"code": code})
    return client.post(url, {"email": email}, format="json")


def token_from(message):
    return re.search(r"^(\S+:\S+:\S+)$", message.body, re.M)[1]


def test_e3_invite_emails_the_invited_student(as_alice, alice):
    Course.objects.create(code="A1", title="First", owner=alice)
    reply = invite(as_alice, "A1")
    assert reply.status_code == status.HTTP_202_ACCEPTED
    assert len(mail.outbox) == 1  # pytest-django empties the outbox before each test
    assert mail.outbox[0].to == ["ann@example.com"]
    assert token_from(mail.outbox[0])


def test_e3_the_emailed_token_enrols_within_its_lifetime(as_alice, alice):
    Course.objects.create(code="A1", title="First", owner=alice)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        invite(as_alice, "A1")
        clock.shift(timedelta(days=6, hours=23))
        reply = APIClient().post(
            reverse("l14:join"),
            {"token": token_from(mail.outbox[0]), "name": "Ann"},
            format="json",
        )
    assert reply.status_code == status.HTTP_201_CREATED, reply.data
    assert Enrolment.objects.filter(course__code="A1", student__email="ann@example.com").exists()


def test_e3_the_token_expires_after_seven_days(as_alice, alice):
    Course.objects.create(code="A1", title="First", owner=alice)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        invite(as_alice, "A1")
        clock.shift(timedelta(days=7, minutes=1))
        reply = APIClient().post(
            reverse("l14:join"),
            {"token": token_from(mail.outbox[0]), "name": "Ann"},
            format="json",
        )
    assert reply.status_code == status.HTTP_400_BAD_REQUEST
    assert "expired" in str(reply.data["token"])
    assert not Enrolment.objects.exists()
