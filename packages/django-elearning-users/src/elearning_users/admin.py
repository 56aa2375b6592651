"""Admin of the user model.

:class:`ElearningUserAdmin` works for any subclass of
:class:`~elearning_users.models.AbstractElearningUser`. Only ``elearning_users.User`` is
registered here, and only while it is the site's user model; a site with its own model
registers it itself::

    from django.contrib import admin
    from elearning_users.admin import ElearningUserAdmin

    @admin.register(Member)
    class MemberAdmin(ElearningUserAdmin):
        fieldsets = (*ElearningUserAdmin.fieldsets, ("Club", {"fields": ("club",)}))
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


class ElearningUserAdmin(BaseUserAdmin):
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


#: The former name, kept for sites that import it.
UserAdmin = ElearningUserAdmin

# A swapped-out model has no table: registering it would only add a broken admin page.
if not User._meta.swapped:
    admin.site.register(User, ElearningUserAdmin)
