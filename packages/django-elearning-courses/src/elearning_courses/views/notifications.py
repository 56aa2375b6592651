"""The notifications page: one's own notifications, marked read one by one or all at once."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView, View

from .. import notifications
from ..conf import app_settings
from ..models import Notification
from .mixins import CoursePageMixin, LenientPaginationMixin, safe_next


class NotificationListView(LoginRequiredMixin, CoursePageMixin, LenientPaginationMixin, ListView):
    template_name = "elearning_courses/notification_list.html"
    context_object_name = "notifications"

    def get_paginate_by(self, queryset):
        return app_settings.NOTIFICATIONS_PAGE_SIZE

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        count = notifications.unread_count(self.request.user)
        # Share the count with the navbar bell: the context processor reads this cache.
        self.request._elearning_unread_count = count
        kwargs["unread_count"] = count
        return super().get_context_data(**kwargs)


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one notification read. Someone else's is a 404: its existence is private."""

    http_method_names = ["post"]

    def post(self, request, pk):
        get_object_or_404(Notification, pk=pk, recipient=request.user)
        notifications.mark_read(request.user, pk)
        return redirect(safe_next(request, "elearning_courses:notification_list"))


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a notification's link and mark it read (the list's links point here).

    Someone else's notification is a 404; a link that does not stay on this site
    leads back to the list instead.
    """

    def get(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        notifications.mark_read(request.user, pk)
        target = notification.url
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect("elearning_courses:notification_list")


class NotificationReadAllView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        count = notifications.mark_all_read(request.user)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d notification marked as read.", "%(count)d notifications marked as read.", count
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("You have no unread notifications."))
        return redirect(safe_next(request, "elearning_courses:notification_list"))
