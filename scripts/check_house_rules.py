"""House rules that ruff and import-linter cannot state; run by ``make lint``.

Two families of findings, each printed as ``path:line: code message``; the exit status is 1 when
there is any, 0 otherwise:

* **Private framework API** (``private-api``, ``monkeypatch``, ``fabricated-row``): project code
  reaches no private attribute of a library. An attribute read or written as ``obj._name``
  passes only when the project itself defines ``_name`` (a function, class, module-level name,
  class attribute, or ``self._name``/``cls._name``), or when the name is a documented public
  API that happens to start with an underscore (Django's ``Model._meta``, ``namedtuple``'s
  ``_replace`` and friends). A short list of internals is refused wherever it appears,
  project-defined or not (``_state``, ``_declared_fields``, ...; see ``FORBIDDEN_NAMES``), so
  does psycopg's ``RawCursor`` (hand-built SQL beside the ORM), calling ``from_db`` to make a
  model instance out of nothing, and assigning to an attribute of an imported framework module
  (``daphne.http_protocol.WebRequest = ...``).
* **Development-process words** (``process-word``): code, docs, templates and UI text read
  on their own. They cite no tracker issue numbers ("issue" followed by a number), no work
  sessions of their authors, and no notes that are not in the repository (a ``.md`` file name
  from ``OUTSIDE_NOTES`` that no file of the repository has). "Session" alone is fine: login
  sessions, pytest sessions and database sessions are what the code is about.

Usage: ``python scripts/check_house_rules.py [PATH ...]`` checks the given files or folders,
by default every file git knows in the repository (tracked, or untracked and not ignored).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Libraries whose private attributes and module attributes project code must leave alone.
FRAMEWORKS = frozenset({
    "django", "rest_framework", "rest_framework_gis", "drf_spectacular", "channels",
    "channels_redis", "daphne", "twisted", "autobahn", "psycopg", "psycopg_pool", "uvicorn",
    "granian", "redis", "kivy",
})

# Underscore names that are documented public API.
PUBLIC_UNDERSCORE = frozenset({
    "_meta",                                      # Django's Model _meta API
    "_replace", "_asdict", "_fields", "_make",    # collections.namedtuple
    "_field_defaults",
    "_missing_", "_generate_next_value_", "_value_", "_name_", "_ignore_",  # enum
})

# Internals refused even where the project defines a name like them.
FORBIDDEN_NAMES = {
    "_state": "Django's ModelState (use the documented Model API: pk, refresh_from_db, save)",
    "_declared_fields": "DRF's serializer internals (declare fields; use .fields)",
    "_prepare_related_fields_for_save": "a private Model method (call save())",
    "_tempDataBuffer": "Twisted's transport buffer",
    "dataBuffer": "Twisted's transport buffer",
    "_base_manager": "Django's private manager (use a named manager)",
    "RawCursor": "psycopg's raw cursor beside the ORM (write through the ORM)",
}

# Files that are part of the house notes but not of this repository.
OUTSIDE_NOTES = ("DOMAIN", "STYLE", "STACK", "ARCHITECTURE", "DEVELOPERS")

TEXT_SUFFIXES = frozenset({
    ".py", ".md", ".html", ".js", ".css", ".kv", ".txt", ".sh", ".toml", ".cfg", ".ini", ".json",
    ".po", ".yml", ".yaml", ".spec", ".sql",
})
TEXT_NAMES = frozenset({"Makefile", "run", ".importlinter", ".gitignore"})
SKIP_PARTS = frozenset({"node_modules", ".venv", "vendor", "var", "__pycache__", ".git"})

PROCESS_PATTERNS = [
    (re.compile(r"\bissues?[\s-]*(?:#\s*)?\d+", re.IGNORECASE), "a tracker issue number"),
    (re.compile(r"\b(?:this|that|earlier|previous|last|later|next|same|an earlier|a later)"
                r"\s+(?:work\s+)?sessions?\b", re.IGNORECASE), "a work session of the authors"),
    (re.compile(r"\b(?:" + "|".join(OUTSIDE_NOTES) + r")\.md\b"), "a note outside the repository"),
]


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message}"


def repo_files(root: Path = ROOT) -> list[Path]:
    """Every file git knows under ``root`` (tracked, or untracked and not ignored); outside a
    git checkout (an unpacked archive), every file not under ``SKIP_PARTS``."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return sorted(p for p in root.rglob("*") if p.is_file() and _wanted(p, root))
    return sorted({root / p for p in out.split("\0") if p and (root / p).is_file()})


def _wanted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts if path.is_relative_to(root) else (path.name,)
    return not SKIP_PARTS.intersection(parts)


# -- private framework API ------------------------------------------------------------------


