"""Review flags: what an instructor should look at, from the code and from what it did.

Two kinds, both written to the CSV's `flags` column and the report's "Flagged" section:

- `review: ...`: words in a learner file (not in comments or strings) that a learner file
  rarely needs, and attempts to look inside the test process (gc.get_objects, tracing,
  ctypes). A heuristic for a human, never a verdict: obfuscated code evades it.
- `tampering: ...`: what the test process saw the submission do and refused (writing outside
  its folder, reading another submission, starting a process, using the network), test
  machinery found changed after the run, a file tested that differs from the file handed
  in, a run that did not report exactly the course's tests.
"""

from __future__ import annotations

import io
import re
import tokenize

_SUSPICIOUS = {
    "test machinery": re.compile(
        r"\b_?pytest\b|\bconftest\b|\bsys\s*\.\s*modules\b|\bmeta_path\b|"
        r"^\s*(?:from|import)\s+course\b(?!\.stubs\b)",
        re.M,
    ),
    "exits": re.compile(r"\b(?:os\s*\.\s*_exit|sys\s*\.\s*exit|exit|quit)\s*\("),
    "dynamic code": re.compile(
        r"(?<![\w.])(?:exec|eval|compile|__import__)\s*\(|\bimportlib\b|\b__builtins__\b|\bbuiltins\b"
    ),
    "introspection": re.compile(
        r"\bsys\s*\.\s*(?:_getframe|settrace|setprofile)\b|\bgc\s*\.|\binspect\b"
    ),
    "code or the grader's objects": re.compile(
        r"\b(?:__code__|co_code|co_consts|co_names|__closure__|__globals__|f_back|f_locals|"
        r"f_globals|tb_frame|pluginmanager|getsource\w*|getsourcelines|linecache)\b|"
        r"^\s*(?:from|import)\s+(?:dis|marshal)\b|\b(?:dis|marshal)\s*\.",
        re.M,
    ),
    "processes or files": re.compile(
        r"\b(?:subprocess|multiprocessing|ctypes|signal|atexit|shutil|socket)\b|"
        r"\bos\s*\.\s*(?:system|popen|fork|kill|remove|unlink|rename|replace|walk|listdir|scandir|chdir)\b|"
        r"(?<![\w.])open\s*\("
    ),
}

# A learner file that is a test module (a lesson graded by mutation) imports pytest by design.
_MACHINERY_IN_TESTS = re.compile(
    r"\b_pytest\b|\bconftest\b|\bsys\s*\.\s*modules\b|\bmeta_path\b|"
    r"^\s*(?:from|import)\s+course\b(?!\.stubs\b)",
    re.M,
)

_REFUSED_WORDS = {
    "writing outside its own folder": "wrote outside its folder",
    "reading other submissions or the grader's files": "read another submission or the grader's files",
    "a submission may not start processes": "started a process",
    "a submission may not signal other processes": "signalled another process",
    "a submission may not use the network": "used the network",
    "links are not allowed": "made a link",
}
_MAX_DETAILS = 3


def review_flags(sources: dict[str, bytes]) -> list[str]:
    """`review: code uses ...` for the learner files handed in."""
    found = set()
    for path, data in sources.items():
        code = _code_only(data.decode("utf-8", errors="replace"))
        patterns = dict(_SUSPICIOUS)
        if _is_test_module(path):
            patterns["test machinery"] = _MACHINERY_IN_TESTS
            tested = _tested_module(path)
            if tested:
                patterns["the tested module's objects"] = tested
        found.update(label for label, pattern in patterns.items() if pattern.search(code))
    return [f"review: code uses {', '.join(sorted(found))}"] if found else []


def _is_test_module(path: str) -> bool:
    """lessons/lNN_topic/<file> of a lesson whose learner file is a test module."""
    from course.manifest import find_lesson

    parts = path.replace("\\", "/").split("/")
    try:
        return len(parts) >= 2 and find_lesson(parts[-2]).tested_module is not None
    except LookupError:
        return False


def _tested_module(path: str) -> re.Pattern | None:
    """Imports of the module a learner's test module tests (its tests should send requests)."""
    from course.manifest import find_lesson

    parts = path.replace("\\", "/").split("/")
    try:
        lesson = find_lesson(parts[-2])
    except LookupError:
        return None
    stem = lesson.tested_module.removesuffix(".py")
    package = re.escape(f"lessons.{lesson.slug}")
    return re.compile(
        rf"^\s*from\s+(?:{package}|\.)\s+import\s+[^#\n]*\b{stem}\b|"
        rf"^\s*(?:from|import)\s+(?:{package}|\.?)\.{stem}\b|\bresolve\s*\(|\.cls\b|view_class|"
        # Other ways to the module or to the objects behind a response (its view, serializer,
        # URL match): none of them is something a client of the API sees.
        r"\b(?:importorskip|import_string|renderer_context|resolver_match|get_resolver|"
        r"url_patterns|wsgi_request)\b|\.data\s*\.\s*serializer\b",
        re.M,
    )


# Python 3.12+ splits f-strings into several tokens; their literal text is FSTRING_MIDDLE.
_BLANKED_TOKENS = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}


def _code_only(source: str) -> str:
    """`source` with comments and string literals blanked out, lines kept in place."""
    lines = source.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source  # broken code: scan it as it is
    for token in tokens:
        if token.type not in _BLANKED_TOKENS:
            continue
        (first, start), (last, end) = token.start, token.end
        for row in range(first, last + 1):
            line = lines[row - 1]
            lo = start if row == first else 0
            hi = end if row == last else len(line.rstrip("\r\n"))
            lines[row - 1] = line[:lo] + " " * (hi - lo) + line[hi:]
    return "".join(lines)


def runtime_flags(events: list[dict], changed: list[str]) -> list[str]:
    """Flags from the test process's audit records and its snapshot of the test machinery."""
    groups: dict[str, list[str]] = {}
    for event in events:
        kind = event.get("kind")
        if kind == "refused":
            reason = str(event.get("why") or "")
            label = _REFUSED_WORDS.get(reason, f"did something refused ({event.get('event')})")
            label = f"tampering: {label} (refused)"
        elif kind == "flag":
            label = "review: looked inside the test process"
        elif kind == "looked":
            label = "review: looked at code, the stack or the grader's objects, not the API"
        elif kind == "read":
            label = "review: read files outside its folder"
        else:
            continue
        detail = str(event.get("detail") or event.get("event") or "")
        if kind == "flag":
            detail = str(event.get("event"))
        if event.get("where"):
            detail = f"{detail} at {event['where']}" if detail else str(event["where"])
        details = groups.setdefault(label, [])
        if detail and detail not in details:
            details.append(detail)
    flags = [_join(label, details) for label, details in groups.items()]
    if changed:
        flags.append(_join("tampering: changed the test machinery", changed))
    return flags


def _join(label: str, details: list[str]) -> str:
    if not details:
        return label
    shown = ", ".join(details[:_MAX_DETAILS])
    more = f" and {len(details) - _MAX_DETAILS} more" if len(details) > _MAX_DETAILS else ""
    return f"{label}: {shown}{more}"


def is_tampering(flags: list[str]) -> bool:
    return any(flag.startswith("tampering:") for flag in flags)
