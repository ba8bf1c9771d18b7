"""The listing's link filters build exactly what ``url_for`` builds, mounted anywhere."""

from __future__ import annotations

import pytest
from flask import render_template_string, url_for

CASES = [
    ("entry_url", "journal.show_entry", "entry_id", 42),
    ("user_url", "journal.user_page", "username", "Ann_Lee"),
    ("user_url", "journal.user_page", "username", "zoë o'neil/x"),
    ("tag_url", "journal.tag_page", "tag", "night-walks"),
]


@pytest.mark.parametrize("script_root", ["", "/journal"])
@pytest.mark.parametrize(("name", "endpoint", "argument", "value"), CASES)
def test_link_filters_match_url_for(app, script_root, name, endpoint, argument, value):
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        expected = url_for(endpoint, **{argument: value})
        assert expected.startswith(script_root + "/")
        assert render_template_string("{{ value|" + name + " }}", value=value) == str(
            # autoescaped as the template escapes it
            render_template_string("{{ url }}", url=expected)
        )
        assert app.jinja_env.filters[name](value) == expected


def test_a_value_the_route_refuses_fails_as_url_for_does(app):
    with app.test_request_context("/"):
        with pytest.raises(ValueError):
            url_for("journal.show_entry", entry_id="not-a-number")
        with pytest.raises(ValueError):
            app.jinja_env.filters["entry_url"]("not-a-number")
