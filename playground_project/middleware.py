"""Mark responses as the course playground's, so a notebook can tell it from another server."""


class PlaygroundHeaderMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Course-Playground"] = "1"
        return response
