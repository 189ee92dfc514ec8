"""Lesson 03's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path

from . import exercise, views

app_name = "l03"

urlpatterns = [
    path("", views.api_root, name="api-root"),
    path("students/", views.student_list, name="student-list"),
    path("students/<int:pk>/", views.student_detail, name="student-detail"),
    path("enrolments/", views.enrolment_list, name="enrolment-list"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", exercise.course_list, name="course-list"),
    path("courses/<int:pk>/", exercise.course_detail, name="course-detail"),
    path("rosters/", exercise.roster_list, name="roster-list"),
    path("rosters/<int:pk>/", exercise.roster_detail, name="roster-detail"),
]
