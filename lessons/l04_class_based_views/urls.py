"""Lesson 04's URLs: the worked example (views.py) and the exercises (exercise.py).

A class is routed with `as_view()`, which makes a function that builds a new instance of the
class for every request and calls its dispatch(): nothing stored on `self` outlives a request.
"""

from django.urls import path

from . import exercise, views

app_name = "l04"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("students/", views.StudentList.as_view(), name="student-list"),
    path("students/<int:pk>/", views.StudentDetail.as_view(), name="student-detail"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", exercise.CourseList.as_view(), name="course-list"),
    path("courses/<int:pk>/", exercise.CourseDetail.as_view(), name="course-detail"),
    path(
        "courses/<int:pk>/enrolments/",
        exercise.CourseEnrolments.as_view(),
        name="course-enrolments",
    ),
]
