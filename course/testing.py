"""Helpers for graded tests: one API client over two transports, and learner-facing expectations.

Every request goes through `Api.request`, which records what was sent, so that a failed
expectation can say "Called ..., got ..., expected ... because ..." whether the test ran
through Django's test client or over real HTTP against a live server.
"""

from __future__ import annotations

import base64
import json as jsonlib
import traceback
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from course.loading import display_path

UNSET = object()
BODY_PREVIEW = 300


@dataclass
class Reply:
    """A response, with the request that produced it."""

    method: str
    url: str
    sent: str | None  # the body as sent, for messages
    status: int
    headers: dict[str, str]
    text: str
    crash: str | None = None  # the server-side exception, when the transport can see it

    @cached_property
    def data(self) -> Any:
        """The JSON body, or None when the body is not JSON."""
        try:
            return jsonlib.loads(self.text) if self.text else None
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def call(self) -> str:
        sent = f" with {_preview(self.sent)}" if self.sent else ""
        return f"{self.method} {self.url}{sent}"

    @property
    def outcome(self) -> str:
        body = _preview(self.text) if self.text else "an empty body"
        crash = f" (the view raised {self.crash})" if self.crash else ""
        return f"{self.status} with {body}{crash}"


def _preview(text: str | None) -> str:
    text = (text or "").strip().replace("\n", " ")
    return text if len(text) <= BODY_PREVIEW else text[:BODY_PREVIEW] + "…"


class Api:
    """Send requests by method; `json=` sends a JSON body, `content=` a raw one."""

    def request(
        self, method, url, *, json=UNSET, content=None, content_type=None, params=None, headers=None
    ) -> Reply:
        if params:
            url = f"{url}?{urlencode(params)}"
        body = None
        if json is not UNSET:
            body = jsonlib.dumps(json)
            content_type = content_type or "application/json"
        elif content is not None:
            body = content
        headers = dict(headers or {})
        return self._send(method.upper(), url, body, content_type, headers)

    def get(self, url, **kwargs) -> Reply:
        return self.request("GET", url, **kwargs)

    def post(self, url, json=UNSET, **kwargs) -> Reply:
        return self.request("POST", url, json=json, **kwargs)

    def put(self, url, json=UNSET, **kwargs) -> Reply:
        return self.request("PUT", url, json=json, **kwargs)

    def patch(self, url, json=UNSET, **kwargs) -> Reply:
        return self.request("PATCH", url, json=json, **kwargs)

    def delete(self, url, **kwargs) -> Reply:
        return self.request("DELETE", url, **kwargs)

    # Session logins, as a browser does them, over either transport (lesson 08 on).

    def cookie(self, name: str) -> str | None:
        """The value of a cookie the server has set on this client, or None."""
        raise NotImplementedError

    def csrf_headers(self) -> dict[str, str]:
        """`X-CSRFToken` with the csrftoken cookie's value: what an unsafe request in a session sends."""
        token = self.cookie("csrftoken")
        return {"X-CSRFToken": token} if token else {}

    def login(self, username: str, password: str, url: str | None = None) -> Reply:
        """Log in with a login form (the browsable API's by default); a success answers 302.

        GET the form first: its answer sets the csrftoken cookie, which the POST sends back as
        `csrfmiddlewaretoken`. The session cookie is kept for the next requests, and the CSRF
        token is the new one Django sets at login (read it with `csrf_headers()`).
        """
        if url is None:
            from django.urls import reverse

            url = reverse("rest_framework:login")
        self.get(url)
        form = {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": self.cookie("csrftoken") or "",
        }
        return self.post(
            url, content=urlencode(form), content_type="application/x-www-form-urlencoded"
        )

    def _send(self, method, url, body, content_type, headers) -> Reply:
        raise NotImplementedError


class ClientApi(Api):
    """Through Django REST framework's test client, in the test's own process."""

    def __init__(self, **client_kwargs):
        from rest_framework.test import APIClient

        # Enforce CSRF as a browser-facing server does: the default test client skips it, so a
        # session login would pass tests that real HTTP refuses.
        client_kwargs.setdefault("enforce_csrf_checks", True)
        self.client = APIClient(**client_kwargs)
        self.client.raise_request_exception = False  # a crashing view is a 500, as over HTTP

    def cookie(self, name: str) -> str | None:
        morsel = self.client.cookies.get(name)
        return morsel.value if morsel is not None and morsel.value else None

    def _send(self, method, url, body, content_type, headers) -> Reply:
        kwargs = {"headers": headers}
        if content_type:
            kwargs["content_type"] = content_type
        response = self.client.generic(method, url, data=body or "", **kwargs)
        crash = None
        if getattr(response, "exc_info", None):
            crash = _describe_crash(response.exc_info[1])
        text = (
            ""
            if getattr(response, "streaming", False)
            else response.content.decode("utf-8", "replace")
        )
        return _reply(method, url, body, response, text, crash)


class HttpApi(Api):
    """Over real HTTP, against a live server."""

    def __init__(self, base_url: str):
        import httpx

        self.client = httpx.Client(base_url=base_url, timeout=30)

    def close(self) -> None:
        self.client.close()

    def cookie(self, name: str) -> str | None:
        return self.client.cookies.get(name) or None

    def _send(self, method, url, body, content_type, headers) -> Reply:
        if content_type:
            headers.setdefault("Content-Type", content_type)
        response = self.client.request(method, url, content=body, headers=headers)
        return _reply(method, url, body, response, response.text)


def _reply(method, url, body, response, text, crash=None) -> Reply:
    """A Reply from a Django test response or an httpx response (both have these two)."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Reply(method, url, body, response.status_code, headers, text, crash)


def _describe_crash(exc: BaseException) -> str:
    """`ValueError: ... (lessons/l01_x/exercise.py, line 12)`: where the view crashed."""
    from course.manifest import all_lessons

    slugs = [lesson.slug for lesson in all_lessons()]
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if any(s in f.filename for s in slugs)
    ]
    where = f" at {display_path(frames[-1].filename)}, line {frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def basic_auth(username: str, password: str) -> dict[str, str]:
    """The Authorization header of HTTP Basic: base64 of `username:password` (encoded, not encrypted)."""
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def expect_status(reply: Reply, expected: int, because: str, *, mistake: str | None = None) -> None:
    """Fail with "Called X, got Y, expected Z because ..." unless the status is `expected`."""
    if reply.status != expected:
        fail(reply, f"{expected}", because, mistake)


def expect(
    condition: bool, reply: Reply, expected: str, because: str, *, mistake: str | None = None
) -> None:
    """Fail with the call and its outcome unless `condition` holds."""
    if not condition:
        fail(reply, expected, because, mistake)


def fail(reply: Reply, expected: str, because: str, mistake: str | None = None) -> None:
    __tracebackhide__ = True
    if reply.status == 501 and isinstance(reply.data, dict) and "exercise" in reply.data:
        # Still the starter's stub (course.stubs.NotDone): say so rather than guess a mistake.
        raise AssertionError(f"Called {reply.call}, got 501: {reply.data.get('detail')}")
    message = f"Called {reply.call}, got {reply.outcome}; expected {expected} because {because}."
    if mistake:
        message += f" {mistake}"
    raise AssertionError(message)
