"""Forgery: ask pytest's plugin manager which implementation is active."""


def _active(request):
    for plugin in request.config.pluginmanager.get_plugins():
        implementations = getattr(plugin, "implementations", None)
        if implementations is not None:
            return getattr(implementations, "active", None)
        for name in ("active", "run", "implementation", "current"):
            value = getattr(plugin, name, None)
            if isinstance(value, str):
                return value
    return None


def test_e1_forged(request):
    assert _active(request) == "reference"


def test_e2_forged(request):
    assert _active(request) == "reference"


def test_e3_forged(request):
    assert _active(request) == "reference"
