"""Lesson 16's demo rows: the demo courses again, as versioned courses (seed_demo loads them)."""

from playground_project.domain.demo import COURSES

from .models import VersionedCourse


def load(users) -> dict[str, int]:
    """Create the versioned courses that are missing, owned by admin; running it twice changes nothing."""
    for code, title, credits in COURSES:
        if not VersionedCourse.objects.filter(code=code).exists():
            VersionedCourse.objects.create(
                code=code, title=title, credits=credits, owner=users["admin"]
            )
    return {"versioned courses": VersionedCourse.objects.count()}
