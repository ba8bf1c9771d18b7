"""Views of the account blueprint: everything here is the signed-in person's own."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required, logout_user
from werkzeug.wrappers import Response

from journal.blueprints.account import bp
from journal.blueprints.account.forms import (
    ButtonForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ImportForm,
    TimezoneForm,
)
from journal.exceptions import ValidationFailed
from journal.extensions import csrf
from journal.forms import ServiceForm
from journal.identity import signed_in_user
from journal.models import utcnow
from journal.services import account_settings, accounts, media, tokens, transfer, zones

# Post/Redirect/Get for refused forms too: the messages wait in the session for the page.
REFUSED_KEY = "account_refused"
# Section anchor -> (template name of the form, its class).
SECTIONS: dict[str, tuple[str, type[ServiceForm]]] = {
    "change-password": ("password_form", ChangePasswordForm),
    "import": ("import_form", ImportForm),
    "delete-account": ("delete_form", DeleteAccountForm),
}
# A session cookie holds about 4 KB: a message longer than this is cut short.
MESSAGE_LENGTH = 300


def render_settings(**forms: ServiceForm) -> ResponseReturnValue:
    """The account page, with a refused form shown back with its errors."""
    user = signed_in_user(required=True)
    context = {
        "password_form": forms.get("password_form") or ChangePasswordForm(formdata=None),
        "delete_form": forms.get("delete_form") or DeleteAccountForm(formdata=None),
        "import_form": forms.get("import_form") or ImportForm(formdata=None),
        "timezone_form": forms.get("timezone_form")
        or TimezoneForm(formdata=None, data={"timezone": user.timezone}),
        "zone_names": zones.all_zones(),
        "button_form": ButtonForm(formdata=None),
        "sessions": account_settings.active_sessions(user),
        "current_session_id": accounts.current_session_id(user),
        "api_tokens": tokens.live_tokens(user),
        "photo_use": media.quota_use(user),
    }
    return render_template("account/settings.html", **context)


def refused(form: ServiceForm, section: str) -> ResponseReturnValue:
    """Keep a refused form's messages and send the browser back to its section of the page.

    The page that shows them is a GET of ``/account``: reloading it never posts again (the
    refused form may be the one that deletes the account). Only messages are kept, never
    what was typed: these forms hold passwords and files.
    """

    def cut(messages: Any) -> list[str]:
        return [str(message)[:MESSAGE_LENGTH] for message in messages]

    session[REFUSED_KEY] = {
        "section": section,
        "fields": {name: cut(f.errors) for name, f in form._fields.items() if f.errors},
        "form": cut(form.form_errors),
    }
    return redirect(url_for("account.settings", _anchor=section), 303)


def refused_forms() -> dict[str, ServiceForm]:
    """The refused form kept by ``refused`` (once), with its messages back on its fields."""
    kept = session.pop(REFUSED_KEY, None)
    if not isinstance(kept, dict) or kept.get("section") not in SECTIONS:
        return {}
    name, form_class = SECTIONS[kept["section"]]
    form = form_class(formdata=None)
    for field_name, messages in kept.get("fields", {}).items():
        if field_name in form._fields:
            form._fields[field_name].errors = list(messages)
    form.form_errors.extend(kept.get("form", []))
    form._errors = None  # WTForms caches ``errors``; let it be recomputed.
    return {name: form}


def sign_out_here() -> None:
    """Forget the signed-in user in this browser (the session record is already gone).

    Clear first: logout_user then marks the remember-me cookie for deletion in the session,
    and Flask-Login expires that cookie in the browser on the way out.
    """
    session.clear()
    logout_user()


@bp.get("/account")
@login_required
def settings() -> ResponseReturnValue:
    """Sessions, password, export and import, deletion (and a refused form's messages)."""
    return render_settings(**refused_forms())


@bp.post("/account/timezone")
@login_required
def change_timezone() -> ResponseReturnValue:
    """Choose the zone dates are shown in; an unknown zone is 422 with the form kept."""
    user = signed_in_user(required=True)
    form = TimezoneForm()
    if form.validate_on_submit():
        try:
            account_settings.change_timezone(user, form.timezone.data or "")
        except ValidationFailed as error:
            form.attach(error)
        else:
            flash(f"Dates are now shown in {user.timezone} time.", "success")
            return redirect(url_for("account.settings"))
    # Shown again at once (422), not redirected: sending it again changes nothing for good.
    return make_response(render_settings(timezone_form=form), 422)


@bp.post("/account/sessions/<int:session_id>/delete")
@login_required
def end_session(session_id: int) -> ResponseReturnValue:
    """Sign one of the user's own devices out; anyone else's session is 404."""
    user = signed_in_user(required=True)
    this_device = session_id == accounts.current_session_id(user)
    if not account_settings.end_session_of(user, session_id):
        abort(404)
    if this_device:
        sign_out_here()
        flash("You are signed out.", "success")
        return redirect(url_for("journal.index"))
    flash("That device is signed out.", "success")
    return redirect(url_for("account.settings"))


# The largest id an integer key holds: a larger one names no token (404, not a database error).
@bp.post("/account/tokens/<int(max=2147483647):token_id>/delete")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's own API tokens; anyone else's token is 404."""
    if not tokens.revoke_token_of(signed_in_user(required=True), token_id):
        abort(404)
    flash("That API token is revoked.", "success")
    return redirect(url_for("account.settings"))


@bp.post("/account/sessions/delete-others")
@login_required
def end_other_sessions() -> ResponseReturnValue:
    """Sign out every device but this one, and revoke every API token."""
    ended = accounts.end_other_sessions(signed_in_user(required=True))
    flash(f"Signed out everywhere else ({ended} session(s) ended).", "success")
    return redirect(url_for("account.settings"))


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    """Change the password; every other session (and remember-me cookie) stops working."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            account_settings.change_password(
                signed_in_user(required=True),
                form.current_password.data or "",
                form.password.data or "",
            )
        except ValidationFailed as error:
            form.attach(error)
        else:
            flash("Your password is changed; every other device is signed out.", "success")
            return redirect(url_for("account.settings"))
    return refused(form, "change-password")


