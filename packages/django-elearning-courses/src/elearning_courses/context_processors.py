"""Template context for the navbar bell."""

from django.utils.functional import SimpleLazyObject


def _unread_count(request):
    cached = getattr(request, "_elearning_unread_count", None)
    if cached is None:
        from .notifications import unread_count

        cached = unread_count(request.user)
        request._elearning_unread_count = cached
    return cached


def notifications(request):
    """``elearning_unread_count``: the user's unread notifications (0 when anonymous).

    Lazy: the single COUNT query runs only if a template uses the value, at most once
    per request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"elearning_unread_count": 0}
    return {"elearning_unread_count": SimpleLazyObject(lambda: _unread_count(request))}
