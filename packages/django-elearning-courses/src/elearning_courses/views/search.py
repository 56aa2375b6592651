"""Search inside courses: the results page (``?q=``)."""

from django.http import Http404


def search_page(request):
    raise Http404
