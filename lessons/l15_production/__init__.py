"""Lesson 15: from the playground to production, on a real PostgreSQL."""
