"""Lesson 06: mixins, the building blocks of generic views and viewsets."""
