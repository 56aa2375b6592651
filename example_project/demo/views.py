from django.shortcuts import render


def home(request):
    """Home page: a welcome for visitors, a short dashboard by role when logged in."""
    return render(request, "home.html")
