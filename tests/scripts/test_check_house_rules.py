"""scripts/check_house_rules.py: each rule fires on a small file that breaks it, stays quiet on
the public API next to it, and the repository itself passes the process-word rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import check_house_rules as rules

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_house_rules.py"


def findings(tmp_path: Path, files: dict[str, str]) -> list[str]:
    paths = []
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return [f"{f.path.split('/')[-1]}:{f.line}: {f.code}" for f in rules.check(paths, tmp_path)]


@pytest.mark.parametrize("code", [
    "obj._state.adding",
    "obj._state = None",
    "serializer._declared_fields",
    "instance._prepare_related_fields_for_save('save')",
    "transport._tempDataBuffer",
    "transport.dataBuffer.append(b'x')",
    "cursor = psycopg.RawCursor(conn)",
    "request._request",
    "self.client._content",
])
def test_private_framework_names_are_refused(tmp_path, code):
    assert findings(tmp_path, {"m.py": f"import psycopg\n{code}\n"}) == ["m.py:2: private-api"]


def test_forbidden_names_are_refused_even_when_the_project_defines_them(tmp_path):
    found = findings(tmp_path, {"m.py": "class A:\n    def f(self):\n        self._state = 1\n"})
    assert found == ["m.py:3: private-api"]


def test_the_projects_own_private_names_and_public_underscore_apis_pass(tmp_path):
    own = (
        "import collections\n"
        "from server import tokens\n"
        "_CACHE = {}\n"
        "def _helper():\n    return 1\n"
        "class Box:\n"
        "    _slots = ()\n"
        "    def __init__(self):\n        self._items = []\n"
        "    @classmethod\n    def make(cls):\n        cls._made = True\n"
        "    def __repr__(self):\n        return repr(self._items)\n"
        "box = Box()\n"
        "box._items.append(tokens._helper())\n"
        "Model._meta.get_field('x')\n"
        "P = collections.namedtuple('P', 'x y')\n"
        "P(1, 2)._replace(x=3)._asdict()\n"
    )
    assert findings(tmp_path, {"m.py": own}) == []


def test_a_private_name_defined_in_another_project_file_counts_as_the_projects(tmp_path):
    assert findings(tmp_path, {"a.py": "def _shared():\n    pass\n",
                               "b.py": "import a\na._shared()\n"}) == []


@pytest.mark.parametrize("code", [
    "from daphne import http_protocol\nhttp_protocol.WebRequest = object",
    "import daphne.http_protocol\ndaphne.http_protocol.WebRequest = object",
    "import django.db.models.base as base\nbase.Model.save = print",
    "from daphne import http_protocol\nsetattr(http_protocol, 'WebRequest', object)",
])
def test_patching_a_framework_module_is_refused(tmp_path, code):
    assert findings(tmp_path, {"m.py": code + "\n"}) == ["m.py:2: monkeypatch"]


def test_setting_an_objects_public_attribute_is_not_a_patch(tmp_path):
    code = "from kivy.core.window import Window\nWindow.size = (360, 640)\n"
    assert findings(tmp_path, {"m.py": code}) == []


def test_importing_a_private_framework_name_is_refused(tmp_path):
    code = "from django.db.models.base import _has_contribute_to_class\n"
    assert findings(tmp_path, {"m.py": code}) == ["m.py:1: private-api"]


def test_from_db_fabricates_rows_but_an_override_may_call_super(tmp_path):
    code = (
        "class Token(Model):\n"
        "    @classmethod\n"
        "    def from_db(cls, db, names, values):\n"
        "        return super().from_db(db, names, values)\n"
        "user = User.from_db('default', ['id'], [1])\n"
    )
    assert findings(tmp_path, {"m.py": code}) == ["m.py:5: fabricated-row"]


# The phrases are assembled so that this file does not break the rule it tests.
ISSUE = "iss" + "ue"
NOTE = "DOM" + "AIN.md"


@pytest.mark.parametrize("text", [
    f"the field handset ({ISSUE} 6)",
    f"see {ISSUE} #12",
    f"{ISSUE.capitalize()}s 6 and 7",
    "Best run this " + "session: 147.8/s",
    "measured in an earlier " + "session",
    "Earlier " + "sessions: 118-133/s",
    f"case numbers follow {NOTE} §3",
    "STY" + "LE.md section 9",
])
def test_process_words_are_refused(tmp_path, text):
    for name in ("m.py", "README.md", "page.html", "app.kv", "Makefile"):
        assert findings(tmp_path, {name: f"x\n{text}\n"}) == [f"{name}:2: process-word"]


@pytest.mark.parametrize("text", [
    "the login session expires after 8 hours",
    "Django's session cookie or a token",
    "a pytest fixture with scope='session'",
    "every session of the test run shares one server",
    "PgBouncer: session pooling",
    "issued tokens are revoked at once",
    "the README.md of gridmaps/data",
])
def test_session_and_issue_in_their_ordinary_senses_pass(tmp_path, text):
    assert findings(tmp_path, {"m.py": f"# {text}\n"}) == []


def test_a_note_that_is_in_the_repository_may_be_named(tmp_path):
    found = findings(tmp_path, {"docs/" + NOTE: "# notes\n", "m.py": f"# see {NOTE}\n"})
    assert found == []


def test_the_command_line_exits_1_and_names_each_finding(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("obj._state\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(SCRIPT), str(bad)], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 1
    assert run.stdout.startswith(f"{bad}:1: private-api `._state`")
    good = tmp_path / "good.py"
    good.write_text("x = 1\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(SCRIPT), str(good)], capture_output=True, text=True,
                         cwd=ROOT)
    assert (run.returncode, run.stdout) == (0, "")


def test_outside_a_git_checkout_every_file_but_installed_ones_is_checked(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    for skipped in ("node_modules", ".venv", "var"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "b.py").write_text("x = 1\n", encoding="utf-8")
    assert rules.repo_files(tmp_path) == [tmp_path / "a.py"]
