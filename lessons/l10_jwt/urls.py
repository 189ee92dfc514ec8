"""Lesson 10's URLs: the worked example (views.py, simplejwt's views) and the exercises (exercise.py)."""

from django.urls import path
from rest_framework_simplejwt import views as jwt_views

from . import exercise, views

app_name = "l10"

urlpatterns = [
    path("", views.api_root, name="api-root"),
    # simplejwt's endpoints: log in, refresh, verify, log out (blacklist a refresh token).
    path("token/", views.TokenObtainPairView.as_view(), name="token-obtain-pair"),
    # token/refresh/ is E4's: simplejwt's refresh, plus single use and a session that ends.
    path("token/refresh/", exercise.SessionRefreshView.as_view(), name="token-refresh"),
    path("token/verify/", jwt_views.TokenVerifyView.as_view(), name="token-verify"),
    path("token/blacklist/", jwt_views.TokenBlacklistView.as_view(), name="token-blacklist"),
    # What an access token opens.
    path("students/mine/", views.MyStudentsView.as_view(), name="my-students"),
    path("students/", views.StudentListView.as_view(), name="student-list"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("login/", exercise.LoginView.as_view(), name="login"),
    path("token/claims/", exercise.ClaimsTokenObtainPairView.as_view(), name="token-claims"),
    path("me/", exercise.MeView.as_view(), name="me"),
    path("logout/", exercise.LogoutView.as_view(), name="logout"),
]
