"""Lesson 13: relationships and hyperlinked APIs."""
