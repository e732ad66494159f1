"""Security headers on every response: a Content-Security-Policy without inline script, and
the API docs behind sign-in in production."""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login

CSP_HEADER = "Content-Security-Policy"


def tile_origin(url_template: str) -> str | None:
    """The origin map tiles come from (`{s}` subdomains become a wildcard), if any."""
    if not url_template:
        return None
    parts = urlsplit(url_template.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy() -> str:
    """Scripts only from this site's files (no inline script, no eval); styles may be inline
    (Leaflet, ECharts, htmx and the admin set them); no framing; forms post only here."""
    images = ["'self'", "data:", "blob:"]
    origin = tile_origin(settings.FENGQIAO_TILE_URL)
    if origin:
        images.append(origin)
    if settings.FENGQIAO_TIANDITU_TOKEN:  # 天地图's hosts t0–t7 (regions.tiles)
        images.append("https://*.tianditu.gov.cn")
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Adds the CSP and a Permissions-Policy; Django's SecurityMiddleware adds nosniff,
    Referrer-Policy, Cross-Origin-Opener-Policy and (in production, over HTTPS) HSTS."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(CSP_HEADER, self.policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        return response


def docs_behind_sign_in(view):
    """The API docs and schema: open in demo mode, for signed-in users in production."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if settings.PRODUCTION and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
