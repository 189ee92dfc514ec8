"""Lesson 10: JSON Web Tokens with simplejwt."""
