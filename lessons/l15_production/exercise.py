"""Lesson 15 exercises: from the playground to production, on a real PostgreSQL.

This is the only file of the lesson you edit. Each TODO(En) marks what exercise En asks
for; the README section "En." says exactly what it must do. Until you replace a stub, its
URLs answer 501 Not Implemented; until E1 is done, the production settings cannot be built
(the settings of E3 and E4 keep Django's defaults until you write them). What is not marked
TODO is given: read it, you need not change it.

The production settings (production_settings.py) call the settings functions below before
Django's apps are loaded, so this module imports no models at its top: the functions that
need one import it where they use it.

Check your work:  make check L=15      (or: python -m course check 15)
Ask for a hint:   make hint L=15 E=E1  (or: python -m course hint 15 E1)
"""

import environ
from django.db import DatabaseError, IntegrityError, connection, transaction  # noqa: F401
from django.http import JsonResponse  # noqa: F401
from django.shortcuts import get_object_or_404  # noqa: F401
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError  # noqa: F401

from course.stubs import NotDone

# Reads os.environ when called, so every call sees the environment of that moment.
env = environ.Env()

# One year, in seconds: how long a browser that saw the site over HTTPS refuses plain HTTP.
HSTS_SECONDS = 31_536_000

DUPLICATE_CODE = "A course with this code already exists (codes are compared in any case)."


class CourseFull(APIException):
    """409 Conflict: the course has no seat left."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This course has no seat left."
    default_code = "course_full"


# ------------------------------------------------------------------ E1: settings from the environment


# TODO(E1): read each setting from the environment with `env` (django-environ), and add the
# settings that running behind a TLS-terminating proxy needs (README, E1).
def environment_settings() -> dict:
    """The settings that differ between one deployment and the next, read from the environment.

    SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL have no default: without one of them this
    raises ImproperlyConfigured naming the variable, and the server does not start.
    """
    raise NotDone("E1")


# ------------------------------------------------------------------ E2: what SQLite hid


# TODO(E2): save the course; a code that exists in any case answers 400 on `code`, never 500.
def add_course(serializer):
    """Save a new course from a valid CourseSerializer; a code taken in any case is a 400 on `code`."""
    raise NotDone("E2")


# TODO(E2): enrol in the course, or raise CourseFull, even when two requests want the last seat.
def take_seat(code: str, serializer):
    """Enrol the valid EnrolmentSerializer's email in course `code`, or raise CourseFull."""
    raise NotDone("E2")


# ------------------------------------------------------------------ E3: served as production serves it


# TODO(E3): static files stored under hashed names, and a cache that every worker shares.
def serving_settings() -> dict:
    """How static files are stored, and the cache that every gunicorn worker shares."""
    return {}  # Django's defaults until then: plain names, and a cache in each process


# TODO(E3): answer 200 when the database answers a query, 503 when it does not.
def health(request):
    """200 when the database answers a query, 503 when it does not."""
    raise NotDone("E3")


# ------------------------------------------------------------------ E4: CORS for the front end


# TODO(E4): the one origin of the front end, from FRONTEND_ORIGIN; no credentials (README, E4).
def cors_settings() -> dict:
    """Let the one front end named by FRONTEND_ORIGIN call the API from its pages."""
    return {}  # django-cors-headers' defaults until then: no origin may read the API
