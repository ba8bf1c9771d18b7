"""The ``flask journal`` command group: thin wrappers over the services."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from journal.exceptions import ValidationFailed
from journal.services import accounts
from journal.services import seed as seeding


@click.group("journal")
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


@journal_cli.command("seed")
@click.option("--users", default=10, show_default=True, type=click.IntRange(min=0))
@click.option("--entries", default=200, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", "seed_value", default=1, show_default=True, help="same seed, same data")
@click.option("--append", is_flag=True, help="add to a database that already has data")
@with_appcontext
def seed_command(users: int, entries: int, seed_value: int, append: bool) -> None:
    """Fill the database with deterministic demo users and entries, in bulk.

    Every demo account's password is the one printed at the end.
    """
    started = time.perf_counter()

    def progress(done: int) -> None:
        if entries >= 100_000 and done % 100_000 == 0:
            click.echo(f"  {done:,} of {entries:,} entries", err=True)

    try:
        report = seeding.seed(users, entries, seed_value, append=append, progress=progress)
    except seeding.DatabaseNotEmpty:
        click.echo(
            "The database already has users or entries; pass --append to add to them.", err=True
        )
        raise click.exceptions.Exit(1) from None
    except ValueError as error:
        click.echo(f"Cannot seed: {error}.", err=True)
        raise click.exceptions.Exit(1) from None
    seconds = time.perf_counter() - started
    click.echo(
        f"Seeded {report.users:,} users and {report.entries:,} entries "
        f"({report.entry_tags:,} tag links over {report.tags} tags) in {seconds:.1f} s."
    )
    if report.users:
        click.echo(f"Demo accounts sign in with the password: {seeding.DEMO_PASSWORD}")
