"""Quiz questions as content: parse ``questions.toml`` (+ ``questions.py`` generators), render a
learner's variant, and score an answer. No Django here.

A topic folder ``exercises/topics/<topic>/`` may hold ``questions.toml``::

    [[question]]
    id = "dropout-eval-mode"           # stable, unique in the whole bank
    kind = "single"                    # single | multiple | true_false | numeric | ordering | matching
    prompt = "Markdown text"
    options = ["...", "..."]           # single, multiple, ordering (in the correct order), matching (left items)
    matches = ["...", "..."]           # matching only: right items, matches[i] belongs to options[i]
    answer = 1                         # single: index; multiple: list of indices; true_false: bool; numeric: number
    tolerance = {absolute = 0.01}      # numeric only: absolute or relative
    explanation = "Markdown: why each option is right or wrong"
    generator = "kept_scale"           # optional: a function in questions.py that makes the variant
                                       # (then prompt, answer and explanation come from it)

A generator is trusted server code (never learner code): ``def kept_scale(rng) -> dict`` receives a
seeded ``numpy.random.Generator`` and returns the fields that vary (``prompt``, ``answer``, and any of
``options``, ``matches``, ``explanation``, ``tolerance``). The same seed always gives the same variant.

Ordering and matching options are shown shuffled by the variant's seed; the learner answers with the
displayed indices, and scoring maps them back.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("single", "multiple", "true_false", "numeric", "ordering", "matching")
MULTIPLE_CHOICE_RULE = (
    "Partial credit: (right options ticked - wrong options ticked) / number of right options, never below 0."
)


class QuestionError(ValueError):
    """A question file is invalid; the message names the file and the question."""


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    kind: str
    prompt: str
    explanation: str
    options: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    answer: Any = None
    tolerance: dict = field(default_factory=dict)
    generator: Callable | None = None
    difficulty: str = "medium"

    @property
    def parameterised(self) -> bool:
        return self.generator is not None


@dataclass(frozen=True)
class Variant:
    """What one learner sees for one question (and what their answer is checked against)."""

    question_id: str
    kind: str
    prompt: str
    options: tuple[str, ...]
    matches: tuple[str, ...]
    answer: Any
    tolerance: dict
    explanation: str
    # For ordering and matching: shown position -> original index.
    order: tuple[int, ...] = ()

    def public(self) -> dict:
        """What the learner may see before answering (never the answer or the explanation)."""
        data = {"id": self.question_id, "kind": self.kind, "prompt": self.prompt, "options": list(self.options)}
        if self.kind == "matching":
            data["matches"] = list(self.matches)
        if self.kind == "multiple":
            data["scoring"] = MULTIPLE_CHOICE_RULE
        return data


def load_topic_questions(folder: Path) -> list[Question]:
    """Questions of one topic folder (empty if it has no questions.toml)."""
    path = folder / "questions.toml"
    if not path.exists():
        return []
    with path.open("rb") as handle:
        try:
            raw = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise QuestionError(f"{path}: {exc}") from None
    generators = load_generators(folder / "questions.py")
    return [_parse(entry, folder.name, path, generators) for entry in raw.get("question", [])]


def load_bank(root: Path) -> list[Question]:
    """Every question under ``root/topics``; ids must be unique."""
    questions = [q for folder in sorted((root / "topics").iterdir()) if folder.is_dir()
                 for q in load_topic_questions(folder)]  # fmt: skip
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise QuestionError(f"question id {question.id!r} is used twice")
        seen.add(question.id)
    return questions


def load_generators(path: Path) -> dict[str, Callable]:
    """The generator functions defined in a topic's ``questions.py`` (trusted content code)."""
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"question_generators_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # trusted content, like checks.py
    return {name: value for name, value in vars(module).items() if callable(value) and not name.startswith("_")}


