from .context import Actor, client_ip, current_actor


class AuditContextMiddleware:
    """Remember who is making this request so that staff writes can be audited."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_actor.set(Actor(user=request.user, ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)
