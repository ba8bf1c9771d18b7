"""The ``flask journal`` command group: thin wrappers over the services."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from journal.exceptions import ValidationFailed
from journal.services import accounts


# An AppGroup runs each command inside the app context, however the group is invoked
# (``flask``, or ``app.test_cli_runner()``, which pushes no context of its own).
@click.group("journal", cls=AppGroup)
def journal_cli() -> None:
    """Manage the Journal."""


@journal_cli.command("create-user")
@click.option("--username", required=True, help="3-32 letters, digits, '_', '-' or '.'")
@click.option("--email", required=True)
def create_user(username: str, email: str) -> None:
    """Create an account that obeys the same rules as the registration form.

    The password is prompted twice, hidden, and never taken from the command line.
    """
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.register_user(
            accounts.Registration(username=username, email=email, password=password)
        )
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"Created user {user.username}.")
