"""Settings for serving lesson 15's API in production: built from the environment.

A module of its own, not an import of playground_project/settings.py: nothing of the
playground (its public key, DEBUG, its other lessons, its pages and panels) can reach a
deployment through it. What differs from one deployment to the next comes from the
environment, through the functions of exercise.py; what follows is the same everywhere.

    DJANGO_SETTINGS_MODULE=lessons.l15_production.production_settings
"""

from pathlib import Path

from lessons.l15_production import exercise

BASE_DIR = Path(__file__).resolve().parents[2]

globals().update(exercise.environment_settings())  # E1
globals().update(exercise.serving_settings())  # E3
globals().update(exercise.cors_settings())  # E4

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by WhiteNoise like the rest
    "corsheaders",
    "lessons.l15_production",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware: static files get its headers (HSTS) and skip the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before CommonMiddleware, so that a preflight is answered before any redirect.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lessons.l15_production.production_urls"
WSGI_APPLICATION = "lessons.l15_production.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# `manage.py collectstatic` copies every app's files here, with hashed names; WhiteNoise
# serves them from here. The folder is the deployment's, so the environment may move it.
STATIC_URL = "static/"
STATIC_ROOT = exercise.env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One TLS proxy stands in front and appends the client's address to X-Forwarded-For:
    # throttles count by that address, not by the proxy's.
    "NUM_PROXIES": 1,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Lesson 15: courses in production",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Preloading is a promise made for every subdomain by submitting the domain to the browsers'
# list, a decision for the domain's owner; the HSTS header itself is set (exercise.py, E1).
SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
