"""Where a learner's browser reaches a playground: this machine, a JupyterHub or Binder, a Codespace.

A playground listens on 127.0.0.1:PORT. On the learner's own machine (or a dev container whose
ports VS Code forwards) the browser goes there directly. Elsewhere it cannot:

- under JupyterHub or Binder the browser reaches it through jupyter-server-proxy, at
  `{JUPYTERHUB_SERVICE_PREFIX}proxy/PORT/` on the hub's own address; the proxy strips that
  prefix before passing a request on (and says which in `X-Forwarded-Prefix`), keeps the
  browser's Host header, and puts the prefix back on the redirects it passes back;
- in a GitHub Codespace a forwarded port has an address of its own,
  `https://{CODESPACE_NAME}-PORT.{GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN}/`.

`browser_url()` is the address to print for a browser; `Proxied.from_environ()` is what the
playground's settings need to serve there (the hosts and origins the browser uses, and the
path prefix its pages' links must carry). The playground learns its port from PORT_ENV_VAR,
which `python -m course start` and `serve` set for the process that serves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

PORT_ENV_VAR = "COURSE_PLAYGROUND_PORT"
HUB_PREFIX_VAR = "JUPYTERHUB_SERVICE_PREFIX"  # e.g. /user/alice/: set by JupyterHub and Binder
CODESPACE_VARS = ("CODESPACE_NAME", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN")


def hub_prefix(port: int | str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The path under which the hub's proxy serves `port` (/user/alice/proxy/8000); None off a hub."""
    service = environ.get(HUB_PREFIX_VAR, "").strip("/")
    if not service:
        return None
    return f"/{service}/proxy/{port}"


def codespace_host(port: int | str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The host name of `port` forwarded out of a GitHub Codespace; None elsewhere."""
    name, domain = (environ.get(var, "") for var in CODESPACE_VARS)
    return f"{name}-{port}.{domain}" if name and domain else None


def browser_url(port: int | str, path: str = "/", environ: Mapping[str, str] = os.environ) -> str:
    """Where a browser opens `path` of the playground on `port`, as seen from the learner's side.

    On a hub the answer is a path on the hub's own address, the page the learner is on: the
    notebook shows it as a link, which the browser resolves there.
    """
    prefix = hub_prefix(port, environ)
    if prefix:
        return f"{prefix}{path}"
    host = codespace_host(port, environ)
    if host:
        return f"https://{host}{path}"
    return f"http://127.0.0.1:{port}{path}"


@dataclass(frozen=True)
class Proxied:
    """How the browser reaches the playground serving on this process's port, behind a proxy."""

    prefix: str  # the path the proxy strips (JupyterHub, Binder), or "" (a Codespace)
    allowed_hosts: tuple[str, ...]
    trusted_origins: tuple[str, ...]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Proxied | None:
        """The proxy in front of this process's playground, or None when the browser comes direct."""
        port = environ.get(PORT_ENV_VAR, "").strip()
        if not port.isdigit():
            return None  # not the process serving (a check, a test run, a shell): no proxy
        prefix = hub_prefix(port, environ)
        if prefix:
            # The hub's address is not known here, and the proxy keeps the browser's Host
            # header. Only the hub's proxy and this container reach 127.0.0.1:PORT, so any
            # host may be named; the browser's Origin then matches its own Host.
            return cls(prefix=prefix, allowed_hosts=("*",), trusted_origins=())
        host = codespace_host(port, environ)
        if host:
            return cls(prefix="", allowed_hosts=(host,), trusted_origins=(f"https://{host}",))
        return None
