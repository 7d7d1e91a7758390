"""Read exercise folders under ``exercises/`` into validated dataclasses. No Django here.

Layout: ``exercises/<slug>/`` holds info.toml, statement.md, starter.py, solution.py, checks.py,
hints.toml and ``wrong/*.py``; ``exercises/topics/<topic>/topic.toml`` describes a topic.
"""

from __future__ import annotations

import ast
import hashlib
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader.vocabulary import RUNTIMES, Verdict

EXERCISE_FILES = ("info.toml", "statement.md", "starter.py", "solution.py", "checks.py")
# Learner help, not graded: outside EXERCISE_FILES so that rewording a hint is not a new version to validate.
HINTS_FILE = "hints.toml"
DIFFICULTIES = ("easy", "medium", "hard")
_LIMIT_FIELDS = {
    "cpu_seconds": float,
    "wall_seconds": float,
    "memory_mb": int,
    "max_processes": int,
    "output_kb": int,
}


class ContentError(ValueError):
    """A content folder is missing a file or holds an invalid value; the message names the file."""


@dataclass(frozen=True)
class TopicContent:
    slug: str
    title: str
    position: int
    summary: str


@dataclass(frozen=True)
class WrongSolution:
    """A known-wrong solution and what it must get, from its header::

    # Mistake: what is wrong, in a sentence.
    # Verdict: wrong_answer
    # Fails: The name of a check it must fail
    # Fails: Another check it must fail
    """

    name: str
    code: str
    mistake: str
    verdict: str
    fails: tuple[str, ...]


@dataclass(frozen=True)
class CheckDecl:
    """One ``@check("title", ...)`` of a checks source: the decorated function's name, the title results
    carry, and whether learners may run it as an example."""

    function: str
    title: str
    public: bool


@dataclass(frozen=True)
class ExerciseContent:
    uuid: uuid.UUID
    slug: str
    title: str
    topic: str
    difficulty: str
    points: int
    statement: str
    starter_code: str
    solution_code: str
    checks_source: str
    limits: dict
    runtime: str = "numpy"
    public_examples: list[str] = field(default_factory=list)
    wrong_solutions: dict[str, WrongSolution] = field(default_factory=dict)
    content_hash: str = ""
    # Modules the static gate lets this exercise's code import (``allow_imports`` in info.toml).
    allowed_imports: tuple[str, ...] = ()
    # Check title -> Markdown hint, in the order of checks.py (from hints.toml, keyed there by function name).
    hints: dict[str, str] = field(default_factory=dict)
    # Graded submissions after which the reference is shown without an accepted one (None: only after acceptance).
    reference_after_attempts: int | None = None


def load_topics(root: Path) -> list[TopicContent]:
    """All topics under ``root/topics``, ordered by position."""
    topics = []
    for path in sorted((root / "topics").glob("*/topic.toml")):
        data = _read_toml(path)
        topics.append(
            TopicContent(
                slug=path.parent.name,
                title=_required(data, "title", str, path),
                position=int(data.get("position", 0)),
                summary=str(data.get("summary", "")),
            )
        )
    return sorted(topics, key=lambda topic: (topic.position, topic.slug))


def load_exercises(root: Path) -> list[ExerciseContent]:
    """All exercise folders under ``root`` (any folder with an info.toml)."""
    return [load_exercise(path.parent) for path in sorted(root.glob("*/info.toml"))]


def load_exercise(folder: Path) -> ExerciseContent:
    """Read and validate one exercise folder."""
    for name in EXERCISE_FILES:
        if not (folder / name).is_file():
            raise ContentError(f"{folder / name}: missing")
    info_path = folder / "info.toml"
    info = _read_toml(info_path)
    texts = {name: (folder / name).read_text(encoding="utf-8") for name in EXERCISE_FILES}
    wrong_paths = sorted((folder / "wrong").glob("*.py"))
    wrong = {path.stem: path.read_text(encoding="utf-8") for path in wrong_paths}
    checks = _checks_in(texts["checks.py"], folder / "checks.py")
    check_names = {check.title for check in checks}
    wrong_solutions = {path.stem: wrong_solution(path, wrong[path.stem], check_names) for path in wrong_paths}
    difficulty = _required(info, "difficulty", str, info_path)
    if difficulty not in DIFFICULTIES:
        raise ContentError(f"{info_path}: difficulty must be one of {DIFFICULTIES}, not {difficulty!r}")
    runtime = info.get("runtime", "numpy")
    if runtime not in RUNTIMES:
        raise ContentError(f"{info_path}: runtime must be one of {RUNTIMES}, not {runtime!r}")
    try:
        exercise_uuid = uuid.UUID(_required(info, "uuid", str, info_path))
    except ValueError:
        raise ContentError(f"{info_path}: uuid is not a valid UUID") from None
    return ExerciseContent(
        uuid=exercise_uuid,
        slug=folder.name,
        title=_required(info, "title", str, info_path),
        topic=_required(info, "topic", str, info_path),
        difficulty=difficulty,
        points=_required(info, "points", int, info_path),
        statement=texts["statement.md"],
        starter_code=texts["starter.py"],
        solution_code=texts["solution.py"],
        checks_source=texts["checks.py"],
        public_examples=public_check_names(texts["checks.py"], folder / "checks.py"),
        limits=_limits(info.get("limits", {}), info_path),
        runtime=runtime,
        wrong_solutions=wrong_solutions,
        content_hash=_hash(texts, wrong),
        allowed_imports=_string_list(info.get("allow_imports", []), "allow_imports", info_path),
        hints=load_hints(folder / HINTS_FILE, checks),
        reference_after_attempts=_reference_after_attempts(info, info_path),
    )


