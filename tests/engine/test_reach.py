"""A browser reaches the playground wherever the learner is: here, through a hub's proxy, in a Codespace.

course/reach.py says where a browser opens a playground's page; the playground's settings and
ProxyPrefixMiddleware serve a request that jupyter-server-proxy forwarded (prefix stripped,
`X-Forwarded-Prefix` set, the browser's Host kept) so that the page's links, static files,
redirects, cookies and CSRF check all work at the hub's address. The real proxy is exercised
end to end in tests/course/test_binder.py; here the same requests are made with Django's
test client.
"""

from __future__ import annotations

import re

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from course import notebook, reach
from course.manifest import find_lesson

HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}
CODESPACE = {
    "CODESPACE_NAME": "ada-fuzzy-space",
    "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "app.github.dev",
}
PREFIX = "/user/ada/proxy/8123"
THROUGH_PROXY = {
    "HTTP_HOST": "hub.example.org",
    "HTTP_X_FORWARDED_PREFIX": PREFIX,
    "HTTP_X_FORWARDED_PROTO": "https",
}


# ---------------------------------------------------------------- where to point the browser


@pytest.mark.parametrize(
    "environ, expected",
    [
        pytest.param({}, "http://127.0.0.1:8123/docs/01/", id="this-machine"),
        pytest.param(HUB, "/user/ada/proxy/8123/docs/01/", id="jupyterhub-or-binder"),
        pytest.param(
            CODESPACE, "https://ada-fuzzy-space-8123.app.github.dev/docs/01/", id="codespace"
        ),
    ],
)
def test_browser_url(environ, expected):
    assert reach.browser_url(8123, "/docs/01/", environ) == expected


def test_only_the_serving_process_is_proxied():
    """Without the port it serves (a check, the tests, a shell), nothing changes in the settings."""
    assert reach.Proxied.from_environ(HUB) is None
    assert reach.Proxied.from_environ({reach.PORT_ENV_VAR: "8123"}) is None  # here: no proxy
    hub = reach.Proxied.from_environ({**HUB, reach.PORT_ENV_VAR: "8123"})
    assert hub == reach.Proxied(prefix=PREFIX, allowed_hosts=("*",), trusted_origins=())
    codespace = reach.Proxied.from_environ({**CODESPACE, reach.PORT_ENV_VAR: "8000"})
    assert codespace.prefix == "" and codespace.allowed_hosts == (
        "ada-fuzzy-space-8000.app.github.dev",
    )
    assert codespace.trusted_origins == ("https://ada-fuzzy-space-8000.app.github.dev",)


def test_notebook_links_go_through_the_hub(monkeypatch, capsys):
    """The notebook prints the hub's path for a browser; the kernel keeps calling 127.0.0.1."""
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    client = notebook.LessonClient("http://127.0.0.1:8123", find_lesson("01"))
    assert client.url() == "http://127.0.0.1:8123/lessons/01/"
    assert client.browser_url() == "/user/ada/proxy/8123/lessons/01/"
    client.show_links()
    shown = capsys.readouterr().out
    assert "Lesson 01's API: http://127.0.0.1:8123/lessons/01/" in shown
    assert "/user/ada/proxy/8123/docs/01/" in shown and "/user/ada/proxy/8123/lessons/01/" in shown

    page = httpx.Response(
        200,
        html="<html><title>Student List</title></html>",
        request=httpx.Request("GET", "http://127.0.0.1:8123/lessons/01/students/"),
    )
    described = notebook.describe_exchange(
        page, browser_url=notebook._for_browser(str(page.request.url), client.base_url)
    )
    assert "open /user/ada/proxy/8123/lessons/01/students/ in a browser" in described, described


def test_notebook_links_stay_local_off_a_hub(monkeypatch, capsys):
    for var in ("JUPYTERHUB_SERVICE_PREFIX", *reach.CODESPACE_VARS):
        monkeypatch.delenv(var, raising=False)
    client = notebook.LessonClient("http://127.0.0.1:8123", find_lesson("01"))
    assert client.browser_url("/docs/01/") == "http://127.0.0.1:8123/docs/01/"
    client.show_links()
    assert "proxy" not in capsys.readouterr().out


