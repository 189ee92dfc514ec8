"""Lesson 10's settings mistakes, each run in a throwaway process to show what really happens.

    python -m lessons.l10_jwt.settings_mistakes                  # all four, in order
    python -m lessons.l10_jwt.settings_mistakes rotation         # one of them

These mistakes cannot live in exercise.py: they sit in settings.py or in the database. The
two settings files are run as code; the two Django demonstrations start Django with the
course's test settings (an in-memory database), so the playground's data never changes.
From a notebook, call show("rotation"): it runs the same command in a new process, because
simplejwt reads SIMPLE_JWT once, when it is first imported.
"""

import os
import subprocess
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MODULE = "lessons.l10_jwt.settings_mistakes"  # __name__ is "__main__" when run with -m

# The notes' settings.py, trimmed to what matters: `settings` is not defined in settings.py.
NOTES_SIGNING_KEY = """\
from datetime import timedelta

SECRET_KEY = "django-insecure-example"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "SIGNING_KEY": settings.SECRET_KEY,
}
"""

# The notes' settings.py again: the second REST_FRAMEWORK replaces the first.
NOTES_REST_FRAMEWORK_TWICE = """\
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ]
}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
    ]
}
"""


def signing_key():
    """`"SIGNING_KEY": settings.SECRET_KEY` inside settings.py: NameError before Django starts."""
    print("settings.py, as the notes write it:\n")
    print(_indent(NOTES_SIGNING_KEY))
    try:
        exec(compile(NOTES_SIGNING_KEY, "settings.py", "exec"), {})
    except NameError as exc:
        line = traceback.extract_tb(exc.__traceback__)[-1].lineno
        print(f"Loading it raises NameError: {exc} (settings.py, line {line}).")
    print(
        "settings.py is the module that defines the settings: there is no `settings` object in\n"
        "it to read from. SECRET_KEY is a plain variable there, so `SECRET_KEY` would work, but\n"
        "better is a key of its own, read from the environment, as this course's settings do."
    )


def rest_framework_twice():
    """Two REST_FRAMEWORK dicts: the second silently replaces the first."""
    print("settings.py, as the notes write it:\n")
    print(_indent(NOTES_REST_FRAMEWORK_TWICE))
    namespace = {}
    exec(compile(NOTES_REST_FRAMEWORK_TWICE, "settings.py", "exec"), namespace)
    print(f"What Django gets: REST_FRAMEWORK = {namespace['REST_FRAMEWORK']}")
    print(
        "No error and no warning: DEFAULT_AUTHENTICATION_CLASSES is gone, so DRF falls back to\n"
        "Session and Basic authentication and ignores every Bearer token. Write one dict with\n"
        "both keys."
    )


def rotation():
    """BLACKLIST_AFTER_ROTATION without ROTATE_REFRESH_TOKENS: a refresh token works all day."""
    settings = _start_django(ROTATE_REFRESH_TOKENS=False, BLACKLIST_AFTER_ROTATION=True)
    from rest_framework.test import APIRequestFactory
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
    from rest_framework_simplejwt.tokens import RefreshToken
    from rest_framework_simplejwt.views import TokenRefreshView

    jwt = settings.SIMPLE_JWT
    print(
        f'SIMPLE_JWT = {{..., "ROTATE_REFRESH_TOKENS": {jwt["ROTATE_REFRESH_TOKENS"]}, '
        f'"BLACKLIST_AFTER_ROTATION": {jwt["BLACKLIST_AFTER_ROTATION"]}}}\n'
    )
    refresh = str(RefreshToken.for_user(_demo_user()))
    view = TokenRefreshView.as_view()
    for attempt in (1, 2, 3):
        request = APIRequestFactory().post("/token/refresh/", {"refresh": refresh}, format="json")
        response = view(request)
        print(
            f"Refresh no. {attempt} with the same refresh token: {response.status_code}, "
            f"body keys {sorted(response.data)}"
        )
    print(f"Blacklisted tokens: {BlacklistedToken.objects.count()}\n")
    print(
        "simplejwt blacklists the old refresh token only while it rotates (issues a new one),\n"
        "so without ROTATE_REFRESH_TOKENS nothing is blacklisted and the same refresh token\n"
        "keeps working until it expires. Turn both on, as this course's settings do."
    )


def missing_migration():
    """The token_blacklist app installed but not migrated: the login itself fails with a 500."""
    _start_django()
    from django.core.management import call_command
    from rest_framework.test import APIRequestFactory
    from rest_framework_simplejwt.views import TokenObtainPairView

    _demo_user()
    call_command("migrate", "token_blacklist", "zero", verbosity=0)  # undo its migrations
    print("rest_framework_simplejwt.token_blacklist is in INSTALLED_APPS, but its tables are not")
    print("in the database (python manage.py migrate was not run after adding it).\n")
    body = {"username": "demo", "password": "demo-pass-123"}
    request = APIRequestFactory().post("/token/", body, format="json")
    try:
        response = TokenObtainPairView.as_view()(request)
        print(f"POST /token/ with good credentials: {response.status_code}")
    except Exception as exc:  # what a server turns into 500 Internal Server Error
        print("POST /token/ with good credentials: 500 Internal Server Error, because")
        print(f"  {type(exc).__module__}.{type(exc).__name__}: {exc}")
    print(
        "\nWith the app installed, RefreshToken.for_user() writes every new refresh token to\n"
        "the outstanding-token table, so the login breaks, not only the logout. Fix: python\n"
        "manage.py migrate (make start runs it for you)."
    )


DEMOS = {
    "signing-key": signing_key,
    "rest-framework-twice": rest_framework_twice,
    "rotation": rotation,
    "missing-migration": missing_migration,
}


def show(name):
    """Run one demonstration in a new Python process and print what it printed."""
    if name not in DEMOS:
        raise ValueError(f"Unknown demonstration {name!r}; choose one of {', '.join(DEMOS)}.")
    result = subprocess.run(
        [sys.executable, "-m", MODULE, name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(result.stdout + result.stderr, end="")


def _start_django(**simple_jwt):
    """Set up Django on the test settings (in-memory database), SIMPLE_JWT changed as given."""
    # Forced, not defaulted: an inherited DJANGO_SETTINGS_MODULE could point at a real database.
    os.environ["DJANGO_SETTINGS_MODULE"] = "playground_project.test_settings"
    import django
    from django.conf import settings

    # Before django.setup(), which imports simplejwt: it reads SIMPLE_JWT once, at import.
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, **simple_jwt}
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return settings


def _demo_user():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    existing = User.objects.filter(username="demo").first()
    return existing or User.objects.create_user("demo", password="demo-pass-123")


def _indent(text):
    return "\n".join(f"    {line}" for line in text.splitlines()) + "\n"


def main(argv):
    names = argv or list(DEMOS)
    unknown = [n for n in names if n not in DEMOS]
    if unknown:
        print(f"Unknown: {', '.join(unknown)}. Choose from: {', '.join(DEMOS)}.", file=sys.stderr)
        return 2
    if len(names) == 1:
        DEMOS[names[0]]()
        return 0
    for number, name in enumerate(names, 1):
        print(f"{'=' * 20} {number}. {name} {'=' * 20}")
        show(name)  # each in a process of its own: Django and simplejwt start only once
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
