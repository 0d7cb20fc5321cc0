"""Security headers Django 5.2 does not set by itself."""

from django.conf import settings

# No inline or eval'd script anywhere: every page loads its JavaScript from /static/. Inline
# styles stay allowed (htmx adds its indicator style; the loader positions its button).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: https:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _parse(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _sep, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response; a view's own directives (the widget page's
    frame-ancestors, which name the widget's allowed origins) win over the defaults."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.CSP_EXEMPT_PATHS):
            return response
        policy = {**CONTENT_SECURITY_POLICY, **_parse(response.get("Content-Security-Policy", ""))}
        response["Content-Security-Policy"] = "; ".join(f"{k} {v}" for k, v in policy.items())
        return response
