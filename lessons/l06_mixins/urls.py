"""Lesson 06's URLs: the worked example (views.py) and the exercises (exercise.py).

A viewset is routed by binding HTTP methods to its actions with as_view({...}), once per
URL. Lesson 07's routers write exactly these bindings for you.
"""

from django.urls import path

from . import exercise, views

app_name = "l06"

# GET on the collection lists, POST creates; GET on one enrolment retrieves. Nothing else is
# bound, so PUT, PATCH and DELETE on an enrolment's URL answer 405.
enrolment_list = views.EnrolmentViewSet.as_view({"get": "list", "post": "create"})
enrolment_detail = views.EnrolmentViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("students/", views.StudentList.as_view(), name="student-list"),
    path("students/<int:pk>/", views.StudentDetail.as_view(), name="student-detail"),
    path("enrolments/", enrolment_list, name="enrolment-list"),
    path("enrolments/<int:pk>/", enrolment_detail, name="enrolment-detail"),
    path(
        "courses/<str:code>/students/<int:student_id>/",
        views.EnrolmentDetail.as_view(),
        name="course-student",
    ),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", exercise.CourseList.as_view(), name="course-list"),
    path("courses/<str:code>/", exercise.CourseDetail.as_view(), name="course-detail"),
    path("my-courses/", exercise.my_course_list, name="my-course-list"),
    path("my-courses/<str:code>/", exercise.my_course_detail, name="my-course-detail"),
]
