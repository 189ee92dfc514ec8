"""Lesson 11's URLs: the signup flow (exercise.py) and the token endpoints around it (views.py)."""

from django.urls import path
from rest_framework_simplejwt.views import TokenBlacklistView, TokenRefreshView

from . import exercise, views

app_name = "l11"

urlpatterns = [
    path("", views.api_root, name="api-root"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("signup/", exercise.SignupView.as_view(), name="signup"),
    path("verify/", exercise.VerifyView.as_view(), name="verify"),
    path("resend/", exercise.ResendView.as_view(), name="resend"),
    # simplejwt's views (lesson 10), mounted here too so that this lesson stands on its own.
    path("token/", views.LoginView.as_view(), name="token"),
    path("token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("token/blacklist/", TokenBlacklistView.as_view(), name="token-blacklist"),
    path("me/", views.MeView.as_view(), name="me"),
]
