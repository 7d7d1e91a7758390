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
    precision = {decimals = 2}         # numeric only: {decimals = n} or {significant = n}, see below
    explanation = "Markdown: why each option is right or wrong"
    generator = "kept_scale"           # optional: a function in questions.py that makes the variant
                                       # (then prompt, answer and explanation come from it)

A generator is trusted server code (never learner code): ``def kept_scale(rng) -> dict`` receives a
seeded ``numpy.random.Generator`` and returns the fields that vary (``prompt``, ``answer``, and any of
``options``, ``matches``, ``explanation``, ``precision``). The same seed always gives the same variant.

A numeric question states the precision it asks for, and only there: the renderer appends "Give your answer to
2 decimal places." (or "... 3 significant figures.", or "Give a whole number." for ``decimals = 0``) to the
prompt, and an answer is accepted when it lies within half a unit of that last digit of the exact answer, so
the correctly rounded answer always scores and its neighbours one unit away never do. The precision is the
question's scoring rule and is kept in its ``tolerance`` (the column the database stores).
``tolerance = {absolute = x}`` or ``{relative = x}`` still score, but ``validate_questions`` rejects them:
they tell the learner nothing.

Ordering and matching options are shown shuffled by the variant's seed; the learner answers with the
displayed indices, and scoring maps them back.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("single", "multiple", "true_false", "numeric", "ordering", "matching")
PRECISIONS = ("decimals", "significant")
TOLERANCES = ("absolute", "relative", *PRECISIONS)
# A response may differ from the exact answer by half a unit of the asked precision, plus this fraction of a
# unit, so that typing the rounded value is never refused because of binary floating point.
FLOAT_SLACK = 1e-9
# An answer closer than this (in units of the asked digit) to a rounding boundary such as 1.335 has two
# defensible roundings; validation refuses it, whether it is an exact tie or a float next to one.
TIE_MARGIN = 1e-3
# A prompt that words its own precision would compete with the one the renderer appends.
_WORDED_PRECISION = re.compile(
    r"decimal|significant|whole number|give the number|\bdigits?\b|\bround(ed|ing)?\b", re.IGNORECASE
)
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

    @property
    def precision(self) -> dict:
        """The precision a numeric variant asks for (``{"decimals": 2}``...), or ``{}`` if it states none."""
        return precision_of(self.tolerance) if self.kind == "numeric" else {}

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
    if "precision" in entry and "tolerance" in entry:
        raise QuestionError(f"{where}: give a precision or a tolerance, not both")
    question = Question(
        id=entry["id"],
        topic=topic,
        kind=entry["kind"],
        prompt=entry.get("prompt", ""),
        explanation=entry.get("explanation", ""),
        options=tuple(entry.get("options", ())),
        matches=tuple(entry.get("matches", ())),
        answer=entry.get("answer"),
        tolerance=dict(entry.get("precision", entry.get("tolerance", {}))),
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
    allowed = {"prompt", "answer", "options", "matches", "explanation", "precision", "tolerance"}
    unknown = set(fields) - allowed
    if unknown:
        raise QuestionError(f"question {question.id!r}: generator returned unknown fields {sorted(unknown)}")
    if "precision" in fields and "tolerance" in fields:
        raise QuestionError(f"question {question.id!r}: generator returned a precision and a tolerance")
    converted = {key: tuple(value) if key in ("options", "matches") else value for key, value in fields.items()}
    if "precision" in converted:
        converted["tolerance"] = dict(converted.pop("precision"))
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
        _validate_tolerance(question.tolerance, answer, where)
    if kind == "matching" and len(question.matches) != len(options):
        raise QuestionError(f"{where}: matching needs as many matches as options")


_PRECISION_RANGES = {"decimals": (0, 12), "significant": (1, 15)}


def _validate_tolerance(tolerance: dict, answer: float, where: str) -> None:
    if set(tolerance) - set(TOLERANCES) or len(tolerance) != 1:
        raise QuestionError(
            f"{where}: precision must be {{decimals = n}} or {{significant = n}} "
            "(or, unchecked, tolerance {absolute = x} or {relative = x})"
        )
    [(key, value)] = tolerance.items()
    if key in _PRECISION_RANGES:
        low, high = _PRECISION_RANGES[key]
        if not (type(value) is int and low <= value <= high):
            raise QuestionError(f"{where}: {key} must be a whole number from {low} to {high}")
        if key == "significant" and answer == 0:
            raise QuestionError(f"{where}: 0 has no significant figures; ask for decimals")
    elif isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise QuestionError(f"{where}: tolerance must be a number >= 0")


def precision_of(tolerance: dict) -> dict:
    """The precision part of a numeric tolerance (``{"decimals": 2}`` or ``{"significant": 3}``), else ``{}``."""
    return {key: tolerance[key] for key in PRECISIONS if key in tolerance}


def precision_text(precision: dict) -> str:
    """The sentence the renderer appends to a numeric prompt."""
    if "significant" in precision:
        count = precision["significant"]
        return f"Give your answer to {count} significant figure{'s' * (count != 1)}."
    count = precision["decimals"]
    return "Give a whole number." if count == 0 else f"Give your answer to {count} decimal place{'s' * (count != 1)}."


def decimal_places(answer: float, precision: dict) -> int:
    """How many decimals ``precision`` keeps of ``answer`` (negative: rounds to tens, hundreds...)."""
    if "decimals" in precision:
        return precision["decimals"]
    return precision["significant"] - 1 - math.floor(math.log10(abs(answer)))


def rounded(answer: float, precision: dict) -> float:
    """``answer`` rounded to ``precision``: the response the prompt asks for."""
    return round(answer, decimal_places(answer, precision))


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
    prompt = concrete.prompt
    precision = precision_of(concrete.tolerance) if concrete.kind == "numeric" else {}
    if precision:
        prompt = f"{prompt.rstrip()}\n\n{precision_text(precision)}"
    return Variant(
        question_id=question.id,
        kind=concrete.kind,
        prompt=prompt,
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
    precision = precision_of(tolerance)
    if precision:
        # Half a unit of the asked digit: the correct rounding scores, a neighbour one unit away does not.
        unit = 10.0 ** -decimal_places(expected, precision)
        return abs(value - expected) <= (0.5 + FLOAT_SLACK) * unit
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
    if variant.kind == "numeric" and variant.precision:
        return rounded(variant.answer, variant.precision)
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
        if variant.precision:
            tolerance = 10.0 ** -decimal_places(variant.answer, variant.precision)
        else:
            tolerance = variant.tolerance.get("absolute", 0) or variant.tolerance.get("relative", 0) * abs(right)
        return right + 10 * tolerance + 1.0
    return right[1:] + right[:1]


def self_check(question: Question, seeds: range = range(50)) -> list[str]:
    """Problems with ``question``: each seed must render, accept its own answer and reject a wrong one; a
    numeric question must also pass :func:`precision_problems`."""
    problems = []
    for seed in seeds if question.parameterised else range(1):
        where = f"{question.id} seed {seed}"
        try:
            variant = render(question, seed)
        except (QuestionError, KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: does not render ({exc})")
            continue
        if not variant.prompt.strip() or not variant.explanation.strip():
            problems.append(f"{where}: no prompt or no explanation")
        if score(variant, correct_response(variant)) != 1.0:
            problems.append(f"{where}: its own answer is not accepted")
        if score(variant, wrong_response(variant)) >= 1.0:
            problems.append(f"{where}: a wrong answer gets full marks")
        if variant.kind == "numeric":
            problems.extend(f"{where}: {problem}" for problem in precision_problems(variant))
    return problems


def precision_problems(variant: Variant) -> list[str]:
    """What is wrong with the precision of a numeric variant: it must state one through its precision field
    (and not word one in its prompt), accept the exact answer rounded to it, reject the two neighbours one
    unit of that precision away, and not lie on a rounding tie."""
    precision = variant.precision
    if not precision:
        return ["states no precision: give precision = {decimals = n} or {significant = n}"]
    problems = []
    worded = _WORDED_PRECISION.search(variant.prompt.removesuffix(f"\n\n{precision_text(precision)}"))
    if worded:
        problems.append(f"the prompt words a precision itself ({worded.group(0)!r}); only the precision field may")
    places = decimal_places(variant.answer, precision)
    unit, key = 10.0**-places, rounded(variant.answer, precision)
    asked = precision_text(precision)
    if score(variant, key) != 1.0:
        problems.append(f"the answer {variant.answer!r} rounded as asked ({asked}) is {key!r}, which is rejected")
    for neighbour in (round(key - unit, places), round(key + unit, places)):
        if score(variant, neighbour) == 1.0:
            problems.append(f"{neighbour!r}, one unit from the rounded answer {key!r}, is accepted")
    if abs(variant.answer / unit % 1 - 0.5) < TIE_MARGIN:
        problems.append(f"the answer {variant.answer!r} lies on a rounding tie at this precision ({asked})")
    return problems
