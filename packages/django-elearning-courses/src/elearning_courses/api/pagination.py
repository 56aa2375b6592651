from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings


class ElearningPagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``?page=`` and ``?page_size=`` (max 100).

    The page size defaults to the site's ``REST_FRAMEWORK["PAGE_SIZE"]`` (20 when unset).
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        self.page_size = api_settings.PAGE_SIZE or 20
        return super().get_page_size(request)