def _parse(entry: dict, topic: str, path: Path, generators: dict[str, Callable]) -> Question:
    where = f"{path}: question {entry.get('id', '?')!r}"
    # A generated question gets its prompt and explanation from its generator.
    required = ("id", "kind") if "generator" in entry else ("id", "kind", "prompt", "explanation")
    for key in required:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise QuestionError(f"{where}: '{key}' is required text")
    if entry["kind"] not in KINDS:
        raise QuestionError(f"{where}: kind must be one of {KINDS}")
    generator = None
    if "generator" in entry:
        generator = generators.get(entry["generator"])
        if generator is None:
            raise QuestionError(f"{where}: no generator {entry['generator']!r} in questions.py")
    question = Question(
        id=entry["id"],
        topic=topic,
        kind=entry["kind"],
        prompt=entry.get("prompt", ""),
        explanation=entry.get("explanation", ""),
        options=tuple(entry.get("options", ())),
        matches=tuple(entry.get("matches", ())),
        answer=entry.get("answer"),
        tolerance=dict(entry.get("tolerance", {})),
        generator=generator,
        difficulty=entry.get("difficulty", "medium"),
    )
    # A fixed question is validated now; a generated one for every seed it is asked with.
    if generator is None:
        _validate(question, where)
    else:
        _validate(_generated(question, 0), f"{where} (seed 0)")
    return question


def _generated(question: Question, seed: int) -> Question:
    fields = question.generator(np.random.default_rng(seed))
    allowed = {"prompt", "answer", "options", "matches", "explanation", "tolerance"}
    unknown = set(fields) - allowed
    if unknown:
        raise QuestionError(f"question {question.id!r}: generator returned unknown fields {sorted(unknown)}")
    converted = {key: tuple(value) if key in ("options", "matches") else value for key, value in fields.items()}
    return replace(question, **converted)


def _validate(question: Question, where: str) -> None:
    kind, answer, options = question.kind, question.answer, question.options
    if kind in ("single", "multiple", "ordering", "matching") and len(options) < 2:
        raise QuestionError(f"{where}: needs at least two options")
    if kind == "single" and not (type(answer) is int and 0 <= answer < len(options)):
        raise QuestionError(f"{where}: answer must be the index of one option")
    if kind == "multiple" and not (
        isinstance(answer, list | tuple) and answer and all(type(i) is int and 0 <= i < len(options) for i in answer)
    ):
        raise QuestionError(f"{where}: answer must list the indices of the right options")
    if kind == "true_false" and not isinstance(answer, bool):
        raise QuestionError(f"{where}: answer must be true or false")
    if kind == "numeric":
        if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
            raise QuestionError(f"{where}: answer must be a finite number")
        if set(question.tolerance) - {"absolute", "relative"} or len(question.tolerance) != 1:
            raise QuestionError(f"{where}: tolerance must be {{absolute = x}} or {{relative = x}}")
    if kind == "matching" and len(question.matches) != len(options):
        raise QuestionError(f"{where}: matching needs as many matches as options")


def variant_seed(attempt_key: str, question_id: str) -> int:
    """A stable seed per attempt and question."""
    return int.from_bytes(hashlib.sha256(f"{attempt_key}:{question_id}".encode()).digest()[:8], "big")


def render(question: Question, seed: int) -> Variant:
    """The variant of ``question`` for ``seed`` (generated numbers, shuffled orderings)."""
    concrete = _generated(question, seed) if question.parameterised else question
    if question.parameterised:
        _validate(concrete, f"question {question.id!r} (seed {seed})")
    order: tuple[int, ...] = ()
    options, matches = concrete.options, concrete.matches
    if concrete.kind in ("ordering", "matching"):
        rng = np.random.default_rng(seed)
        size = len(concrete.options if concrete.kind == "ordering" else concrete.matches)
        order = tuple(int(i) for i in rng.permutation(size))
        if order == tuple(range(size)):
            # Never show the answer itself: the identity shuffle becomes a rotation.
            order = order[1:] + order[:1]
        if concrete.kind == "ordering":
            options = tuple(concrete.options[i] for i in order)
        else:
            matches = tuple(concrete.matches[i] for i in order)
    return Variant(
        question_id=question.id,
        kind=concrete.kind,
        prompt=concrete.prompt,
        options=options,
        matches=matches,
        answer=concrete.answer,
        tolerance=concrete.tolerance,
        explanation=concrete.explanation,
        order=order,
    )


