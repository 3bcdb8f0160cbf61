"""Response headers every dynamic answer carries."""


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page and API answer that did not set its own policy.

    Nearly every page and answer carries personal data (names, phone numbers, notes): no
    browser or shared cache may keep it, nor show it again after logout through the back
    button. Static files never reach here (WhiteNoise answers them further up, with long
    caching of their hashed names).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