def load_hints(path: Path, checks: list[CheckDecl]) -> dict[str, str]:
    """Read hints.toml: one ``[function_name]`` table per check of checks.py, each with one non-empty
    ``hint`` (Markdown). Returns check title -> hint in the order of the checks; raises
    :class:`ContentError` naming ``path`` when the file is missing, a check has no hint, or a table names
    no check (so renaming a check function fails the sync until its hint follows)."""
    if not path.is_file():
        raise ContentError(f"{path}: missing")
    tables = _read_toml(path)
    functions = {check.function for check in checks}
    unknown = sorted(set(tables) - functions)
    if unknown:
        raise ContentError(f"{path}: {unknown} name no check function of checks.py")
    missing = [check.function for check in checks if check.function not in tables]
    if missing:
        raise ContentError(f"{path}: no hint for the checks {missing}")
    return {check.title: _hint_text(tables[check.function], check.function, path) for check in checks}


def _hint_text(table, function: str, path: Path) -> str:
    if not isinstance(table, dict) or set(table) != {"hint"}:
        raise ContentError(f"{path}: [{function}] must hold exactly one key, 'hint'")
    text = table["hint"]
    if not isinstance(text, str) or not text.strip():
        raise ContentError(f"{path}: [{function}] hint must be non-empty text")
    return text.strip()


def _reference_after_attempts(info: dict, path: Path) -> int | None:
    value = info.get("reference_after_attempts")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ContentError(f"{path}: 'reference_after_attempts' must be a positive integer")
    return value


_HEADER_KEYS = ("Mistake", "Verdict", "Fails")


def wrong_solution(path: Path, code: str, check_names: set[str]) -> WrongSolution:
    """Read a wrong solution's header: its mistake, the verdict it must get and the checks it must fail."""
    fields: dict[str, list[str]] = {key: [] for key in _HEADER_KEYS}
    for line in code.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line.lstrip("# ").partition(":")
        if key in fields:
            fields[key].append(value.strip())
    if len(fields["Mistake"]) != 1 or len(fields["Verdict"]) != 1:
        raise ContentError(f"{path}: the header needs one '# Mistake:' and one '# Verdict:' line")
    verdict = fields["Verdict"][0]
    if verdict not in {v.value for v in Verdict} or verdict == Verdict.ACCEPTED:
        raise ContentError(f"{path}: '# Verdict: {verdict}' is not a verdict a wrong solution can get")
    unknown = [name for name in fields["Fails"] if name not in check_names]
    if unknown:
        raise ContentError(f"{path}: '# Fails:' names no check of checks.py: {unknown}")
    if not fields["Fails"] and verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR):
        raise ContentError(f"{path}: say which check(s) it must fail with '# Fails: <check name>'")
    return WrongSolution(path.stem, code, fields["Mistake"][0], verdict, tuple(fields["Fails"]))


def check_names_of(source: str, path: Path) -> list[str]:
    """Names of every ``@check`` in a checks source, read without running it."""
    return [check.title for check in _checks_in(source, path)]


def _string_list(value, key: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContentError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def public_check_names(source: str, path: Path) -> list[str]:
    """Names of the checks marked ``public=True``, read from the source without running it."""
    return [check.title for check in _checks_in(source, path) if check.public]


def _checks_in(source: str, path: Path) -> list[CheckDecl]:
    """Every ``@check("title", ...)``-decorated function in a checks source, in source order."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ContentError(f"{path}: {exc}") from None
    found = []
    for node in tree.body:
        for decorator in getattr(node, "decorator_list", []):
            if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "check"):
                continue
            first = decorator.args[0] if decorator.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            public = any(
                keyword.arg == "public" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
                for keyword in decorator.keywords
            )
            found.append(CheckDecl(node.name, first.value, public))
    return found


def _limits(raw: dict, path: Path) -> dict:
    unknown = set(raw) - set(_LIMIT_FIELDS)
    if unknown:
        raise ContentError(f"{path}: unknown limits {sorted(unknown)}")
    limits = {}
    for name, kind in _LIMIT_FIELDS.items():
        if name in raw:
            value = raw[name]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ContentError(f"{path}: limits.{name} must be a positive number")
            limits[name] = kind(value)
    return limits


def _hash(texts: dict[str, str], wrong: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name, text in sorted(texts.items()) + sorted((f"wrong/{k}.py", v) for k, v in wrong.items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: {exc}") from None


def _required(data: dict, key: str, kind: type, path: Path):
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ContentError(f"{path}: '{key}' must be a {kind.__name__}")
    return value
