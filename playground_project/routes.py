"""The playground's URL patterns, in parts: its own pages, and one lesson's.

playground_project/urls.py mounts every lesson with them; a run of lesson 14's tests
(course/mutation_urls.py) mounts only the lesson it tests, with the same paths and names.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from course.loading import describe, import_lesson_urls
from playground_project import learner, views


def common_patterns() -> list:
    """The playground's own pages: the index, the admin, DRF's login, the mail page, the panel."""
    patterns = [
        path("", views.index, name="index"),
        path("admin/", admin.site.urls),
        path("api-auth/", include("rest_framework.urls")),  # log in / out for the browsable API
        path("mail/", views.mail, name="mail"),  # the mail the playground sent (lesson 11's codes)
    ]
    if learner.enabled():
        # The lesson panel runs the learner's code and rewrites their files: only in the
        # playground (DEBUG and LEARNER_PANEL on), never under any other settings module.
        patterns += [
            path("course/<str:nn>/check/", learner.check, name="panel-check"),
            path("course/<str:nn>/hint/", learner.hint, name="panel-hint"),
            path("course/<str:nn>/reset/", learner.reset, name="panel-reset"),
            path("course/<str:nn>/solution/", learner.solution, name="panel-solution"),
            path("course/<str:nn>/status/", learner.status, name="panel-status"),
        ]
    return patterns


def lesson_patterns(lesson) -> list:
    """One lesson's text, its API (or the error page naming what to fix), its schema and docs."""
    nn = lesson.nn
    # The text stays readable when the code is broken: that is when a learner needs it most.
    patterns = [path(f"text/{nn}/", views.lesson_text, {"slug": lesson.slug}, name=f"text-{nn}")]
    try:
        lesson_urls = import_lesson_urls(lesson)
    except (Exception, SystemExit) as exc:  # a learner's code may raise, or exit, at import
        views.BROKEN_LESSONS[lesson.slug] = error = describe(exc, lesson)
        patterns.append(re_path(rf"^{lesson.url_prefix}", views.broken_lesson, {"error": error}))
        return patterns
    mounted = [path(lesson.url_prefix, include(lesson_urls))]
    return [
        *patterns,
        *mounted,
        path(
            f"schema/{nn}/",
            SpectacularAPIView.as_view(
                patterns=mounted, custom_settings={"TITLE": f"Lesson {nn}: {lesson.title}"}
            ),
            name=f"schema-{nn}",
        ),
        path(
            f"docs/{nn}/",
            SpectacularSwaggerView.as_view(url_name=f"schema-{nn}"),
            name=f"docs-{nn}",
        ),
    ]
