"""The `heartdesk` console command: Django's manage commands with Heartdesk's settings preset."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartdesk.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "heartdesk", *sys.argv[1:]])


if __name__ == "__main__":
    main()
