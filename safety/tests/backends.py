"""Notification backends for drills, importable by the worker subprocesses the tests start."""

import os
import time

from notifications.sms import FileSmsBackend


class SlowFileSmsBackend(FileSmsBackend):
    """Takes a while before sending, so a drill can kill the worker mid-delivery."""

    def send(self, to, body, reference=""):
        time.sleep(float(os.environ.get("SLOW_SMS_SECONDS", "4")))
        super().send(to, body, reference)
