"""Views of the journal blueprint."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
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
from journal.exceptions import (
    DatabaseUnavailable,
    EntryNotFound,
    MediaTooLarge,
    NotAllowed,
    NotAnImage,
    ValidationFailed,
)
from journal.extensions import csrf
from journal.feeds import FEED_TYPE, atom_feed
from journal.identity import signed_in_user
from journal.markdown import render_markdown
from journal.models import Entry, User
from journal.rate_limits import count_entry_written, entry_write_wait
from journal.services import calendar, entries, entry_views, listings
from journal.services import media as media_service
from journal.services import search as full_text
from journal.services.entries import EntryInput
from journal.services.entry_views import EntryCard
from journal.services.listings import Page
from journal.uploads import Upload, allows_uploads, chosen_files, store_files
from journal.wording import in_words

FORM_ENDPOINTS = {"journal.new_entry", "journal.edit_entry"}


# How many entries of this day in earlier years the home page shows.
ON_THIS_DAY_SHOWN = 3

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
        return render_template("journal/index.html", page=page)
    page = listing(listings.entries_by(reader, reader))
    # The first page shows a few entries of this day in earlier years, when there are any.
    earlier = None if page.has_prev else calendar.on_this_day(reader, ON_THIS_DAY_SHOWN)
    return render_template("journal/index.html", page=page, on_this_day=earlier)


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


@bp.get("/tags")
def tag_index() -> ResponseReturnValue:
    """Tags with their counts: signed in, of your own entries; signed out, of public ones."""
    reader = signed_in_user()
    return render_template("journal/tags.html", tags=listings.tag_counts(reader), reader=reader)


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


def with_photos(form: EntryForm) -> tuple[EntryInput, list[Upload]]:
    """The entry's input with a Markdown line added for each photo of the ``media`` field.

    The photos are stored now; ``saved_with_photos`` removes them if the entry is not saved.
    """
    data = form.to_input()
    uploads = store_files(signed_in_user(required=True), chosen_files(form.media.data or []))
    if uploads:
        lines = "\n\n".join(upload.markdown for upload in uploads)
        data = dataclasses.replace(data, body=f"{data.body.rstrip()}\n\n{lines}\n")
    return data, uploads


def saved_with_photos(form: EntryForm, save: Callable[[EntryInput], Entry]) -> Entry | None:
    """Store the form's photos and save the entry with them; ``None`` if refused (on the form)."""
    try:
        data, uploads = with_photos(form)
    except (NotAnImage, MediaTooLarge) as error:
        form.attach(ValidationFailed.on("media", f"Nothing was saved. {error.description}"))
        return None
    try:
        entry = save(data)
    except ValidationFailed as error:
        media_service.discard(upload.media.id for upload in uploads)
        form.attach(error)
        return None
    except entries.EditConflict:
        media_service.discard(upload.media.id for upload in uploads)
        raise
    if any(upload.first_frame_only for upload in uploads):
        flash("An animated GIF keeps only its first frame.", "info")
    return entry


@bp.route("/entry", methods=["GET", "POST"])
@csrf.exempt  # checked by allows_uploads, once the larger limit for photos applies
@allows_uploads(0, check_csrf=True)
@login_required
def new_entry() -> ResponseReturnValue:
    """Write a new entry (with photos from the ``media`` field, if any)."""
    form = EntryForm()
    if wants_preview():
        return preview_page(form, None)
    if form.validate_on_submit():
        writer = signed_in_user(required=True)
        if wait := entry_write_wait(writer):
            form.form_errors.append(
                f"You have written many entries in a short time: wait {in_words(wait)}, "
                "then save again. This entry is not saved yet; everything you typed is still here."
            )
            page = render_template("journal/edit.html", form=form, entry_id=None)
            return page, 429, {"Retry-After": str(wait)}
        entry = saved_with_photos(form, lambda data: entries.create_entry(writer, data))
        if entry is not None:
            count_entry_written(writer)
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
            editor = signed_in_user(required=True)
            entries.get_entry_for_change(request.view_args["entry_id"], editor)
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
@csrf.exempt  # checked by allows_uploads, once the larger limit for photos applies
@allows_uploads(0, check_csrf=True)
@login_required
def edit_entry(entry_id: int) -> ResponseReturnValue:
    """Change an entry; only its author may (403 on a public entry, 404 on a private one)."""
    entry = entries.get_entry_for_change(entry_id, signed_in_user(required=True))
    form = EntryForm.for_entry(entry)
    if wants_preview():
        return preview_page(form, entry.id, entry.updated_at)
    if form.validate_on_submit():
        try:
            saved = saved_with_photos(
                form,
                lambda data: entries.update_entry(entry, data, started_from=form.started_from()),
            )
        except entries.EditConflict as conflict:
            return edited_elsewhere(form, entry_id, conflict)
        if saved is not None:
            flash("Entry updated.", "success")
            return redirect(url_for("journal.show_entry", entry_id=entry.id))
    status = 422 if form.errors else 200
    page = render_template(
        "journal/edit.html", form=form, entry_id=entry.id, saved_at=entry.updated_at
    )
    return page, status


def wants_preview() -> bool:
    """Whether the editor was sent with its Preview button (show, do not save)."""
    return request.method == "POST" and "preview" in request.form


def preview_page(
    form: EntryForm, entry_id: int | None, saved_at: datetime | None = None
) -> ResponseReturnValue:
    """The editor with everything typed kept and the body rendered below it; nothing saved."""
    body = form.body.data or ""
    if len(body) > entries.BODY_MAX:
        form.body.errors = [f"Write at most {entries.BODY_MAX:,} characters to see a preview."]
        page = render_template("journal/edit.html", form=form, entry_id=entry_id, saved_at=saved_at)
        return page, 422
    preview = Markup(render_markdown(body))  # noqa: S704  (sanitised by nh3)
    return render_template(
        "journal/edit.html", form=form, entry_id=entry_id, saved_at=saved_at, preview=preview
    )


@bp.post("/preview")
def preview() -> ResponseReturnValue:
    """The editor's preview: field ``body`` rendered and sanitised exactly as saving does.

    Signed in only (401 otherwise: it answers a script, not a person); CSRF-protected.
    """
    if not current_user.is_authenticated:
        abort(401)
    body = request.form.get("body", "")
    if len(body) > entries.BODY_MAX:
        abort(413)
    return Response(render_markdown(body), mimetype="text/html")


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
    entry = entries.get_entry_for_change(entry_id, signed_in_user(required=True))
    entries.delete_entry(entry)
    flash("Entry deleted.", "success")
    return redirect(url_for("journal.index"))


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for it on every page."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", max_age=7 * 24 * 3600
    )
