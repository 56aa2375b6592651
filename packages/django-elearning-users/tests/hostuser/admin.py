from django.contrib import admin

from elearning_users.admin import ElearningUserAdmin

from .models import Member


@admin.register(Member)
class MemberAdmin(ElearningUserAdmin):
    fieldsets = (*ElearningUserAdmin.fieldsets, ("Club", {"fields": ("club",)}))
