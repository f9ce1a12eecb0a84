"""URLs. Each app owns its own; the site admin is for site administrators only."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import include, path, reverse


def home(request: HttpRequest) -> HttpResponse:
    """Public: signed-in people go to their initiatives, others to sign in."""
    if request.user.is_authenticated:
        return redirect("initiatives:list")
    return render(request, "home.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    """Public: the accessibility statement."""
    return render(request, "accessibility.html")


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The site admin signs in like everyone else: throttled, session-limited, with MFA."""
    return redirect(f"{reverse('accounts:sign-in')}?next={request.GET.get('next', '/site-admin/')}")


urlpatterns = [
    path("", home, name="home"),
    path("accessibility/", accessibility, name="accessibility"),
    path("account/", include("accord.apps.accounts.urls")),
    path("organisations/", include("accord.apps.organisations.urls")),
    path("initiatives/", include("accord.apps.initiatives.urls")),
    path("evidence/", include("accord.apps.evidence.urls")),
    path("agreements/", include("accord.apps.agreements.urls")),
    path("agreements/<int:pk>/exchange/", include("accord.apps.exchange.urls")),
    path("agreements/<int:pk>/incidents/", include("accord.apps.incidents.urls")),
    path("agreements/<int:pk>/disposal/", include("accord.apps.disposal.urls")),
    path("agreements/<int:pk>/reviews/", include("accord.apps.reviews.urls")),
    path("api/", include("accord.apps.exchange.api_urls")),
    path("register/", include("accord.apps.register.urls")),
    path("transparency/", include("accord.apps.transparency.urls")),
    path("site-admin/login/", admin_sign_in),
    path("site-admin/", admin.site.urls),
]

handler403 = "accord.web.errors.forbidden"
handler404 = "accord.web.errors.not_found"
handler500 = "accord.web.errors.server_error"
