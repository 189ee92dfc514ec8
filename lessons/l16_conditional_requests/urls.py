"""Lesson 16's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path, re_path

from . import exercise, views

app_name = "l16"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("changes/", views.CatalogueChanges.as_view(), name="changes"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/<str:code>/", exercise.CourseDetail.as_view(), name="course-detail"),
    path("catalogue/", exercise.Catalogue.as_view(), name="catalogue"),
    path("me/courses/", exercise.MyCourses.as_view(), name="my-courses"),
    # URLPathVersioning reads the version from this keyword; which ones exist is the view's
    # versioning class's business (allowed_versions), so any v<number> reaches it.
    re_path(
        r"^(?P<version>v[0-9]+)/catalogue/$",
        exercise.VersionedCatalogue.as_view(),
        name="catalogue-versions",
    ),
]
