"""Settings for the graded tests: the playground's, made fast and self-contained."""

from playground_project.settings import *  # noqa: F403

DEBUG = False
# The default hasher costs about 0.3 s per password; tests do not need its strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
