"""Every app's tests run: each `tests/` folder with test files sits under a `testpaths` entry of
pytest.ini (so `make test` and CI collect it), and each app's test files hold tests pytest collects.
Apps are found by walking the repository, never listed here, so a new app is checked as it lands."""

import ast
import configparser
import fnmatch
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "var", "node_modules", "staticfiles", ".git"}


def ini():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "pytest.ini")
    return parser["pytest"]


def files_of(folder, patterns):
    return sorted(p for p in folder.iterdir() if p.is_file() and any(fnmatch.fnmatch(p.name, pat) for pat in patterns))


def folders_with_tests(patterns):
    """Every `tests` folder in the repository holding test files, by its path from the root."""
    found = {}
    for folder in ROOT.rglob("tests"):
        parts = folder.relative_to(ROOT).parts
        if not folder.is_dir() or SKIP & set(parts) or any(part.startswith(".") for part in parts):
            continue
        files = files_of(folder, patterns)
        if files:
            found[folder.relative_to(ROOT)] = files
    return found


def collected_tests(path):
    """The test functions (and methods of Test classes) pytest collects from one file, read from its
    source: `def test_*` at module level or in a `class Test*`."""
    tree = ast.parse(path.read_text())
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [f"{node.name}.{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test")]
    return names


def test_pytest_ini_names_its_test_files_and_folders():
    config = ini()
    assert config["python_files"].split() == ["test_*.py"]
    assert config["testpaths"].split()


def test_every_tests_folder_is_under_a_testpaths_entry():
    config = ini()
    testpaths = [Path(entry) for entry in config["testpaths"].split()]
    folders = folders_with_tests(config["python_files"].split())
    # The walk finds the apps this suite has always had, so it is known to look in the right place.
    assert {Path("accounts/tests"), Path("visits/tests"), Path("safety/tests"), Path("audit/tests"),
            Path("homevisits/tests")} <= set(folders)
    left_out = [str(folder) for folder in folders if not any(folder.is_relative_to(entry) for entry in testpaths)]
    assert left_out == [], f"pytest.ini testpaths leaves out {left_out}: add them so make test and CI run them"


def test_every_testpaths_entry_exists_and_holds_tests():
    config = ini()
    patterns = config["python_files"].split()
    folders = folders_with_tests(patterns)
    for entry in config["testpaths"].split():
        assert (ROOT / entry).is_dir(), f"testpaths names {entry}, which is not a folder"
        under = [folder for folder in folders if folder.is_relative_to(entry)]
        assert under, f"testpaths names {entry}, which has no tests folder"


def test_every_apps_test_files_hold_tests_pytest_collects():
    config = ini()
    counts = {}
    for folder, files in folders_with_tests(config["python_files"].split()).items():
        empty = [f.name for f in files if not collected_tests(f)]
        assert empty == [], f"{folder}: no test pytest would collect in {empty}"
        counts[str(folder)] = sum(len(collected_tests(f)) for f in files)
    assert all(counts.values()), counts
