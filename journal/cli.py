"""The ``flask journal`` command group: thin wrappers over the services."""

from __future__ import annotations

import time
from typing import Any, cast

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.services import accounts, rendering
from journal.services import seed as seeding


class MigrationCommands(click.Group):
    """``flask db``: Flask-Migrate's commands, bound to the app only when one is asked for.

    So a web worker never imports Alembic (see ``journal.init_migrations``).
    """

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Database migrations (Flask-Migrate, Alembic).")
        self.app = app

    def _commands(self) -> click.Group:
        from flask_migrate.cli import db as migrate_commands  # untyped: a click.Group

        from journal import init_migrations

        if "migrate" not in self.app.extensions:
            init_migrations(self.app)
        return cast(click.Group, migrate_commands)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Hand the invocation to Flask-Migrate's own group: its options, callback and help."""
        return self._commands().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The names of Flask-Migrate's commands."""
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """One of Flask-Migrate's commands, with Flask-Migrate bound to the app."""
        return self._commands().get_command(ctx, cmd_name)


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


@journal_cli.command("wait-db")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to keep trying.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between attempts.")
def wait_db(timeout: float, interval: float) -> None:
    """Wait until the database answers a trivial query (for container start-up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            db.session.rollback()
            if time.monotonic() + interval > deadline:
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                click.echo(f"The database did not answer within {timeout:g}s: {reason}", err=True)
                raise click.exceptions.Exit(1) from None
            time.sleep(interval)
        else:
            db.session.remove()
            click.echo("The database is ready.")
            return


@journal_cli.command("seed")
@click.option("--users", default=10, show_default=True, type=click.IntRange(min=0))
@click.option("--entries", default=200, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", "seed_value", default=1, show_default=True, help="same seed, same data")
@click.option("--append", is_flag=True, help="add to a database that already has data")
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


@journal_cli.command("rerender")
@click.option(
    "--batch-size",
    default=rendering.BATCH_SIZE,
    show_default=True,
    type=click.IntRange(min=1),
    help="entries per transaction",
)
def rerender_command(batch_size: int) -> None:
    """Render every entry's Markdown again, so old entries look like new ones.

    Run it after an upgrade that changes how Markdown is rendered; it is safe to
    run while the site serves, and again after an interruption.
    """

    reported = 0

    def progress(seen: int, changed: int) -> None:
        nonlocal reported
        if seen // 10_000 > reported // 10_000:  # a line each time another 10,000 are read
            click.echo(f"  {seen:,} entries read, {changed:,} changed", err=True)
        reported = seen

    report = rendering.rerender_entries(batch_size=batch_size, progress=progress)
    click.echo(f"Re-rendered {report.seen:,} entries: {report.changed:,} changed.")


@journal_cli.command("media-gc")
@click.option(
    "--grace-hours",
    type=click.IntRange(min=0),
    default=None,
    help="keep unused uploads younger than this (default: MEDIA_GC_GRACE_HOURS, 24)",
)
def media_gc_command(grace_hours: int | None) -> None:
    """Remove photos no entry uses, once older than the grace period.

    Meant for cron; safe to run on several hosts at once (each photo is removed by one).
    """
    from datetime import timedelta

    from flask import current_app

    from journal.services import media

    hours = grace_hours if grace_hours is not None else current_app.config["MEDIA_GC_GRACE_HOURS"]
    removed = media.collect_garbage(timedelta(hours=int(hours)))
    click.echo(f"Removed {removed:,} unused photo(s).")
