import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the 'admin' superuser if no account exists yet, with the "
        "password from DAM_ADMIN_PASSWORD or a generated one printed once."
    )

    def handle(self, *args, **options):
        users = get_user_model()
        if users.objects.filter(username="admin").exists():
            return

        password = os.environ.get("DAM_ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", email="", password=password)

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Created the administrator account."))
        self.stdout.write("  user:     admin")
        if generated:
            self.stdout.write("  password: %s   (shown only this once)" % password)
        else:
            self.stdout.write("  password: the value of DAM_ADMIN_PASSWORD")
        self.stdout.write("")
