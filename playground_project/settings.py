"""Settings for the playground project that serves every lesson.

Global REST_FRAMEWORK settings stay neutral on purpose: each lesson states its own
authentication and permission classes on its views, so that no lesson changes another.
"""

import os
from datetime import timedelta

from course import ROOT as BASE_DIR
from course import VAR as VAR_DIR
from course import reach
from course.manifest import all_lessons

# A playground for learning on your own machine, never a deployment: the key is public.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "playground-only-insecure-key-do-not-deploy-0123456789"
)
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
# The lesson panel beside each lesson's text (check, hints, reset, solution) runs the
# learner's code and rewrites their files: the playground offers it, and only while DEBUG is
# on (urls.py asks for both), so a settings module built on this one with DEBUG off has none.
LEARNER_PANEL = DEBUG
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_extensions",
    # Lessons 08-11: DRF's token table, simplejwt and its refresh-token blacklist (all migrated).
    "rest_framework.authtoken",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    # Lesson 12: django-filter's FilterSets (its templates render the browsable API's filter form).
    "django_filters",
    "playground_project.domain",
    # Every lesson is an app of its own, found from the manifests.
    *(f"lessons.{lesson.slug}" for lesson in all_lessons()),
]

MIDDLEWARE = [
    "playground_project.middleware.ProxyPrefixMiddleware",  # first: every link after it is prefixed
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "playground_project.middleware.PlaygroundHeaderMiddleware",
]

ROOT_URLCONF = "playground_project.urls"
# After logging in at /api-auth/login/ without ?next=, go to the index (Django's default,
# /accounts/profile/, does not exist here).
LOGIN_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "playground_project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "playground_project.wsgi.application"

# Embedded SQLite in the git-ignored var/ folder; a notebook's own server passes a scratch file.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("COURSE_DATABASE", VAR_DIR / "db.sqlite3"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The course's notebook self-checks start many scratch playgrounds whose cells log in on
# almost every request, at about 0.3 s of PBKDF2 each; they ask for a cheap hasher. A
# learner's playground never sets this, so it hashes passwords as a real site must.
if os.environ.get("COURSE_FAST_PASSWORD_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Lesson 11: mail is written to files in the git-ignored var/mail/ (a notebook's own server
# passes a scratch folder), and the playground's /mail/ page lists it. Django's default is
# SMTP on localhost:25, where a laptop has no server: send_mail() would crash every signup.
# Tests use the locmem backend (test_settings.py).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("COURSE_MAIL_DIR", VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = "DRF course playground <noreply@example.com>"

REST_FRAMEWORK = {
    # Only what every lesson shares: the OpenAPI schema class for the docs pages, which is
    # drf-spectacular's plus the error answers each view's policy implies (openapi.py). DRF's
    # own defaults (Session then Basic authentication, AllowAny) apply to a view that sets
    # nothing; the lessons on authentication and permissions set their classes per view.
    "DEFAULT_SCHEMA_CLASS": "playground_project.openapi.AutoSchema",
    # Throttles count by client address. DRF's default (None) takes that address from the
    # X-Forwarded-For header the client sends, so a made-up header each time escapes every
    # throttle. No proxy stands in front of this server: use the connection's address. Behind
    # N proxies that set the header, set N.
    "NUM_PROXIES": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "DRF course playground",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from the installed sidecar package, so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A starter's stubs (no handlers yet, serializers that raise NotDone) would warn on every
    # docs page; tests/course/test_openapi.py holds the solutions' docs to account instead.
    "DISABLE_ERRORS_AND_WARNINGS": True,
}

# Lesson 10: JSON Web Tokens, read once by simplejwt at import. Access tokens live 5 minutes
# because nothing can revoke one before it expires; each refresh token works once, since a
# refresh answers a new one and blacklists the old. The signing key is not SECRET_KEY: changing
# it ends every JWT without touching sessions or password-reset links, and a leak of one is not
# a leak of the other. Anywhere but this playground, set DJANGO_JWT_SIGNING_KEY to 32+ random bytes.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,  # a refresh also answers a new refresh token...
    "BLACKLIST_AFTER_ROTATION": True,  # ...and blacklists the old one (only with rotation on)
    "ALGORITHM": "HS256",  # one shared secret both signs and verifies
    "SIGNING_KEY": os.environ.get(
        "DJANGO_JWT_SIGNING_KEY", "playground-only-jwt-signing-key-do-not-deploy-0123456789abcdef"
    ),
    "AUTH_HEADER_TYPES": ("Bearer",),  # Authorization: Bearer <access token>
}

# Served behind a proxy (JupyterHub or Binder's jupyter-server-proxy, a Codespace's forwarded
# port): the hosts and origins the browser uses there, and the path prefix its pages' links
# must carry (course/reach.py). Only the process serving on a port (course start / serve)
# sets its port; every other process, tests included, keeps the settings above.
PROXIED = reach.Proxied.from_environ()
if PROXIED:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, *PROXIED.allowed_hosts]
    CSRF_TRUSTED_ORIGINS = list(PROXIED.trusted_origins)
    # The proxies end HTTPS and say so; the browser's Origin then matches https://<Host>.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if PROXIED.prefix:
        # Absolute, so it is not taken for a path under the script prefix; the middleware
        # serves these files, which the development server looks for under the full path.
        STATIC_URL = f"{PROXIED.prefix}/static/"
        # The schema's paths start at the playground's root: Swagger UI's "Try it out" must
        # send them through the proxy too.
        SPECTACULAR_SETTINGS["SERVERS"] = [{"url": PROXIED.prefix}]
