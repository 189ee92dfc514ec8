"""Serializers for lesson 10: the rows a token opens, the account it names, two request bodies."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from rest_framework import serializers

from playground_project.domain.models import Student

# However often a client refreshes, it logs in again this long after its login (E4).
SESSION_LIFETIME = timedelta(days=7)


class StudentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Student
        fields = ["id", "name", "email", "year"]


class UserSerializer(serializers.ModelSerializer):
    """The account a token names, as "me" shows it: never the password hash."""

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "is_staff"]
        read_only_fields = fields


class LoginSerializer(serializers.Serializer):
    """A login's body: both fields required; the password is never sent back."""

    username = serializers.CharField()
    # A password may begin or end with a space: compare it exactly as typed (Django's own
    # login form does not strip it either).
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class RefreshSerializer(serializers.Serializer):
    """A logout's body: the refresh token to blacklist."""

    refresh = serializers.CharField()
