"""Every set of roles is named once, in accounts.permissions, and app code asks its predicates
instead of writing a set of roles out again."""

import pathlib
import re

from accounts import permissions, roles

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Every app of the project (homevisits.settings.INSTALLED_APPS' own), so a new app is checked too.
APPS = tuple(sorted(p.parent.name for p in ROOT.glob("*/apps.py")))


def role_sets():
    return {name: value for name, value in vars(permissions).items()
            if name.isupper() and isinstance(value, tuple) and set(value) <= set(roles.ALL_ROLES)}


def test_each_set_of_roles_has_one_name():
    seen = {}
    for name, value in role_sets().items():
        assert frozenset(value) not in seen, f"{name} is the same set as {seen.get(frozenset(value))}"
        seen[frozenset(value)] = name


def test_app_code_never_writes_a_set_of_roles_out_again():
    # Asking for one role (has_role(user, roles.OFFICE)) is fine; two or more, asked for or kept in a
    # tuple (READERS = (roles.HEAD, roles.DSL)), is a set with a name here.
    written_out = re.compile(r"(has_role\([^)]*|\(\s*)roles\.[A-Z_]+\s*,\s*roles\.[A-Z_]+")
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts or path.name == "permissions.py":
                continue
            found += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                      if written_out.search(line)]
    assert not found, found
