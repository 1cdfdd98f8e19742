"""allauth login stages adapted to people who have a phone number but no email address."""

from allauth.account import app_settings
from allauth.account.stages import EmailVerificationStage


class EmailVerificationUnlessPhoneOnlyStage(EmailVerificationStage):
    """Mandatory email verification cannot apply to someone without an email address.

    Residents registered by the office (or imported) may have only a mobile number; their phone
    is verified by its own stage (an SMS code) before this one runs.
    """

    def handle(self):
        user = self.login.user
        if (
            user is not None
            and not user.email
            and user.phone
            and (user.phone_verified or not app_settings.PHONE_VERIFICATION_ENABLED)
        ):
            return None, True
        return super().handle()
