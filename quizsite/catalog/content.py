"""Read exercise folders under ``exercises/`` into validated dataclasses. No Django here.

Layout: ``exercises/<slug>/`` holds info.toml, statement.md, starter.py, solution.py, checks.py and
``wrong/*.py``; ``exercises/topics/<topic>/topic.toml`` describes a topic.
"""

from __future__ import annotations

import ast
import hashlib
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_FILES = ("info.toml", "statement.md", "starter.py", "solution.py", "checks.py")
DIFFICULTIES = ("easy", "medium", "hard")
RUNTIMES = ("numpy", "torch")
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
    wrong_solutions: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""


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
    wrong = {path.stem: path.read_text(encoding="utf-8") for path in sorted((folder / "wrong").glob("*.py"))}
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
        wrong_solutions=wrong,
        content_hash=_hash(texts, wrong),
    )


def public_check_names(source: str, path: Path) -> list[str]:
    """Names of the checks marked ``public=True``, read from the source without running it."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ContentError(f"{path}: {exc}") from None
    names = []
    for node in tree.body:
        for decorator in getattr(node, "decorator_list", []):
            if _is_public_check(decorator):
                names.append(decorator.args[0].value)
    return names


def _is_public_check(decorator: ast.expr) -> bool:
    if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "check"):
        return False
    if not (
        decorator.args and isinstance(decorator.args[0], ast.Constant) and isinstance(decorator.args[0].value, str)
    ):
        return False
    return any(
        keyword.arg == "public" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
        for keyword in decorator.keywords
    )


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
