"""The web pages read and write only through the API: no SQL and no reaching into core_app's internals."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The gateway builds the API in process; settings give the session key and log level. Nothing else.
ALLOWED_CORE_APP = {"core_app.api.app", "core_app.config"}
FORBIDDEN_TOP = {"sqlalchemy", "psycopg", "sqlite3", "training", "serving", "features", "models"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_dashboards_use_no_database_and_only_the_api_of_core_app():
    offences = []
    for path in sorted((ROOT / "dashboards").rglob("*.py")):
        if path.parent.name == "geo":  # dev-time tools that build the shipped GeoJSON
            continue
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in FORBIDDEN_TOP or (top == "core_app" and module not in ALLOWED_CORE_APP):
                offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []
