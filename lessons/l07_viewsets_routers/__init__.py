"""Lesson 07: viewsets and routers."""
