"""Rules of the package's layout that no single behaviour test would notice breaking."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import journal

PACKAGE = Path(journal.__file__).parent
BLUEPRINTS = sorted(
    p.name for p in (PACKAGE / "blueprints").iterdir() if (p / "__init__.py").exists()
)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by its full name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_a_blueprint_imports_no_other_blueprint(blueprint: str) -> None:
    others = {f"journal.blueprints.{name}" for name in BLUEPRINTS if name != blueprint}
    crossing = {
        (str(path.relative_to(PACKAGE)), module)
        for path in (PACKAGE / "blueprints" / blueprint).rglob("*.py")
        for module in imported_modules(path)
        if any(module == other or module.startswith(other + ".") for other in others)
    }
    assert crossing == set()


def test_only_the_identity_module_touches_flask_logins_private_user() -> None:
    touching = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "_login_user" in path.read_text(encoding="utf-8").replace("loaded_login_user", "")
    )
    assert touching == ["identity.py"]
