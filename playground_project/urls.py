"""The playground's URLs: the index and the mail page, then every lesson under lessons/NN/.

A lesson whose learner code does not import is mounted as an error page naming the file and
line; the index and the other lessons keep working.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from course.loading import describe, import_lesson_urls
from course.manifest import all_lessons
from playground_project import learner, views

urlpatterns = [
    path("", views.index, name="index"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),  # log in / out for the browsable API
    path("mail/", views.mail, name="mail"),  # the mail the playground sent (lesson 11's codes)
]

if learner.enabled():
    # The lesson panel runs the learner's code and rewrites their files: only in the
    # playground (DEBUG and LEARNER_PANEL on), never under any other settings module.
    urlpatterns += [
        path("course/<str:nn>/check/", learner.check, name="panel-check"),
        path("course/<str:nn>/hint/", learner.hint, name="panel-hint"),
        path("course/<str:nn>/reset/", learner.reset, name="panel-reset"),
        path("course/<str:nn>/solution/", learner.solution, name="panel-solution"),
        path("course/<str:nn>/status/", learner.status, name="panel-status"),
    ]

for lesson in all_lessons():
    nn = lesson.nn
    # The text stays readable when the code is broken: that is when a learner needs it most.
    urlpatterns.append(
        path(f"text/{nn}/", views.lesson_text, {"slug": lesson.slug}, name=f"text-{nn}")
    )
    try:
        lesson_urls = import_lesson_urls(lesson)
    except (Exception, SystemExit) as exc:  # a learner's code may raise, or exit, at import
        views.BROKEN_LESSONS[lesson.slug] = error = describe(exc, lesson)
        urlpatterns.append(re_path(rf"^{lesson.url_prefix}", views.broken_lesson, {"error": error}))
        continue
    lesson_patterns = [path(lesson.url_prefix, include(lesson_urls))]
    urlpatterns += [
        *lesson_patterns,
        path(
            f"schema/{nn}/",
            SpectacularAPIView.as_view(
                patterns=lesson_patterns, custom_settings={"TITLE": f"Lesson {nn}: {lesson.title}"}
            ),
            name=f"schema-{nn}",
        ),
        path(
            f"docs/{nn}/",
            SpectacularSwaggerView.as_view(url_name=f"schema-{nn}"),
            name=f"docs-{nn}",
        ),
    ]
