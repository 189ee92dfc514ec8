"""The playground's middleware: its mark on every response, and serving behind a hub's proxy.

- PlaygroundHeaderMiddleware marks responses as the course playground's, so a notebook can tell
  it from another server.
- ProxyPrefixMiddleware serves requests that come through JupyterHub's or Binder's proxy under
  the prefix the proxy stripped, so the pages' links lead back through it (course/reach.py).
"""

from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import get_script_prefix, set_script_prefix


class PlaygroundHeaderMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Course-Playground"] = "1"
        return response


class ProxyPrefixMiddleware:
    """A request through the hub's proxy is answered as if served under the proxy's prefix.

    jupyter-server-proxy forwards /user/alice/proxy/8000/lessons/01/ as /lessons/01/ with
    `X-Forwarded-Prefix: /user/alice/proxy/8000`. For such a request (only with the prefix
    this playground expects), reverse(), redirects and the browsable API's links carry the
    prefix, and the static files (CSS, Swagger UI) are served here. A redirect's own path
    loses the prefix again, because the proxy puts it back; cookies are kept to the prefix.
    Direct requests (the notebook's client, on 127.0.0.1) are left alone, so the links they
    get back stay usable from the kernel.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        proxied = getattr(settings, "PROXIED", None)
        self.prefix = proxied.prefix if proxied else ""

    def __call__(self, request):
        if not self.prefix or request.headers.get("X-Forwarded-Prefix") != self.prefix:
            return self.get_response(request)
        previous = get_script_prefix()
        set_script_prefix(f"{self.prefix}/")  # for this request only: restored below
        try:
            return self._through_proxy(request)
        finally:
            set_script_prefix(previous)

    def _through_proxy(self, request):
        request.META["SCRIPT_NAME"] = self.prefix
        request.path = f"{self.prefix}{request.path_info}"
        if request.path_info.startswith("/static/") and settings.DEBUG:
            return serve_static(request, request.path_info.removeprefix("/static/"))
        response = self.get_response(request)
        location = response.get("Location", "")
        if response.status_code in (301, 302, 303, 307, 308) and location.startswith(
            f"{self.prefix}/"
        ):
            response["Location"] = location.removeprefix(self.prefix)
        # The hub's address holds the hub, other users' servers and this user's other ports:
        # the browser keeps this playground's cookies (session, CSRF) to its own prefix.
        for cookie in response.cookies.values():
            if cookie["path"] in ("", "/"):
                cookie["path"] = f"{self.prefix}/"
        return response
