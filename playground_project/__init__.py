"""The playground: one Django project that mounts every lesson under its own URL prefix."""