def project_names(trees: dict[Path, ast.AST]) -> set[str]:
    """Names the project defines itself: its own private names may be used anywhere in it."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                first = node.args.args[0].arg if (
                    not isinstance(node, ast.ClassDef) and node.args.args) else None
                for sub in ast.walk(node):
                    # self._x = ... / cls._x = ... in a method.
                    if (isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                            and isinstance(sub.value, ast.Name)
                            and sub.value.id in {"self", "cls", first}):
                        names.add(sub.attr)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            names.add(sub.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(a.asname for a in node.names if a.asname)
    return names


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package, found on disk without importing it."""
    parts = dotted.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    if len(parts) == 1:
        return True
    for location in spec.submodule_search_locations or ():
        here = Path(location).joinpath(*parts[1:])
        if here.with_suffix(".py").is_file() or (here / "__init__.py").is_file():
            return True
    return False


def _framework_modules(tree: ast.AST) -> set[str]:
    """Local names bound to a framework module (not to a class or an object from one:
    ``Window.size = ...`` is Kivy's public API, ``http_protocol.WebRequest = ...`` is not)."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in FRAMEWORKS:
                    aliases.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in FRAMEWORKS:
                aliases.update(a.asname or a.name for a in node.names
                               if _is_module(f"{node.module}.{a.name}"))
    return aliases


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def check_private_api(path: str, tree: ast.AST, own: set[str]) -> list[Finding]:
    found = []
    aliases = _framework_modules(tree)

    def add(node: ast.AST, code: str, message: str) -> None:
        found.append(Finding(path, node.lineno, code, message))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
            if name in FORBIDDEN_NAMES:
                add(node, "private-api", f"`.{name}`: {FORBIDDEN_NAMES[name]}")
            elif _private(name) and name not in PUBLIC_UNDERSCORE and name not in own:
                add(node, "private-api",
                    f"`.{name}` is a private attribute of a library: use its public API")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            add(node, "private-api", f"`{node.id}`: {FORBIDDEN_NAMES[node.id]}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            for a in node.names:
                full = f"{module}.{a.name}" if module else a.name
                parts = full.split(".")
                if parts[0] in FRAMEWORKS and getattr(node, "level", 0) == 0:
                    if any(_private(p) for p in parts) or a.name in FORBIDDEN_NAMES:
                        add(node, "private-api",
                            f"`{full}` is private to {parts[0]}: use its public API")
        elif isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "from_db"
                    and not (isinstance(func.value, ast.Call)
                             and isinstance(func.value.func, ast.Name)
                             and func.value.func.id == "super")):
                add(node, "fabricated-row",
                    "`from_db()` makes a model instance the database never returned: query it")
            elif (isinstance(func, ast.Name) and func.id == "setattr" and node.args
                  and _root_name(node.args[0]) in aliases):
                add(node, "monkeypatch",
                    f"setattr on `{ast.unparse(node.args[0])}` changes a framework module")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete))
                       else [node.target])
            for target in targets:
                if isinstance(target, ast.Attribute) and _root_name(target) in aliases:
                    add(target, "monkeypatch",
                        f"`{ast.unparse(target)} =` changes a framework module: "
                        "configure or subclass it instead")
    return found


# -- development-process words --------------------------------------------------------------


def check_process_words(path: str, text: str, present: set[str]) -> list[Finding]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in PROCESS_PATTERNS:
            for m in pattern.finditer(line):
                if what.startswith("a note") and m.group(0) in present:
                    continue
                found.append(Finding(path, number, "process-word",
                                     f"{m.group(0)!r} cites {what}: say what the reader needs"))
    return found


# -- driver ---------------------------------------------------------------------------------


def check(paths: list[Path], root: Path = ROOT, universe: list[Path] | None = None
          ) -> list[Finding]:
    """Findings for ``paths``; project-defined names are gathered from ``universe`` (by
    default the same files), so a private name defined in an unchecked module still counts."""
    universe = paths if universe is None else universe
    present = {p.name for p in universe}
    trees: dict[Path, ast.AST] = {}
    for p in set(universe) | set(paths):
        if p.suffix == ".py" and _wanted(p, root):
            try:
                trees[p] = ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
            except SyntaxError:
                pass  # ruff's E9 reports it
    own = project_names(trees)
    found: list[Finding] = []
    for p in paths:
        if not _wanted(p, root):
            continue
        rel = str(p.relative_to(root)) if p.is_relative_to(root) else str(p)
        if p in trees:
            found += check_private_api(rel, trees[p], own)
        if p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES:
            try:
                text = p.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            found += check_process_words(rel, text, present)
    return sorted(set(found), key=lambda f: (f.path, f.line, f.code, f.message))


def main(argv: list[str]) -> int:
    universe = repo_files()
    if argv:
        paths = []
        for arg in argv:
            p = Path(arg).resolve()
            paths += [f for f in universe if f == p or f.is_relative_to(p)] if p.is_dir() else [p]
    else:
        paths = universe
    found = check(paths, universe=universe)
    for f in found:
        print(f)
    if found:
        print(f"check_house_rules: {len(found)} finding(s); docs/development.md says why",
              file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
