"""A readable reference of the API, rendered on the server from its OpenAPI document.

Swagger UI and ReDoc load scripts from a CDN and run inline code that the site's CSP
forbids; this page is plain HTML with the site's own stylesheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from journal.blueprints.api_reference import bp

METHODS = ("get", "post", "put", "patch", "delete")
CONSTRAINTS = (
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minimum", "≥ {}"),
    ("maximum", "≤ {}"),
    ("maxItems", "at most {} items"),
    ("pattern", "matches {}"),
    ("default", "default {}"),
    ("format", "{}"),
)


@dataclass
class Field:
    """One parameter or property, described in words."""

    name: str
    type: str
    required: bool
    notes: str


@dataclass
class Operation:
    """One method on one path."""

    method: str
    path: str
    summary: str
    description: str
    auth: str
    fields: list[Field] = field(default_factory=list)
    body: str = ""
    responses: list[tuple[str, str, str]] = field(default_factory=list)


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type in a few words: ``string``, ``array of Entry``, ``string or null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {type_of(schema['additionalProperties'])}"
    if isinstance(kind, list):
        return " or ".join(str(part) for part in kind)
    return str(kind)


def notes_of(schema: dict[str, Any]) -> str:
    """Description, allowed values and limits of a schema."""
    parts = [str(schema["description"])] if "description" in schema else []
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(value) for value in schema["enum"]))
    items = schema.get("items", {})
    for key, wording in CONSTRAINTS:
        if key in schema:
            parts.append(wording.format(schema[key]))
        elif key in items and key not in ("default", "format"):
            parts.append("each " + wording.format(items[key]))
    return "; ".join(parts)


def fields_of(schema: dict[str, Any]) -> list[Field]:
    """The properties of an object schema."""
    required = set(schema.get("required", []))
    return [
        Field(name, type_of(prop), name in required, notes_of(prop))
        for name, prop in schema.get("properties", {}).items()
    ]


def operations_of(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the document, in its order."""
    found = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            doc = item[method]
            security = [next(iter(rule), "none") for rule in doc.get("security", [])]
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=doc.get("summary", ""),
                description=doc.get("description", ""),
                auth=" or ".join("anonymous" if s == "none" else s for s in security) or "none",
            )
            for parameter in [*shared, *doc.get("parameters", [])]:
                schema = parameter.get("schema", {})
                notes = "; ".join(filter(None, [parameter.get("description"), notes_of(schema)]))
                operation.fields.append(
                    Field(
                        f"{parameter['name']} ({parameter['in']})",
                        type_of(schema),
                        bool(parameter.get("required")),
                        notes,
                    )
                )
            body = doc.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                operation.body = type_of(body["schema"])
            responses = doc.get("responses", {})
            for status in sorted(responses, key=lambda code: (code == "default", code)):
                response = responses[status]
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[-1]
                    response = spec["components"]["responses"][name]
                content = response.get("content", {})
                kinds = [f"{kind}: {type_of(c.get('schema', {}))}" for kind, c in content.items()]
                operation.responses.append(
                    (str(status), response.get("description", ""), ", ".join(kinds))
                )
            found.append(operation)
    return found


@bp.get("/docs")
def reference() -> ResponseReturnValue:
    """The API reference as a page."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    spec: dict[str, Any] = api.spec.to_dict()
    schemas = {
        name: fields_of(schema) for name, schema in spec["components"].get("schemas", {}).items()
    }
    return render_template(
        "api_reference/reference.html", spec=spec, operations=operations_of(spec), schemas=schemas
    )
