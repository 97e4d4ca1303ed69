"""A test module imports its helpers from helper modules (homevisits/tests/browser.py, routes.py,
safety/tests/pages.py, notifications/tests/fakes.py, ...), never from another test module or a
conftest: a test file can then be moved, renamed or run alone, and its fixtures come from conftest
files by pytest's own lookup, not by import."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def borrowings(source: str) -> list[str]:
    """The test modules and conftests that `source` imports (by any form of import)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            modules = [base]
            if node.module is None or node.module.endswith("tests"):  # from . import test_x; from a.tests import ...
                modules += [f"{base}.{alias.name}" if node.module else base + alias.name for alias in node.names]
        else:
            continue
        found += [m for m in modules if (last := m.rsplit(".", 1)[-1]).startswith("test_") or last == "conftest"]
    return sorted(set(found))


def test_no_test_module_imports_another_or_a_conftest():
    paths = [p for p in sorted(ROOT.glob("*/tests/**/*.py")) if ".venv" not in p.parts] + [ROOT / "conftest.py"]
    assert len(paths) > 100
    found = {str(p.relative_to(ROOT)): b for p in paths if (b := borrowings(p.read_text()))}
    assert not found


def test_the_check_sees_each_form_of_borrowing():
    assert borrowings("from .test_other import helper") == [".test_other"]
    assert borrowings("from safety.tests import test_board") == ["safety.tests.test_board"]
    assert borrowings("from . import conftest") == [".conftest"]
    assert borrowings("import visits.tests.test_models as m") == ["visits.tests.test_models"]
    assert borrowings("from .pages import at\nfrom homevisits.tests.browser import shot") == []
    assert borrowings("from notifications.devices import test_key_prefix") == []  # a function, not a module