class InvalidAnswer(ValueError):
    """The answer does not have the shape this kind of question needs."""


def score(variant: Variant, response: Any) -> float:
    """Score a response in [0, 1]; raise :class:`InvalidAnswer` for a malformed one."""
    kind = variant.kind
    if kind == "single":
        _require(type(response) is int and 0 <= response < len(variant.options), "pick one option by its index")
        return float(response == variant.answer)
    if kind == "multiple":
        return _score_multiple(variant, response)
    if kind == "true_false":
        _require(isinstance(response, bool), "answer true or false")
        return float(response == variant.answer)
    if kind == "numeric":
        _require(isinstance(response, int | float) and not isinstance(response, bool), "answer with a number")
        _require(math.isfinite(response), "answer with a finite number")
        return float(_close(float(response), float(variant.answer), variant.tolerance))
    if kind == "ordering":
        _require(_is_permutation(response, len(variant.options)), "order every option exactly once")
        original = [variant.order[i] for i in response]
        return float(original == list(range(len(variant.options))))
    if kind == "matching":
        _require(_is_permutation(response, len(variant.options)), "match every item exactly once")
        # response[i] is the shown index of the match chosen for options[i].
        return sum(variant.order[shown] == i for i, shown in enumerate(response)) / len(variant.options)
    raise InvalidAnswer(f"unknown question kind {kind!r}")


def _score_multiple(variant: Variant, response: Any) -> float:
    _require(
        isinstance(response, list) and all(type(i) is int and 0 <= i < len(variant.options) for i in response),
        "tick options by their indices",
    )
    _require(len(set(response)) == len(response), "tick each option at most once")
    right = set(variant.answer)
    picked = set(response)
    return max(0.0, (len(picked & right) - len(picked - right)) / len(right))


def _close(value: float, expected: float, tolerance: dict) -> bool:
    if "absolute" in tolerance:
        return abs(value - expected) <= float(tolerance["absolute"])
    return abs(value - expected) <= float(tolerance["relative"]) * abs(expected)


def _is_permutation(response: Any, size: int) -> bool:
    return (
        isinstance(response, list) and all(type(i) is int for i in response) and sorted(response) == list(range(size))
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidAnswer(message)


def correct_response(variant: Variant) -> Any:
    """The response that scores 1 for ``variant`` (for tests and for showing the solution)."""
    if variant.kind in ("single", "true_false", "numeric"):
        return variant.answer
    if variant.kind == "multiple":
        return sorted(variant.answer)
    # Ordering and matching: the shown index of each original item, in the original order.
    position = {original: shown for shown, original in enumerate(variant.order)}
    return [position[i] for i in range(len(variant.options))]


def wrong_response(variant: Variant) -> Any:
    """A well-formed response that must not get full marks."""
    right = correct_response(variant)
    if variant.kind == "single":
        return (right + 1) % len(variant.options)
    if variant.kind == "multiple":
        return []
    if variant.kind == "true_false":
        return not right
    if variant.kind == "numeric":
        tolerance = variant.tolerance.get("absolute") or variant.tolerance["relative"] * abs(right)
        return right + 10 * tolerance + 1.0
    return right[1:] + right[:1]


def self_check(question: Question, seeds: range = range(50)) -> list[str]:
    """Problems with ``question``: each seed must render, accept its own answer and reject a wrong one."""
    problems = []
    for seed in seeds if question.parameterised else range(1):
        try:
            variant = render(question, seed)
        except (QuestionError, KeyError, TypeError, ValueError) as exc:
            problems.append(f"{question.id} seed {seed}: does not render ({exc})")
            continue
        if not variant.prompt.strip() or not variant.explanation.strip():
            problems.append(f"{question.id} seed {seed}: no prompt or no explanation")
        if score(variant, correct_response(variant)) != 1.0:
            problems.append(f"{question.id} seed {seed}: its own answer is not accepted")
        if score(variant, wrong_response(variant)) >= 1.0:
            problems.append(f"{question.id} seed {seed}: a wrong answer gets full marks")
    return problems
