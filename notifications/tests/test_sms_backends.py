"""The SMS backend named by SMS_BACKEND, including a name from before the outbox had its own app."""

from notifications import sms


def test_the_default_backend_writes_to_the_log(settings):
    settings.SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleSmsBackend)


def test_a_backend_named_under_its_old_module_is_still_found(settings):
    """An environment that set SMS_BACKEND=safety.sms.FileSmsBackend before the move keeps working."""
    settings.SMS_BACKEND = "safety.sms.FileSmsBackend"
    assert isinstance(sms.get_backend(), sms.FileSmsBackend)


def test_the_memory_backend_keeps_each_message(settings):
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    sms.outbox.clear()
    sms.get_backend().send("07700 900123", "Late: A Teacher should have called in", reference="<n-1@x>")
    assert sms.outbox == [("07700 900123", "Late: A Teacher should have called in")]
    sms.outbox.clear()
