"""Admin pages for the shared domain, handy for looking at what a lesson's API changed."""

from django.contrib import admin

from playground_project.domain.models import Course, Enrolment, Student


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "credits", "owner"]


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "year", "owner"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["student", "course", "grade", "enrolled_on"]
    list_select_related = ["student", "course"]
