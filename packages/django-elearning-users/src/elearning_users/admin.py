from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", *BaseUserAdmin.list_filter)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("E-learning"), {"fields": ("role", "status", "profile_picture")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("E-learning"), {"fields": ("role",)}),
    )
