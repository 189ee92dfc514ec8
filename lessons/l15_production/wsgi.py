"""WSGI entry point for lesson 15 in production: `gunicorn lessons.l15_production.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lessons.l15_production.production_settings")
application = get_wsgi_application()
