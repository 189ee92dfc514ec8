"""Lesson 02's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path

from . import exercise, views

app_name = "l02"

urlpatterns = [
    path("", views.api_root, name="api-root"),
    path("students/", views.student_list, name="student-list"),
    path("students/<int:pk>/", views.student_detail, name="student-detail"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", exercise.course_list, name="course-list"),
    path("courses/<int:pk>/", exercise.course_detail, name="course-detail"),
    path("enrolments/", exercise.enrolment_list, name="enrolment-list"),
    path("enrolments/<int:pk>/", exercise.enrolment_detail, name="enrolment-detail"),
    path("accounts/", exercise.register, name="register"),
]
