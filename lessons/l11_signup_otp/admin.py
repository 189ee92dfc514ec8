"""The admin shows what the database keeps of a signup code: a hash, a time and a count."""

from django.contrib import admin

from .models import SignupCode


@admin.register(SignupCode)
class SignupCodeAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_at", "attempts", "code_hash"]
    readonly_fields = ["user", "code_hash", "sent_at", "attempts"]

    def has_add_permission(self, request):
        return False  # codes are made by signup and resend, never by hand
