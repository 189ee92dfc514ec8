"""Lesson 05: generic views."""
