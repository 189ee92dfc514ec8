"""The admin shows what the database keeps of a signup code: a hash, a time and a count."""

from django.contrib import admin

from .models import MailRation, SignupCode


@admin.register(SignupCode)
class SignupCodeAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_at", "attempts", "tries_this_hour", "code_hash"]
    readonly_fields = [
        "user",
        "code_hash",
        "sent_at",
        "attempts",
        "hour_started_at",
        "tries_this_hour",
    ]

    def has_add_permission(self, request):
        return False  # codes are made by signup and resend, never by hand


@admin.register(MailRation)
class MailRationAdmin(admin.ModelAdmin):
    list_display = ["address", "hour_started_at", "sent_this_hour"]
    search_fields = ["address"]
