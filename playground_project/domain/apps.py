"""App configuration for the shared domain."""

from django.apps import AppConfig


class DomainConfig(AppConfig):
    name = "playground_project.domain"
    label = "domain"
    verbose_name = "Course domain"

    def ready(self):
        from django.utils.autoreload import autoreload_started

        autoreload_started.connect(_watch_lessons)


def _watch_lessons(sender, **kwargs):
    """Reload on edits to learner files even when one failed to import (so is not in sys.modules)."""
    from course.manifest import LESSONS_DIR

    sender.watch_dir(LESSONS_DIR, "**/*.py")
    sender.watch_dir(LESSONS_DIR, "**/*.toml")
