from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Connection, Message, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "created_at"]
    search_fields = ["slug", "title"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "author", "short_body", "created_at", "deleted"]
    list_filter = ["deleted", "room"]
    search_fields = ["body"]
    list_select_related = ["room", "author"]
    raw_id_fields = ["author"]
    actions = ["mark_deleted"]

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body[:80]

    @admin.action(description=_("Delete selected messages (hide them from the room)"))
    def mark_deleted(self, request, queryset):
        queryset.update(deleted=True)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["room_slug", "user", "server_id", "seen_at"]
    list_filter = ["room_slug"]
    list_select_related = ["user"]
