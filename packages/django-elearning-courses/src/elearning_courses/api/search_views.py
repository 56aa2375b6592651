"""``GET /api/search/?q=``: the search page's results as JSON."""

from rest_framework.views import APIView


class SearchView(APIView):
    pass
