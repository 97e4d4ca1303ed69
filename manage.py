#!/usr/bin/env python
"""Django's command-line utility for Home Visits."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load the settings first: a misconfiguration (no SECRET_KEY) is then always this one line, not
        # whichever system check Django happens to run first (AppRegistryNotReady).
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # One clear line on a misconfiguration instead of a wall of traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
