"""Views of the journal blueprint."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import Select
from werkzeug.exceptions import HTTPException

from journal.blueprints.journal import bp
from journal.blueprints.journal.forms import EntryForm
from journal.error_pages import render_error
from journal.exceptions import DatabaseUnavailable, EntryNotFound, NotAllowed, ValidationFailed
from journal.feeds import FEED_TYPE, atom_feed
from journal.identity import signed_in_user
from journal.models import Entry, User
from journal.services import entries, entry_views, listings
from journal.services import search as full_text
from journal.services.entry_views import EntryCard
from journal.services.listings import Page

FORM_ENDPOINTS = {"journal.new_entry", "journal.edit_entry"}


# More digits than this is a page no listing reaches (and an offset the database refuses).
PAGE_DIGITS_MAX = 9


def page_number() -> int:
    """``?page=N`` as a number of at least 1; anything else (``0``, ``abc``, ``1.5``) is 404."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > PAGE_DIGITS_MAX or int(raw) < 1:
        abort(404)
    return int(raw)


def cursor_arg(name: str) -> tuple[datetime, int] | None:
    """A keyset cursor from ``?before=`` or ``?after=``; a malformed one is 404."""
    raw = request.args.get(name)
    if raw is None:
        return None
    cursor = listings.parse_cursor(raw)
    if cursor is None:
        abort(404)
    return cursor


def listing(query: Select[Entry]) -> Page[EntryCard]:
    """One page of a newest-first listing; a page past the end is 404, page 1 always answers.

    ``?page=N`` alone is found by offset; the page links also carry a keyset cursor
    (``before``/``after``), so paging on by the links costs the same on every page.
    """
    page = listings.paginate_newest(
        query,
        page_number(),
        current_app.config["ENTRIES_PER_PAGE"],
        entry_views.fetch_cards,
        before=cursor_arg("before"),
        after=cursor_arg("after"),
    )
    if not page.items and page.number > 1:
        abort(404)
    return page


@bp.get("/")
def index() -> ResponseReturnValue:
    """Signed in: your own journal, private and public. Signed out: what people shared."""
    reader = signed_in_user()
    if reader is None:
        page = listing(listings.visible_entries(None))
    else:
        page = listing(listings.entries_by(reader, reader))
    return render_template("journal/index.html", page=page)


@bp.get("/explore")
def explore() -> ResponseReturnValue:
    """Everyone's public entries, newest first (your own private ones are not here)."""
    page = listing(listings.visible_entries(None))
    return render_template("journal/explore.html", page=page)


@bp.get("/u/<username>")
def user_page(username: str) -> ResponseReturnValue:
    """One person's entries that the viewer may see; an unknown name is 404."""
    author = listings.get_user(username)
    page = listing(listings.entries_by(signed_in_user(), author))
    return render_template("journal/user.html", author=author, page=page)


@bp.get("/tags/<tag>")
def tag_page(tag: str) -> ResponseReturnValue:
    """Entries with this tag that the viewer may see; a tag with none is an empty page.

    A name that can never be a tag (``NotATag!``) is 404.
    """
    if not entries.is_tag_name(tag.lower()):
        abort(404)
    page = listing(listings.entries_tagged(signed_in_user(), tag))
    return render_template("journal/tag.html", tag=tag.lower(), page=page)


@bp.get("/search")
def search() -> ResponseReturnValue:
    """Full-text search over what the viewer may see, best match first."""
    query = request.args.get("q", "").strip()
    page: Page[EntryCard] | None = None
    snippets: dict[int, Markup] = {}
    matched: full_text.Count | None = None
    if query:
        parts = listings.search_entries(signed_in_user(), query)
        page = listings.paginate(
            parts,
            page_number(),
            current_app.config["ENTRIES_PER_PAGE"],
            entry_views.fetch_cards,
        )
        if not page.items and page.number > 1:
            abort(404)
        snippets = full_text.snippets([card.id for card in page.items], query)
        if page.number == 1 and not page.has_next:
            matched = full_text.Count(len(page.items), exact=True)  # all on this page
        elif page.items:
            matched = full_text.count_up_to(parts, full_text.MATCHES_COUNTED)
    return render_template(
        "journal/search.html", query=query, page=page, snippets=snippets, matched=matched
    )


def feed_response(author: User | None) -> Response:
    """The Atom feed of the newest public entries (never a private one, whoever asks)."""
    items = entry_views.fetch_views(listings.public_entries(author))
    return Response(atom_feed(items, author), mimetype=FEED_TYPE)


@bp.get("/feed.atom")
def site_feed() -> ResponseReturnValue:
    """The newest public entries of everyone."""
    return feed_response(None)


@bp.get("/u/<username>/feed.atom")
def user_feed(username: str) -> ResponseReturnValue:
    """The newest public entries of one person."""
    return feed_response(listings.get_user(username))


