from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages over lists that change while they are read.

    A view names its order in `cursor_ordering` (unique in the end, so the cursor is exact);
    newest first otherwise.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "cursor_ordering", None)
        if ordering:
            return tuple(ordering)
        return super().get_ordering(request, queryset, view)
