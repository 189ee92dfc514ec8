"""What the lesson's two emails say, as (subject, body) pairs for Django's send_mail().

    send_mail(*emails.signup_code(code), None, [address])   # None: DEFAULT_FROM_EMAIL

Where the mail goes is a setting (EMAIL_BACKEND): the playground writes it to files that
http://127.0.0.1:8000/mail/ lists, the graded tests keep it in django.core.mail.outbox.
"""

from .models import CODE_LIFETIME, MAX_TRIES


def signup_code(code: str) -> tuple[str, str]:
    """The email that carries a code: the only place the code ever appears."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return (
        "Your signup code",
        f"Your code is {code}\n\n"
        f"Enter it with your email address and password to finish signing up. It works once, "
        f"for {minutes} minutes and {MAX_TRIES} tries.\n\n"
        "If you did not sign up, ignore this email: without the code, nobody can use the account.\n",
    )


def address_in_use() -> tuple[str, str]:
    """The email sent instead of a code when the address already has an account."""
    return (
        "Someone tried to sign up with your address",
        "Someone, perhaps you, tried to sign up with this email address, which already has an "
        "account. Nothing was changed.\n\n"
        "If it was you: log in with your password. If you never entered your signup code, ask "
        "for a new one; your password is the one you chose the first time.\n\n"
        "If it was not you, ignore this email.\n",
    )
