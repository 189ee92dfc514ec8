"""Serializers for the signup flow: they check the shape of each body, never the database.

None of them looks up whether an address is already in use: a validator that did (a
ModelSerializer on User, or `UniqueValidator`, lesson 02) would answer "user with this email
already exists" and tell anyone which addresses have accounts.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

User = get_user_model()


class EmailField(serializers.EmailField):
    """An address in one spelling: `Ann@Example.org ` and `ann@example.org` are one account.

    It becomes the username, which holds 150 characters.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).lower()


class PasswordField(serializers.CharField):
    """A password as typed: never echoed back, spaces kept."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)


class SignupSerializer(serializers.Serializer):
    email = EmailField()
    password = PasswordField()

    def validate(self, attrs):
        # Django's password validators (AUTH_PASSWORD_VALIDATORS), as the admin runs them; the
        # similarity check compares the password with the user it would belong to.
        candidate = User(username=attrs["email"], email=attrs["email"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class VerifySerializer(serializers.Serializer):
    email = EmailField()
    # ASCII digits only: a malformed code is a 400 before any try is counted.
    code = serializers.RegexField(
        r"^[0-9]{6,12}$", error_messages={"invalid": "A code is 6 to 12 digits."}
    )
    password = PasswordField()


class ResendSerializer(serializers.Serializer):
    email = EmailField()


class MessageSerializer(serializers.Serializer):
    """An answer that is one sentence, `{"detail": "..."}`: signup/ and resend/ say no more."""

    detail = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "is_active", "date_joined"]
        read_only_fields = fields
