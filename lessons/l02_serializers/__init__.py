"""Lesson 02: serializers written by hand (fields, validation, create and update)."""
