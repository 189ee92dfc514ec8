"""Lesson 12's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path

from . import exercise, views

app_name = "l12"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("students/", views.StudentList.as_view(), name="student-list"),
    path("students/feed/", views.StudentFeed.as_view(), name="student-feed"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("catalogue/", exercise.CatalogueList.as_view(), name="catalogue-list"),
    path("roster/", exercise.RosterList.as_view(), name="roster-list"),
    path("roster/recent/", exercise.RecentEnrolments.as_view(), name="roster-recent"),
]
