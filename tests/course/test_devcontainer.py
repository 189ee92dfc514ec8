"""The dev container (GitHub Codespaces, VS Code) sets the course up as the README does.

.devcontainer/devcontainer.json is JSON with comments; its image's Python must satisfy
pyproject.toml's requires-python; every command it runs must be a Makefile target or a
`python -m course` verb (so it changes when they do, not silently); the ports it forwards
are the ones the playground and Jupyter use, with labels; and VS Code gets the Python and
Jupyter extensions with .venv's interpreter. Docker is not needed: the file is read, not built.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from course import ROOT, jupyter
from course.cli import build_parser

DEVCONTAINER = ROOT / ".devcontainer" / "devcontainer.json"
LIFECYCLE_COMMANDS = (
    "initializeCommand",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
)
# A string, then a line comment, then a block comment: comments are dropped, strings kept.
JSONC_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
PYTHONS = {"python", "python3", ".venv/bin/python"}
PLAYGROUND_PORT = 8000  # `python -m course start`'s default (course/cli.py)


def load_jsonc(text: str):
    """Parse JSON with comments, as VS Code reads devcontainer.json (no trailing commas here)."""
    return json.loads(JSONC_TOKEN.sub(lambda m: m[0] if m[0].startswith('"') else "", text))


@pytest.fixture(scope="module")
def config():
    assert DEVCONTAINER.is_file(), "no .devcontainer/devcontainer.json"
    try:
        return load_jsonc(DEVCONTAINER.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        pytest.fail(f"{DEVCONTAINER.relative_to(ROOT)} does not parse: {exc}", pytrace=False)


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.MULTILINE))


def course_verbs() -> set[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "verb")
    return set(subparsers.choices)


def commands_in(config) -> list[str]:
    """Every shell command the dev container runs, each `a && b` or `a; b` taken apart."""
    found = []
    for key in LIFECYCLE_COMMANDS:
        value = config.get(key)
        if value is None:
            continue
        # A string (run by a shell), a list (one command, no shell), or named commands in parallel.
        parts = value.values() if isinstance(value, dict) else [value]
        for part in parts:
            line = shlex.join(part) if isinstance(part, list) else part
            found += [c.strip() for c in re.split(r"&&|;", line) if c.strip()]
    return found


def test_the_image_has_a_python_the_course_supports(config):
    image = config.get("image", "")
    found = re.search(r"(?:^|/)python:(?:\d+-)?(3\.\d+)", image)
    assert found, f"devcontainer.json's image {image!r} is not a tagged Python dev container image"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "requires-python"
    ]
    assert Version(found[1]) in SpecifierSet(requires), (
        f"the dev container's Python {found[1]} does not satisfy requires-python {requires}"
    )


def test_it_sets_the_course_up_with_the_readmes_command(config):
    assert "make setup" in commands_in(config), (
        "postCreateCommand should run the README's set-up, `make setup`"
    )


def test_every_command_is_a_make_target_or_a_course_verb(config):
    targets, verbs = makefile_targets(), course_verbs()
    commands = commands_in(config)
    assert commands, "devcontainer.json runs no command: it must at least set the course up"
    for command in commands:
        words = shlex.split(command)
        if words[0] == "make":
            unknown = [w for w in words[1:] if "=" not in w and w not in targets]
            assert len(words) > 1 and not unknown, (
                f"devcontainer.json runs `{command}`: {unknown or 'no target'} is not a Makefile "
                f"target ({', '.join(sorted(targets))})"
            )
        else:
            assert words[0] in PYTHONS and words[1:3] == ["-m", "course"] and len(words) > 3, (
                f"devcontainer.json runs `{command}`: only Makefile targets and "
                f"`python -m course VERB` are allowed, so that the README and CI run the same"
            )
            assert words[3] in verbs, (
                f"`{command}`: {words[3]} is not a course verb ({sorted(verbs)})"
            )


def test_it_installs_postgresql_for_lesson_15(config):
    assert any(
        shlex.split(c)[:1] == ["make"] and "postgres" in shlex.split(c) for c in commands_in(config)
    ), "the dev container should run `make postgres`: lesson 15's checks start a PostgreSQL server"


def test_the_playground_and_jupyter_ports_are_forwarded_with_labels(config):
    ports = {PLAYGROUND_PORT: "playground", jupyter.DEFAULT_PORT: "Jupyter"}
    assert set(ports) <= set(config.get("forwardPorts", [])), config.get("forwardPorts")
    attributes = config.get("portsAttributes", {})
    for port, word in ports.items():
        label = attributes.get(str(port), {}).get("label", "")
        assert word.lower() in label.lower(), (
            f"port {port} should be labelled as the {word}: {label!r}"
        )


def test_vscode_gets_python_jupyter_and_the_venv_interpreter(config):
    vscode = config.get("customizations", {}).get("vscode", {})
    assert {"ms-python.python", "ms-toolsai.jupyter"} <= set(vscode.get("extensions", []))
    interpreter = vscode.get("settings", {}).get("python.defaultInterpreterPath", "")
    assert interpreter.endswith("/.venv/bin/python"), interpreter


def test_jsonc_reader_drops_comments_but_not_strings():
    assert load_jsonc('{"a": "http://x // y", /* b */ "c": 1 // d\n}') == {
        "a": "http://x // y",
        "c": 1,
    }
