"""Quiz definitions as files: ``exercises/quizzes/<slug>.toml``. No Django here.

title = "Dropout"
description = "Markdown"
mode = "topics"                 # fixed (the listed questions) | topics (drawn from topics) | adaptive
topics = ["dropout"]            # topics and adaptive: where questions come from (adaptive: empty = all)
questions = ["dropout-purpose"] # fixed: question ids, in order
question_count = 8              # topics and adaptive: how many questions an attempt gets
time_limit_minutes = 15         # optional
max_attempts = 3                # optional
position = 1
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MODES = ("fixed", "topics", "adaptive")


class QuizError(ValueError):
    """A quiz file is invalid; the message names it."""


@dataclass(frozen=True)
class QuizContent:
    slug: str
    title: str
    description: str
    mode: str
    topics: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    question_count: int = 10
    time_limit_minutes: int | None = None
    max_attempts: int | None = None
    position: int = 0


def load_quizzes(root: Path) -> list[QuizContent]:
    """Every quiz file under ``root/quizzes``."""
    return [_parse(path) for path in sorted((root / "quizzes").glob("*.toml"))]


def _parse(path: Path) -> QuizContent:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise QuizError(f"{path}: {exc}") from None
    mode = raw.get("mode", "topics")
    if mode not in MODES:
        raise QuizError(f"{path}: mode must be one of {MODES}")
    if not isinstance(raw.get("title"), str):
        raise QuizError(f"{path}: title is required")
    quiz = QuizContent(
        slug=path.stem,
        title=raw["title"],
        description=raw.get("description", ""),
        mode=mode,
        topics=list(raw.get("topics", [])),
        questions=list(raw.get("questions", [])),
        question_count=int(raw.get("question_count", 10)),
        time_limit_minutes=raw.get("time_limit_minutes"),
        max_attempts=raw.get("max_attempts"),
        position=int(raw.get("position", 0)),
    )
    if mode == "fixed" and not quiz.questions:
        raise QuizError(f"{path}: a fixed quiz lists its questions")
    if mode == "topics" and not quiz.topics:
        raise QuizError(f"{path}: a topics quiz names its topics")
    return quiz
