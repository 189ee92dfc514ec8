"""`manage.py seed_demo`: load the demo data (idempotent)."""

from django.core.management.base import BaseCommand

from playground_project.domain.demo import load_demo_data


class Command(BaseCommand):
    help = "Load the demo users, courses, students and enrolments (safe to run again)."

    def handle(self, *args, **options):
        counts = load_demo_data()
        self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
