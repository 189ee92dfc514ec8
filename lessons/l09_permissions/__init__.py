"""Lesson 09: permissions, built in, composed and written by hand."""
