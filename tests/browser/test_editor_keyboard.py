"""The bundled editor (quizsite/web/static/web/editor.js) in Chromium, on a bare page: keys, focus, sync, a11y."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

BUNDLE = Path(__file__).resolve().parents[2] / "quizsite" / "web" / "static" / "web" / "editor.js"

PAGE = """<!doctype html>
<html lang="en"><body>
  <button id="before">Before</button>
  <form><textarea id="code" name="code">def f():\n    return 1\n</textarea></form>
  <p id="keys">Ctrl+Enter submits. Esc then Tab leaves the editor.</p>
  <button id="after">After</button>
</body></html>"""

CREATE = """() => {
  window.submitted = [];
  window.GymEditor.create(document.getElementById('code'), {
    label: 'Your code', describedBy: 'keys', onSubmit: (code) => window.submitted.push(code),
  });
}"""


@pytest.fixture
def editor_page(page):
    """A page holding only the editor between two buttons, with the editor focused and emptied."""
    page.set_content(PAGE)
    page.add_script_tag(path=str(BUNDLE))
    page.evaluate(CREATE)
    page.evaluate("document.getElementById('code').gymEditor.setValue('')")
    page.click(".cm-content")
    # CodeMirror notices focus changes a moment after the DOM event.
    page.wait_for_selector(".cm-editor.cm-focused")
    return page


def _value(page) -> str:
    return page.evaluate("document.getElementById('code').gymEditor.getValue()")


def _textarea(page) -> str:
    return page.evaluate("document.getElementById('code').value")


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_it_replaces_the_textarea_and_starts_from_its_value(page):
    page.set_content(PAGE)
    page.add_script_tag(path=str(BUNDLE))
    page.evaluate(CREATE)
    assert page.locator("#code").is_hidden()
    assert page.locator(".cm-editor").is_visible()
    assert page.evaluate("document.getElementById('code').nextElementSibling.classList.contains('cm-editor')")
    assert _value(page) == "def f():\n    return 1\n"


def test_typing_changes_the_editor_and_the_textarea_mirrors_it(editor_page):
    editor_page.keyboard.type("x = 1")
    assert _value(editor_page) == "x = 1"
    assert _textarea(editor_page) == "x = 1"


def test_set_value_replaces_the_code_and_updates_the_textarea(editor_page):
    editor_page.evaluate("document.getElementById('code').gymEditor.setValue('y = 2\\n')")
    assert _textarea(editor_page) == "y = 2\n"
    assert editor_page.locator(".cm-content").inner_text().startswith("y = 2")


def test_tab_indents_by_four_spaces_and_keeps_focus_in_the_editor(editor_page):
    editor_page.keyboard.type("pass")
    editor_page.keyboard.press("Tab")
    assert _value(editor_page) == "    pass"
    assert editor_page.evaluate("document.activeElement.classList.contains('cm-content')")


def test_shift_tab_dedents_when_not_leaving(editor_page):
    editor_page.keyboard.type("    pass")
    editor_page.keyboard.press("Shift+Tab")
    assert _value(editor_page) == "pass"
    assert editor_page.evaluate("document.activeElement.classList.contains('cm-content')")


def test_escape_then_tab_moves_focus_to_the_next_element(editor_page):
    editor_page.keyboard.type("x")
    editor_page.keyboard.press("Escape")
    editor_page.keyboard.press("Tab")
    assert _focused_id(editor_page) == "after"
    assert _value(editor_page) == "x"


def test_escape_then_shift_tab_moves_focus_to_the_previous_element(editor_page):
    editor_page.keyboard.press("Escape")
    editor_page.keyboard.press("Shift+Tab")
    assert _focused_id(editor_page) == "before"


def test_ctrl_m_toggles_tab_focus_mode(editor_page):
    editor_page.keyboard.press("Control+m")
    editor_page.keyboard.press("Tab")
    assert _focused_id(editor_page) == "after"
    editor_page.click(".cm-content")
    editor_page.keyboard.press("Control+m")
    editor_page.keyboard.press("Tab")
    assert editor_page.evaluate("document.activeElement.classList.contains('cm-content')")
    assert _value(editor_page) == "    "


def test_ctrl_enter_submits_the_code_without_inserting_a_line(editor_page):
    editor_page.keyboard.type("print(1)")
    editor_page.keyboard.press("Control+Enter")
    assert editor_page.evaluate("window.submitted") == ["print(1)"]
    assert _value(editor_page) == "print(1)"


def test_the_content_is_labelled_and_described(editor_page):
    content = editor_page.locator(".cm-content")
    assert content.get_attribute("aria-label") == "Your code"
    assert content.get_attribute("aria-describedby") == "keys"
    assert content.get_attribute("role") == "textbox"


def test_the_focused_editor_shows_a_thick_outline(editor_page):
    style = editor_page.evaluate(
        """() => {
          const s = getComputedStyle(document.querySelector('.cm-editor'));
          return [s.outlineStyle, s.outlineWidth, s.outlineColor];
        }"""
    )
    assert style == ["solid", "3px", "rgb(240, 180, 41)"]
    editor_page.click("#after")
    editor_page.wait_for_selector(".cm-editor:not(.cm-focused)")
    assert editor_page.evaluate("getComputedStyle(document.querySelector('.cm-editor')).outlineStyle") == "none"


def test_brackets_close_automatically_and_python_is_highlighted(editor_page):
    editor_page.keyboard.type("def f(")
    assert _value(editor_page) == "def f()"
    # defaultHighlightStyle gives keywords a class of their own; plain text would have none.
    assert editor_page.locator(".cm-line span", has_text="def").count() == 1


def test_undo_restores_the_previous_text(editor_page):
    editor_page.keyboard.type("a = 1")
    editor_page.keyboard.press("Control+z")
    assert _value(editor_page) == ""


def test_the_editor_fills_a_sized_container_and_is_320px_tall_otherwise(page):
    # The doctype matters: in quirks mode a percentage height resolves against the page, not the container.
    page.set_content(
        '<!doctype html><div style="height: 500px"><textarea id="sized"></textarea></div>'
        '<div><textarea id="unsized"></textarea></div>'
    )
    page.add_script_tag(path=str(BUNDLE))
    heights = page.evaluate(
        """() => ['sized', 'unsized'].map((id) => {
          const editor = window.GymEditor.create(document.getElementById(id));
          return editor.view.dom.getBoundingClientRect().height;
        })"""
    )
    assert heights == [500, 320]
