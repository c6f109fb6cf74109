from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the API token of a user (made on first use)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--create", action="store_true", help="Create the user if it does not exist."
        )

    def handle(self, username, create, **options):
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        if user is None and not create:
            raise CommandError("No user named %r (add --create to make one)." % username)
        if user is None:
            user = users.objects.create_user(username)
            user.set_unusable_password()
            user.save(update_fields=["password"])

        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
