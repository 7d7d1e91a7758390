"""Check figures: each kind drawn as a valid, labelled, script-free SVG whatever the learner's values; served only
to those who may read the check, with safe headers; linked from the API's check results."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quizsite.catalog.models import Exercise
from quizsite.learning import figure_kinds, figure_svg
from quizsite.learning.models import Submission
from tests.helpers import make_assignment, make_course, make_submission, sync_exercise_copy

NS = {"svg": figure_svg.SVG_NS}
HOSTILE = '<script>alert("x")</script> & \x01 </svg>'
NASTY = [float("nan"), "nan", "inf", "-inf", None, 1e300, -1e300, 0.0, 5e-324, "junk"]

# One plausible figure of every kind, as the checks store them.
SAMPLES = {
    "lines": {
        "x_label": "layer",
        "y_label": "norm",
        "log_y": True,
        "x": [0, 1, 2],
        "series": [{"name": "expected", "values": [1e-6, 1e-3, 1.0]}, {"name": "yours", "values": [1e-6, 2e-3, 1.0],
                                                                         "learner": True}],
        "markers": [{"x": 1, "label": "best, expected"}, {"x": None, "label": "best, yours", "learner": True}],
    },
    "band": {"x_label": "row", "y_label": "kept", "values": [0.5, 0.52, 0.7], "low": 0.4, "high": 0.6, "expected": 0.5},
    "histogram": {"x_label": "w", "y_label": "count", "edges": [-1, 0, 1], "counts": [3, 4], "expected": [3.5, 3.5],
                  "below": 2, "non_finite": 1},
    "fold_grid": {"classes": ["0", "0", "1"], "cells": [[1, 0, 1], [0, 1, 0]], "expected": [[1, 0, 0], [0, 1, 1]]},
    "images": {"pairs": [{"source": [[0, 1], [2, 3]], "augmented": [[1, 0], [3, "nan"]], "caption": "c", "high": 3}]},
    "bars": {"categories": ["grads[0]", "all"], "series": [{"name": "before", "values": [3, 5]},
             {"name": "after, yours", "values": [1, "inf"], "learner": True}], "lines": [{"value": 2, "label": "max"}]},
}  # fmt: skip


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{{{figure_svg.SVG_NS}}}svg" and root.get("role") == "img"
    assert not root.findall(".//svg:script", NS) and "href" not in svg
    return root


def _texts(root: ET.Element) -> str:
    return " ".join(text.text or "" for text in root.iterfind(".//svg:text", NS))


def _render(kind: str, data: dict, description: str = "alt text", title: str = "a check") -> ET.Element:
    return _parse(figure_kinds.render({"kind": kind, "data": data, "description": description}, title))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_is_an_image_labelled_by_its_title_and_description(kind):
    root = _render(kind, SAMPLES[kind])
    assert root.find("svg:title", NS).text == "a check" and root.find("svg:desc", NS).text == "alt text"
    assert root.get("aria-labelledby") == "figure-title figure-desc"
    assert root.findall("svg:g[@class='legend']", NS)
    assert float(root.get("width")) == figure_svg.WIDTH and root.get("viewBox").startswith("0 0 480 ")


@pytest.mark.parametrize("kind", ["lines", "band", "histogram", "bars"])
def test_charts_label_both_axes(kind):
    texts = _texts(_render(kind, SAMPLES[kind]))
    assert SAMPLES[kind]["x_label"] in texts if "x_label" in SAMPLES[kind] else True
    assert SAMPLES[kind].get("y_label", "") in texts


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_empty_or_malformed_data_still_draws_a_valid_figure(kind):
    for data in ({}, {"series": "x", "values": 3, "pairs": [None], "cells": [[None]], "classes": [None]}):
        _render(kind, data)


def test_values_that_are_not_finite_or_far_off_are_drawn_on_the_edge_and_named():
    data = {"log_y": True, "series": [{"name": "expected", "values": [1.0] * len(NASTY)},
                                      {"name": "yours", "values": NASTY, "learner": True}]}  # fmt: skip
    root = _render("lines", data)
    edge_marks = root.findall(".//svg:polygon", NS)
    # Every one: not a number, infinite, not positive on a log scale, or hundreds of decades off.
    assert len(edge_marks) == len(NASTY)
    notes = _texts(root)
    assert "inf" in notes and "-inf" in notes and "not a number" in notes and "1e+300" in notes


def test_a_linear_chart_keeps_the_expected_scale_when_the_learner_answers_something_huge():
    data = {"series": [{"name": "expected", "values": [1.0, 2.0, 3.0]},
                       {"name": "yours", "values": [1.0, 2.0, 1e200], "learner": True}]}  # fmt: skip
    root = _render("lines", data)
    ticks = [text.text for text in root.iterfind("svg:text", NS) if text.get("text-anchor") == "end"]
    assert "3" in ticks and not any("e+" in tick for tick in ticks)
    assert len(root.findall(".//svg:polygon", NS)) == 1


def test_band_dots_outside_the_band_are_crosses_and_counted():
    root = _render("band", SAMPLES["band"])
    assert len(root.findall(".//svg:g[@class='series']/svg:circle", NS)) == 2
    assert len(root.findall(".//svg:g[@class='series']/svg:path", NS)) == 1
    assert "2 of 3 inside the band" in _texts(root)


def test_histogram_says_what_it_could_not_draw():
    assert "Not drawn: 2 below the range, 1 not finite" in _texts(_render("histogram", SAMPLES["histogram"]))


def test_fold_grid_outlines_the_cells_that_differ_from_the_expected_folds():
    root = _render("fold_grid", SAMPLES["fold_grid"])
    outlined = [rect for rect in root.iterfind(".//svg:g[@class='fold']/svg:rect", NS) if rect.get("stroke")]
    assert len(outlined) == 2 and "differs from the expected folds: 2 cell(s)" in _texts(root)


def test_image_pixels_that_are_not_finite_are_flagged():
    root = _render("images", SAMPLES["images"])
    fills = [rect.get("fill") for rect in root.iterfind(".//svg:g[@class='image']/svg:rect", NS)]
    assert fills.count("#f0f") == 1 and "#000000" in fills and "#ffffff" in fills


def test_hostile_labels_titles_and_descriptions_are_escaped_and_still_parse():
    data = {"x_label": HOSTILE, "y_label": HOSTILE, "series": [{"name": HOSTILE, "values": [1, 2]}],
            "markers": [{"x": 1, "label": HOSTILE}], "categories": [HOSTILE], "classes": [HOSTILE], "cells": [[1]],
            "pairs": [{"source": [[1]], "augmented": [[1]], "caption": HOSTILE}]}  # fmt: skip
    cleaned = HOSTILE.replace("\x01", "")
    for kind in SAMPLES:
        svg = figure_kinds.render({"kind": kind, "data": data, "description": HOSTILE}, HOSTILE)
        assert "<script>" not in svg
        root = _parse(svg)
        assert root.find("svg:title", NS).text == cleaned and root.find("svg:desc", NS).text == cleaned


# The endpoint and the API


BAND = {"kind": "band", "data": SAMPLES["band"], "description": "Kept fraction per row."}
RESULTS = [
    {"name": "public, with a figure", "passed": False, "message": "m", "points": 1, "public": True, "figure": BAND},
    {"name": "hidden, with a figure", "passed": True, "message": "Passed.", "points": 1, "public": False,
     "figure": BAND},
    {"name": "without a figure", "passed": True, "message": "Passed.", "points": 1, "public": True, "figure": None},
    {"name": "stored before figures", "passed": True, "message": "Passed.", "points": 1, "public": True},
    {"name": "a kind this version cannot draw", "passed": True, "message": "Passed.", "points": 1, "public": True,
     "figure": {"kind": "pie", "data": {}, "description": "d"}},
]  # fmt: skip


@pytest.fixture
def exercise(tmp_path, db) -> Exercise:
    return sync_exercise_copy(tmp_path)


@pytest.fixture
def submission(learner, exercise) -> Submission:
    return make_submission(
        user=learner, exercise=exercise, status=Submission.Status.DONE, verdict="wrong_answer", results=RESULTS
    )


def _url(submission, index: int) -> str:
    return f"/submissions/{submission.pk}/checks/{index}/figure.svg"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_owner_gets_the_svg_with_headers_that_run_nothing_and_revalidate(learner, submission):
    response = _client(learner).get(_url(submission, 0))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-cache"
    root = _parse(response.content.decode())
    assert root.find("svg:desc", NS).text == "Kept fraction per row."
    again = _client(learner).get(_url(submission, 0), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and not again.content


def test_a_regrade_changes_the_etag(learner, submission):
    before = _client(learner).get(_url(submission, 0))["ETag"]
    changed = [{**RESULTS[0], "figure": {**BAND, "data": {**BAND["data"], "values": [0.1]}}}, *RESULTS[1:]]
    Submission.objects.filter(pk=submission.pk).update(results=changed)
    response = _client(learner).get(_url(submission, 0), HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200 and response["ETag"] != before


@pytest.mark.parametrize("index", [2, 3, 4, 5, 99])
def test_a_check_without_a_drawable_figure_is_404(learner, submission, index):
    assert _client(learner).get(_url(submission, index)).status_code == 404


def test_others_and_anonymous_visitors_get_404(other_learner, instructor, submission):
    for client in (_client(), _client(other_learner), _client(instructor)):
        assert client.get(_url(submission, 0)).status_code == 404


def test_staff_who_teach_the_learner_and_superusers_get_it(django_user_model, learner, instructor, submission):
    make_course(instructors=[instructor], learners=[learner])
    admin = django_user_model.objects.create_superuser(username="root", password="pw-root-123456")
    for user in (instructor, admin):
        assert _client(user).get(_url(submission, 1)).status_code == 200


def test_a_withheld_hidden_check_has_no_figure_for_the_learner_but_staff_still_see_it(
    learner, instructor, exercise, submission, api
):
    course = make_course(instructors=[instructor], learners=[learner])
    make_assignment(course, exercise=exercise, due_at=timezone.now() + timedelta(days=1))
    assert _client(learner).get(_url(submission, 1)).status_code == 404
    assert _client(learner).get(_url(submission, 0)).status_code == 200  # public checks show everything
    assert _client(instructor).get(_url(submission, 1)).status_code == 200
    results = api.get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert results[1]["figure"] is None and results[0]["figure"] is not None


def test_the_api_links_each_drawable_figure_with_its_text_alternative(api, submission):
    results = api.get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert results[0]["figure"] == {
        "kind": "band",
        "description": "Kept fraction per row.",
        "url": f"http://testserver{_url(submission, 0)}",
    }
    assert [result["figure"] for result in results[2:]] == [None, None, None]
