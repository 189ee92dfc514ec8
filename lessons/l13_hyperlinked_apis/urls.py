"""Lesson 13's URLs: one DefaultRouter for the worked example and the exercises.

Every route is named "<basename>-list" or "<basename>-detail" (or "<basename>-<action>")
inside the namespace "l13": a hyperlinked field's view_name must be exactly one of them.
"""

from rest_framework.routers import DefaultRouter

from . import exercise, views

app_name = "l13"

# DefaultRouter writes an API root at "" whose links come from the registrations below, so a
# client needs to know one URL: /lessons/13/.
router = DefaultRouter()
router.APIRootView = views.ApiRoot  # the root view with this lesson's authentication
router.register("students", views.StudentViewSet)  # basename "student"
# The exercises' viewsets: the same URLs serve the starter, the solution or a student's answer.
router.register("courses", exercise.CourseViewSet)  # basename "course"
router.register("enrolments", exercise.EnrolmentViewSet)  # basename "enrolment"

urlpatterns = router.urls
