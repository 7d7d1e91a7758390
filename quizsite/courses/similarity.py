"""Similarity of accepted submissions within an assignment: a flag for a person to read, never a verdict.

Each learner's latest accepted submission in the assignment's window is compared with every other one by
token winnowing, as MOSS does (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
fingerprinting", SIGMOD 2003):

1. Python's own tokenizer reads the code. Comments, docstrings, blank lines and layout are dropped; names
   the learner chose become ``V``, numbers ``N`` and strings ``S``, so renaming variables or rewording
   messages hides nothing. Keywords, builtins and attribute names (mostly library calls: ``.sum``,
   ``.backward``) stay as written: they are what tells two independent solutions apart.
2. Every run of ``KGRAM`` tokens (a k-gram) is hashed. Winnowing keeps the smallest hash of each ``WINDOW``
   consecutive ones, and those fingerprints, indexed, find the pairs worth scoring: any two submissions that
   share a stretch of ``KGRAM + WINDOW - 1`` tokens are found, without comparing every k-gram of every pair.
3. K-grams holding any of the exercise's starter code are dropped, and so is a k-gram found in more than
   ``COMMON_LIMIT`` submissions (MOSS's ``-m``): the scaffolding everyone was given and the idiom everyone
   writes say nothing about two particular learners.
4. A pair found is scored on every k-gram the two share, not only the winnowed ones, so identical code scores
   1 and a stretch is reported whole: the score is the share of both submissions' countable tokens (those
   in a k-gram of their own) that lie in a shared stretch, and each stretch is a line range in both.

Why not a library. ``copydetect`` 0.5.0 does the same in outline (pygments tokens, winnowing, boilerplate),
and its ``CodeFingerprint(fp=StringIO(...))`` with ``compare_files`` works in memory without writing a
report. But ``import copydetect`` imports matplotlib, tqdm and jinja2 (the report code shares a module with
the rest): fourteen packages and about 0.6 s of import for the hundred lines we would use. Its matches are
character slices per file, so which stretch on the left matches which on the right is lost; it has no
common-idiom cut-off; its scores changed meaning between releases (issues #18, #19 and #33 upstream); and
with a window above 1 it winnows by Python's salted ``hash()``, so the same pair scores differently from
one process to the next (0.36 to 0.38 over four seeds on our samples). ``pycode-similar`` 1.4 (2020) diffs
AST dumps function by function against one reference file, fails on a file without a function, and knows
no starter code and no line ranges. What is left to write is small, uses only the standard library, and
tokenises Python exactly as the interpreter does.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import itertools
import keyword
import tokenize
import uuid
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from grader.vocabulary import Verdict
from quizsite.courses import selectors
from quizsite.courses.models import Assignment
from quizsite.learning.models import Submission

KGRAM = 10  # tokens: about one short statement, so that chance agreement between strangers stays rare
WINDOW = 5  # two submissions sharing a stretch of KGRAM + WINDOW - 1 = 14 tokens are always paired
COMMON_LIMIT = 10  # MOSS's default for -m
MATCH_COLOURS = 6  # distinct highlight colours in the pair view; matches beyond that reuse them

Key = TypeVar("Key", bound=Hashable)

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins))
_END_OF_STATEMENT = ";"


@dataclass(frozen=True)
class Token:
    text: str  # normalised: V for a chosen name, N for a number, S for a string
    first_line: int
    last_line: int


@dataclass(frozen=True)
class Match:
    """A stretch of code found in both submissions: (first, last) line, 1-based and inclusive, in each."""

    first_lines: tuple[int, int]
    second_lines: tuple[int, int]


@dataclass(frozen=True)
class Pair(Generic[Key]):
    """Two submissions that share code, and how much: a reason to read them, not a finding."""

    first: Key
    second: Key
    score: float  # share of both submissions' countable tokens that lie in a shared stretch, 0 to 1
    first_share: float  # the same for each submission alone
    second_share: float
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class _Document:
    tokens: list[Token]
    kgrams: dict[int, list[int]]  # hash -> first token of each k-gram with no starter code in it
    fingerprints: set[int]  # those that winnowing selected: the index that finds candidate pairs
    countable: int  # tokens those k-grams cover: what a pair's shares are shares of


def normalised_tokens(code: str) -> list[Token]:
    """``code``'s tokens as compared: no comments, docstrings or layout; chosen names, numbers and strings
    replaced by placeholders; each statement ended by ``;`` whether it was written on its own line or not."""
    tokens: list[Token] = []
    statement: list[Token] = []
    previous = ""
    for raw in _raw_tokens(code):
        if raw.type in _SKIPPED:
            continue
        if raw.type == tokenize.NEWLINE or raw.string == _END_OF_STATEMENT:
            # A statement that is only a string is a docstring or a comment written as one.
            if statement and any(token.text != "S" for token in statement):
                tokens += [*statement, Token(_END_OF_STATEMENT, raw.start[0], raw.start[0])]
            statement = []
            continue
        statement.append(Token(_normalised(raw, previous), raw.start[0], raw.end[0]))
        previous = raw.string
    return tokens + statement


def _raw_tokens(code: str) -> Iterator[tokenize.TokenInfo]:
    try:
        yield from tokenize.generate_tokens(io.StringIO(code).readline)
    except (tokenize.TokenError, SyntaxError):
        # Accepted code always tokenises; starter code or anything else is compared as far as it does.
        return


def _normalised(raw: tokenize.TokenInfo, previous: str) -> str:
    if raw.type == tokenize.NAME:
        return raw.string if raw.string in _KEPT_NAMES or previous == "." else "V"
    if raw.type == tokenize.NUMBER:
        return "N"
    if raw.type == tokenize.STRING:
        return "S"
    return raw.string


def kgram_hashes(tokens: list[Token]) -> list[int]:
    """The hash of each run of ``KGRAM`` consecutive tokens, by position of its first token."""
    texts = [token.text for token in tokens]
    return [_stable_hash(texts[start : start + KGRAM]) for start in range(len(texts) - KGRAM + 1)]


def _stable_hash(texts: list[str]) -> int:
    # Python's hash() of a str is salted per process, and winnowing picks by hash order: the same
    # submissions would score differently after every restart.
    digest = hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def winnow(hashes: list[int], window: int = WINDOW) -> list[int]:
    """Positions selected by robust winnowing: the smallest hash of each window (the rightmost on a tie),
    keeping the one already selected while it is still in the window and still smallest."""
    window = min(window, len(hashes))
    selected: list[int] = []
    if not hashes:
        # Code shorter than one k-gram has no fingerprint: it can match nothing.
        return selected
    for start in range(len(hashes) - window + 1):
        current = hashes[start : start + window]
        smallest = min(current)
        if selected and selected[-1] >= start and hashes[selected[-1]] == smallest:
            continue
        selected.append(start + window - 1 - current[::-1].index(smallest))
    return selected


def _document(code: str, boilerplate: set[int]) -> _Document:
    tokens = normalised_tokens(code)
    hashes = kgram_hashes(tokens)
    own = [True] * len(tokens)
    for start, digest in enumerate(hashes):
        if digest in boilerplate:
            own[start : start + KGRAM] = [False] * KGRAM
    # A k-gram with any starter token in it is left out too: one running from the end of the starter into
    # a learner's first line would tie everyone whose own code starts the same way.
    kgrams: dict[int, list[int]] = defaultdict(list)
    for start, digest in enumerate(hashes):
        if all(own[start : start + KGRAM]):
            kgrams[digest].append(start)
    fingerprints = {hashes[position] for position in winnow(hashes)} & kgrams.keys()
    starts = [start for positions in kgrams.values() for start in positions]
    return _Document(tokens, dict(kgrams), fingerprints, _covered(starts))


def compare(codes: Mapping[Key, str], *, starter: str = "", common_limit: int = COMMON_LIMIT) -> list[Pair[Key]]:
    """Every pair of ``codes`` that shares code beyond ``starter``, most similar first (in the order of
    ``codes`` on a tie).

    Winnowed fingerprints find the pairs, as in MOSS; each pair found is then scored on every k-gram the two
    share, so that identical code scores 1 and each stretch is reported whole. A k-gram found in more than
    ``common_limit`` of the codes is common idiom and counts for nothing.
    """
    boilerplate = set(kgram_hashes(normalised_tokens(starter)))
    documents = {key: _document(code, boilerplate) for key, code in codes.items()}
    holders = Counter(digest for document in documents.values() for digest in document.kgrams)
    common = {digest for digest, count in holders.items() if count > common_limit}
    index: dict[int, list[Key]] = defaultdict(list)
    for key, document in documents.items():
        for digest in document.fingerprints - common:
            index[digest].append(key)
    candidates = {pair for keys in index.values() for pair in itertools.combinations(keys, 2)}
    order = {key: position for position, key in enumerate(codes)}
    pairs = [_pair(first, second, documents, common) for first, second in candidates]
    return sorted(pairs, key=lambda pair: (-pair.score, order[pair.first], order[pair.second]))


def _pair(first: Key, second: Key, documents: dict[Key, _Document], common: set[int]) -> Pair[Key]:
    one, other = documents[first], documents[second]
    links: list[tuple[int, int]] = []
    for digest, starts in one.kgrams.items():
        if digest in other.kgrams and digest not in common:
            # Repeated code pairs in order of appearance: a copy keeps the order, and this stays linear.
            links += zip(starts, other.kgrams[digest], strict=False)
    one_matched = _covered([start for start, _ in links])
    other_matched = _covered([start for _, start in links])
    return Pair(
        first=first,
        second=second,
        score=(one_matched + other_matched) / (one.countable + other.countable),
        first_share=one_matched / one.countable,
        second_share=other_matched / other.countable,
        matches=tuple(_matches(sorted(links), one, other)),
    )


def _covered(starts: Iterable[int]) -> int:
    """How many tokens the k-grams starting at ``starts`` cover."""
    covered = end = 0
    for start in sorted(set(starts)):
        covered += start + KGRAM - max(start, end)
        end = start + KGRAM
    return covered


def _matches(links: list[tuple[int, int]], one: _Document, other: _Document) -> list[Match]:
    """Shared k-grams, ordered by position in ``one``, joined into stretches where they overlap on both sides."""
    stretches: list[list[int]] = []  # [start in one, end in one, start in other, end in other], ends exclusive
    for start, other_start in links:
        last = stretches[-1] if stretches else None
        if last and start <= last[1] and last[2] <= other_start <= last[3]:
            last[1], last[3] = max(last[1], start + KGRAM), max(last[3], other_start + KGRAM)
        else:
            stretches.append([start, start + KGRAM, other_start, other_start + KGRAM])
    return [
        Match(_lines(one, first_start, first_end), _lines(other, second_start, second_end))
        for first_start, first_end, second_start, second_end in stretches
    ]


def _lines(document: _Document, start: int, end: int) -> tuple[int, int]:
    """The first and last line of the tokens from ``start`` to ``end`` (exclusive)."""
    return document.tokens[start].first_line, document.tokens[end - 1].last_line


# The assignment's side: whose code is compared, and how a pair is shown.


@dataclass(frozen=True)
class Report:
    assignment: Assignment
    submissions: list[Submission]  # one per learner: their latest accepted one in the window
    pairs: list[Pair[Submission]]

    def pair(self, first_id, second_id) -> Pair[Submission] | None:
        """The pair of these two compared submissions (in the order given; all zero if they share
        nothing), or None if either was not compared."""
        by_id = {submission.pk: submission for submission in self.submissions}
        if first_id not in by_id or second_id not in by_id or first_id == second_id:
            return None
        for pair in self.pairs:
            if {pair.first.pk, pair.second.pk} == {first_id, second_id}:
                return pair if pair.first.pk == first_id else _swapped(pair)
        return Pair(by_id[first_id], by_id[second_id], 0.0, 0.0, 0.0, ())


def _swapped(pair: Pair[Key]) -> Pair[Key]:
    matches = tuple(Match(match.second_lines, match.first_lines) for match in pair.matches)
    return Pair(pair.second, pair.first, pair.score, pair.second_share, pair.first_share, matches)


def assignment_similarity(assignment: Assignment) -> Report:
    """Each learner's latest accepted submission to ``assignment``'s exercise, in their window (an extension
    moves it), compared pairwise with the exercise's starter code as boilerplate.

    Only the course's learners count; example runs never do. A quiz assignment has no code: its report is empty.
    """
    if assignment.exercise_id is None:
        return Report(assignment, [], [])
    submissions = latest_accepted_submissions(assignment)
    pairs = compare(
        {submission: submission.code for submission in submissions}, starter=assignment.exercise.starter_code
    )
    return Report(assignment, submissions, pairs)


def latest_accepted_submissions(assignment: Assignment) -> list[Submission]:
    """Each learner's latest accepted submission to ``assignment``'s exercise inside their window, by username."""
    extensions = {extension.learner_id: extension for extension in assignment.extensions.all()}
    candidates = Submission.objects.filter(
        exercise_id=assignment.exercise_id,
        user__in=selectors.course_learners(assignment.course),
        examples_only=False,
        status=Submission.Status.DONE,
        verdict=Verdict.ACCEPTED,
    ).order_by("-created_at")
    chosen: dict[int, uuid.UUID] = {}
    for pk, user_id, created_at in candidates.values_list("pk", "user_id", "created_at"):
        if user_id in chosen:
            continue
        terms = selectors.terms_for(assignment, extensions.get(user_id))
        # The window of the policy's first rule: before opening is practice, after the cut-off never counts.
        opened = terms.opens_at is None or created_at >= terms.opens_at
        if opened and (terms.cutoff_at is None or created_at <= terms.cutoff_at):
            chosen[user_id] = pk
    return list(Submission.objects.filter(pk__in=chosen.values()).select_related("user").order_by("user__username"))


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    match: int | None  # 1-based number of the match the line belongs to, if any
    colour: int | None  # which of MATCH_COLOURS highlights it


def marked_lines(code: str, ranges: list[tuple[int, int]]) -> list[Line]:
    """``code``'s lines, each with the first of ``ranges`` (inclusive line ranges) that holds it."""
    lines = []
    # Split where the tokenizer counts lines, so that the numbers agree: str.splitlines() also breaks at form
    # feeds and U+2028, which Python code may hold.
    for number, text in enumerate(code.removesuffix("\n").split("\n"), start=1):
        match = next((index for index, (first, last) in enumerate(ranges, start=1) if first <= number <= last), None)
        lines.append(Line(number, text.removesuffix("\r"), match, None if match is None else match_colour(match)))
    return lines


def match_colour(number: int) -> int:
    """Which highlight colour match ``number`` (1-based) gets: neighbours differ, and the colours repeat."""
    return (number - 1) % MATCH_COLOURS
