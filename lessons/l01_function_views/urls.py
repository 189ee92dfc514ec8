"""Lesson 01's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path

from . import exercise, views

app_name = "l01"

urlpatterns = [
    path("", views.api_root, name="api-root"),
    path("students/", views.student_list, name="student-list"),
    path("students/<int:pk>/", views.student_detail, name="student-detail"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", exercise.course_list, name="course-list"),
    path("courses/<int:pk>/", exercise.course_detail, name="course-detail"),
    path("courses/<int:pk>/students/", exercise.course_students, name="course-students"),
]
