""""Alerts on this device" as a panel any page of an app above notifications can show (the devices
page, the office board): turn on web push in this browser, the person's devices, remove one, send
oneself a test. static/js/push.js drives it from its markup (the CSP allows no inline script)."""

from django import template

from .. import devices
from ..providers import vapid

register = template.Library()


@register.inclusion_tag("notifications/_push_devices.html", takes_context=True)
def push_devices_panel(context, heading=True):
    request = context["request"]
    return {"devices": devices.of(request.user), "public_key": vapid.public_key(),
            "next": request.get_full_path(), "heading": heading}