@bp.route("/entry", methods=["GET", "POST"])
@login_required
def new_entry() -> ResponseReturnValue:
    """Write a new entry."""
    form = EntryForm()
    if form.validate_on_submit():
        try:
            entry = entries.create_entry(current_user, form.to_input())
        except ValidationFailed as error:
            form.attach(error)
        else:
            flash("Entry saved.", "success")
            return redirect(url_for("journal.show_entry", entry_id=entry.id))
    status = 422 if form.errors else 200
    return render_template("journal/edit.html", form=form, entry_id=None), status


@bp.get("/entries/<int:entry_id>")
def show_entry(entry_id: int) -> ResponseReturnValue:
    """One entry, if the viewer may see it (another's private entry is 404)."""
    entry = entry_views.read_entry(entry_id, signed_in_user())
    return render_template("journal/entry.html", entry=entry)


def writing_again(error: HTTPException, message: str) -> ResponseReturnValue:
    """The writing form as it was posted, with ``message`` on top and ``error``'s status."""
    form = EntryForm(formdata=request.form, meta={"csrf": True})
    form.form_errors.append(message)
    entry_id = (request.view_args or {}).get("entry_id")
    headers = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]
    page = render_template("journal/edit.html", form=form, entry_id=entry_id)
    return page, error.code or 400, headers


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError) -> ResponseReturnValue:
    """A writing form refused for its token comes back filled in, so no writing is lost.

    That includes a writer signed out meanwhile (in another tab, say): the new entry's text
    comes back with the advice to sign in and press Save again.
    """
    signed_in = current_user.is_authenticated
    if request.endpoint not in FORM_ENDPOINTS or not (
        signed_in or request.endpoint == "journal.new_entry"
    ):
        return render_error(error)
    if request.view_args and "entry_id" in request.view_args:
        try:
            entries.get_entry_for_change(request.view_args["entry_id"], current_user)
        except (EntryNotFound, NotAllowed) as refused:
            # The entry rules answer first (404, 403): an error handler's own error is a 500.
            return render_error(refused)
    return writing_again(
        error,
        "This form had expired, so nothing was saved. Your text is below: press Save again."
        if signed_in
        else "You are signed out, so nothing was saved. Your text is below: sign in "
        "(in another tab), then press Save again.",
    )


@bp.errorhandler(DatabaseUnavailable)
def not_saved(error: DatabaseUnavailable) -> ResponseReturnValue:
    """A write the database could not take (locked, full, down): 503, the form kept.

    The database is not asked again: the form comes back from what was posted.
    """
    if request.method != "POST" or request.endpoint not in FORM_ENDPOINTS:
        return render_error(error)
    return writing_again(
        error,
        "The journal could not save just now, so nothing was saved. Your text is below: "
        "press Save again in a minute.",
    )


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int) -> ResponseReturnValue:
    """Change an entry; only its author may (403 on a public entry, 404 on a private one)."""
    entry = entries.get_entry_for_change(entry_id, current_user)
    form = EntryForm.for_entry(entry)
    if form.validate_on_submit():
        try:
            entries.update_entry(entry, form.to_input(), started_from=form.started_from())
        except ValidationFailed as error:
            form.attach(error)
        except entries.EditConflict as conflict:
            return edited_elsewhere(form, entry_id, conflict)
        else:
            flash("Entry updated.", "success")
            return redirect(url_for("journal.show_entry", entry_id=entry.id))
    status = 422 if form.errors else 200
    return render_template("journal/edit.html", form=form, entry_id=entry.id), status


def edited_elsewhere(
    form: EntryForm, entry_id: int, conflict: entries.EditConflict
) -> ResponseReturnValue:
    """409: the entry changed since this edit began. Nothing was saved; the page shows the
    saved text beside the writer's (kept in the form) to merge and save again."""
    current = conflict.current
    if current is None:  # deleted meanwhile
        raise EntryNotFound()
    form.form_errors.append(
        "This entry was changed elsewhere since you began, so nothing was saved. "
        "Both versions are below: merge what you want to keep into yours, then save again."
    )
    # Saving again now means saving over the version shown here.
    form.version.data = str(current.version)
    page = render_template("journal/edit.html", form=form, entry_id=entry_id, theirs=current)
    return page, 409


@bp.post("/entries/<int:entry_id>/delete")
@login_required
def delete_entry(entry_id: int) -> ResponseReturnValue:
    """Remove an entry; only its author may."""
    entry = entries.get_entry_for_change(entry_id, current_user)
    entries.delete_entry(entry)
    flash("Entry deleted.", "success")
    return redirect(url_for("journal.index"))


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for it on every page."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", max_age=7 * 24 * 3600
    )
