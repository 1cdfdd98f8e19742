"""Verification codes go through portal.people.sms; a console transport never carries them in production."""

import logging

import pytest

from portal.people import sms
from portal.people.checks import sms_transport


@pytest.mark.django_db  # the code goes through the notifications SMS path, which keeps a delivery record
def test_the_console_transport_writes_the_message_to_the_log(settings, caplog):
    settings.SMS_BACKEND = "console"
    with caplog.at_level(logging.WARNING, logger="linli.sms"):
        sms.send_sms("+8613800000000", "Linli verification code: 123456.")
    assert "+8613800000000" in caplog.text and "123456" in caplog.text


def test_phone_verification_with_the_console_transport_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = "console"
    settings.ACCOUNT_PHONE_VERIFICATION_ENABLED = True
    assert [e.id for e in sms_transport(None)] == ["people.E001"]

    settings.ACCOUNT_PHONE_VERIFICATION_ENABLED = False
    assert sms_transport(None) == []


def test_an_unknown_sms_transport_is_reported(settings):
    settings.SMS_BACKEND = "pigeon"
    assert [e.id for e in sms_transport(None)] == ["people.E002"]
