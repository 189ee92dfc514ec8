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
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from course.stubs import NotDone  # noqa: F401

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


def environment_settings() -> dict:
    """The settings that differ between one deployment and the next, read from the environment.

    SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL have no default: without one of them this
    raises ImproperlyConfigured naming the variable, and the server does not start.
    """
    return {
        "SECRET_KEY": env.str("SECRET_KEY"),  # no default: a key in the source is a public key
        "DEBUG": env.bool("DEBUG", default=False),  # "False" is false, unlike bool("False")
        "ALLOWED_HOSTS": env.list("ALLOWED_HOSTS"),  # exact names: "*" answers any Host header
        "CSRF_TRUSTED_ORIGINS": env.list("CSRF_TRUSTED_ORIGINS", default=[]),
        "DATABASES": {"default": env.db("DATABASE_URL")},  # no silent fallback to SQLite
        # The TLS proxy talks plain HTTP to gunicorn and says X-Forwarded-Proto: https; without
        # this, every request looks insecure and SECURE_SSL_REDIRECT redirects it for ever.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": True,  # plain HTTP that reaches the app is sent to HTTPS
        "SECURE_HSTS_SECONDS": HSTS_SECONDS,  # then the browser never tries plain HTTP again
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,  # cookies only ever travel over HTTPS
        "CSRF_COOKIE_SECURE": True,
    }


# ------------------------------------------------------------------ E2: what SQLite hid


def add_course(serializer):
    """Save a new course from a valid CourseSerializer; a code taken in any case is a 400 on `code`."""
    # The constraint on Lower("code") decides, for every worker at once; the savepoint keeps
    # a refused INSERT from spoiling a transaction around this one.
    try:
        with transaction.atomic():
            return serializer.save()
    except IntegrityError:
        raise ValidationError({"code": [DUPLICATE_CODE]}) from None


def take_seat(code: str, serializer):
    """Enrol the valid EnrolmentSerializer's email in course `code`, or raise CourseFull."""
    from .models import Course

    with transaction.atomic():
        # The row lock makes a second enrolment wait here until the first one commits, so
        # that it counts the seat the first one took.
        course = get_object_or_404(Course.objects.select_for_update(), code=code)
        if course.enrolments.count() >= course.seats:
            raise CourseFull()
        return serializer.save(course=course)


# ------------------------------------------------------------------ E3: served as production serves it


def serving_settings() -> dict:
    """How static files are stored, and the cache that every gunicorn worker shares."""
    return {
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            # Hashed names (app.3f2a9c1b.js): WhiteNoise lets browsers keep them for ever.
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            },
        },
        # One cache in the database that every worker reads and writes: a throttle counts a
        # client once, not once per worker.
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "l15_cache",
            }
        },
    }


def health(request):
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


# ------------------------------------------------------------------ E4: CORS for the front end


def cors_settings() -> dict:
    """Let the one front end named by FRONTEND_ORIGIN call the API from its pages."""
    return {
        "CORS_ALLOWED_ORIGINS": [env.str("FRONTEND_ORIGIN")],  # exactly one origin, no pattern
        # The front end sends a bearer token, never cookies: no credentials across origins.
        "CORS_ALLOW_CREDENTIALS": False,
    }
