#!/usr/bin/env python
"""Django's command-line utility for the playground (`python -m course start` wraps it)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
