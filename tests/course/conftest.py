"""Shared by the course's integrity checks."""

import os

# CI checks a clean clone: there the starter must be pristine. A course author's working copy
# may hold exercises done by hand, so locally the starter-only checks skip with a note.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def starter_is_pristine(lesson) -> bool:
    """The working copy still holds the starter: every exercise's TODO marker is there."""
    text = (lesson.folder / "exercise.py").read_text(encoding="utf-8")
    return all(f"TODO({e.id})" in text for e in lesson.exercises)


def pytest_collection_finish(session):
    """Start the Binder install test's slow install as soon as the session knows it will run."""
    for item in session.items:
        if getattr(item, "originalname", "") == (
            "test_binder_image_serves_lesson_01_and_its_links_through_the_proxy"
        ):
            item.module.start_install_early()
            return