# ---------------------------------------------------------------- the playground behind the proxy


@pytest.fixture
def behind_the_hub():
    """The settings playground_project/settings.py derives for a process serving port 8123 on a hub."""
    proxied = reach.Proxied.from_environ({**HUB, reach.PORT_ENV_VAR: "8123"})
    with override_settings(
        PROXIED=proxied,
        DEBUG=True,  # the development server's settings: it serves static files
        ALLOWED_HOSTS=["*"],
        STATIC_URL=f"{PREFIX}/static/",
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        yield


def test_pages_through_the_proxy_link_back_through_it(behind_the_hub):
    browser = Client()
    page = browser.get("/lessons/01/", HTTP_ACCEPT="text/html", **THROUGH_PROXY)
    assert page.status_code == 200
    stylesheets = re.findall(r'href="([^"]+\.css)"', page.content.decode())
    assert stylesheets and all(s.startswith(f"{PREFIX}/static/") for s in stylesheets), stylesheets
    css = browser.get(stylesheets[0].removeprefix(PREFIX), **THROUGH_PROXY)
    assert css.status_code == 200 and b"".join(css.streaming_content)

    links = browser.get("/lessons/01/", HTTP_ACCEPT="application/json", **THROUGH_PROXY).json()
    assert links["students"] == f"https://hub.example.org{PREFIX}/lessons/01/students/", links

    docs = browser.get("/docs/01/", **THROUGH_PROXY).content.decode()
    assert f'"{PREFIX}/schema/01/"' in docs and f"{PREFIX}/static/drf_spectacular_sidecar/" in docs

    # The proxy puts its prefix back on a redirect's path: the playground must not add it too.
    moved = browser.get("/lessons/01/students", **THROUGH_PROXY)
    assert moved.status_code == 301 and moved["Location"] == "/lessons/01/students/"


def test_direct_requests_keep_plain_links(behind_the_hub):
    """The notebook's client calls 127.0.0.1 directly: its links must work from the kernel."""
    direct = Client().get("/lessons/01/", HTTP_ACCEPT="application/json")
    assert direct.json()["students"] == "http://testserver/lessons/01/students/"
    forged = Client().get(
        "/lessons/01/", HTTP_ACCEPT="application/json", HTTP_X_FORWARDED_PREFIX="/elsewhere"
    )
    assert forged.json()["students"] == "http://testserver/lessons/01/students/"


@pytest.mark.django_db
def test_browser_login_through_the_proxy_passes_csrf(behind_the_hub):
    """A form posted from https://hub... passes Django's origin check, with cookies kept to the prefix."""
    get_user_model().objects.create_user("ada", password="ada-pass-123")
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/api-auth/login/", **THROUGH_PROXY)
    cookie = form.cookies["csrftoken"]
    assert cookie["path"] == f"{PREFIX}/", cookie.output()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())[1]
    login = browser.post(
        "/api-auth/login/",
        {"username": "ada", "password": "ada-pass-123", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://hub.example.org",
        **THROUGH_PROXY,
    )
    assert login.status_code == 302, login.content.decode()[:500]
    assert login["Location"] == "/", "the proxy adds its prefix to the redirect itself"
    assert login.cookies["sessionid"]["path"] == f"{PREFIX}/"


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/", "/text/01/", "/mail/"])
def test_the_playgrounds_own_pages_link_under_the_proxy(behind_the_hub, page):
    """The index, a lesson's text and the mail page lead back through the proxy, not to the hub's root."""
    html = Client().get(page, HTTP_ACCEPT="text/html", **THROUGH_PROXY).content.decode()
    rooted = [
        href
        for href in re.findall(r'(?:href|src|action)="(/[^"]*)"', html)
        if not href.startswith(PREFIX)
    ]
    assert not rooted, f"{page} links to {rooted}: the hub's root, not this playground"
