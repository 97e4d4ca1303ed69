"""Which pages the phone may keep for use without signal (the service worker, notifications/serviceworker.js).

A page is kept only when its view says so with this header, and only the signed-in member of staff's
own pages say so: their visits of the day and the check-in and visit pages of the visits they are on.
Imports no app, so every app's views may use it."""

KEEP_HEADER = "X-Keep-Offline"


def keep_offline(response):
    """Let the phone's service worker keep this page, to show it when there is no signal."""
    response[KEEP_HEADER] = "1"
    return response