@bp.post("/account/delete")
@login_required
def delete_account() -> ResponseReturnValue:
    """Delete the account and everything in it, then sign out."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            account_settings.delete_account(signed_in_user(required=True), form.password.data or "")
        except ValidationFailed as error:
            form.attach(error)
        else:
            sign_out_here()
            flash("Your account and all its entries are deleted.", "success")
            return redirect(url_for("journal.index"))
    return refused(form, "delete-account")


@bp.get("/account/export")
@login_required
def export() -> Response:
    """All the user's entries as a JSON file to download."""
    user = signed_in_user(required=True)
    document = transfer.export_document(user)
    filename = f"journal-export-{user.username}-{utcnow():%Y-%m-%d}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/account/import")
@csrf.exempt  # checked below, once the larger upload limit applies
def import_file() -> ResponseReturnValue:
    """Import a Journal or jrnl export: everything or nothing, and say what happened."""
    request.max_content_length = current_app.config["MAX_IMPORT_LENGTH"]
    csrf.protect()
    response: ResponseReturnValue = _import_for_signed_in()
    return response


@login_required
def _import_for_signed_in() -> ResponseReturnValue:
    form = ImportForm()
    if form.validate_on_submit():
        try:
            user = signed_in_user(required=True)
            parsed = transfer.parse_import(
                form.file.data.read(), current_app.config["IMPORT_MAX_ENTRIES"], user.timezone
            )
            report = transfer.import_entries(user, parsed, current_app.config["IMPORT_MAX_SECONDS"])
        except transfer.ImportRefused as error:
            form.attach(ValidationFailed.on("file", f"Nothing was imported: {error}"))
        else:
            flash(report.summary(), "success")
            return redirect(url_for("account.settings"))
    return refused(form, "import")
