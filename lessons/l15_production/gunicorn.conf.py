"""gunicorn's settings for lesson 15: `gunicorn -c lessons/l15_production/gunicorn.conf.py`.

Each worker is a process with its own memory, and two or more of them serve requests at
the same time: that is why a throttle must count in a cache they share, and why two
enrolments can race for one seat.
"""

import os

wsgi_app = "lessons.l15_production.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8015")
# Two to four per core is gunicorn's advice; WEB_CONCURRENCY is the variable hosts set.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Which scheme the client used is Django's business (SECURE_PROXY_SSL_HEADER, exercise E1):
# gunicorn passes the proxy's X-Forwarded-Proto on instead of acting on it itself.
secure_scheme_headers = {}
accesslog = "-"
