from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class StaffTwoFactorMiddleware:
    """Staff must set up TOTP before they can use anything but the account pages.

    Residents are never asked. Superusers count as staff. ``STAFF_MFA_REQUIRED=False`` turns the
    requirement off (tests where 2FA is not the subject).
    """

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_enrol(request):
            return redirect(reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)

    def _must_enrol(self, request) -> bool:
        if not settings.STAFF_MFA_REQUIRED:
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(self.ALLOWED_PREFIXES):
            return False
        from allauth.mfa.models import Authenticator

        from portal.access import is_staff_member

        if not is_staff_member(user):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
