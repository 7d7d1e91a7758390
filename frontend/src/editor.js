// The exercise page's code editor: CodeMirror 6 behind a small API, bundled by `npm run build` into
// quizsite/web/static/web/editor.js. Only the pieces the page needs are imported (no basicSetup) to keep the
// bundle small; nothing is fetched at run time and nothing is evaluated from strings.
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab, isolateHistory } from "@codemirror/commands";
import { pythonLanguage } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  LanguageSupport,
  syntaxHighlighting,
} from "@codemirror/language";
import { EditorState, Prec } from "@codemirror/state";
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";

// A WCAG-visible focus ring (3px, high contrast against white) instead of CodeMirror's 1px dotted default, and
// a height that follows the container so the page can make the container resizable. The 320px minimum sits on
// the content, not the editor, so a container that sets a smaller height still holds the editor (it scrolls).
const gymTheme = EditorView.theme({
  "&": { height: "100%", fontSize: "14px", backgroundColor: "#fff" },
  "&.cm-focused": { outline: "3px solid #f0b429", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: "monospace", overflow: "auto" },
  ".cm-content, .cm-gutter": { minHeight: "320px" },
});

/**
 * Key bindings for submitting. They outrank defaultKeymap, whose Mod-Enter would insert a blank line, and also
 * take Ctrl-Enter on macOS, where Mod is Cmd.
 */
function submitKeymap(onSubmit) {
  const run = (view) => {
    onSubmit(view.state.doc.toString());
    return true;
  };
  return Prec.highest(keymap.of([
    { key: "Mod-Enter", run },
    { key: "Ctrl-Enter", run },
  ]));
}

/** The editable content's accessible name and description, set only when the page gives them. */
function contentAttributes(options) {
  // tabindex 0: axe counts a contenteditable as focusable only with one, and then accepts the scroller (which
  // CodeMirror takes out of the tab order) as reachable. It adds no Tab stop: the content already is one.
  const attributes = { tabindex: "0" };
  if (options.label) attributes["aria-label"] = options.label;
  if (options.describedBy) attributes["aria-describedby"] = options.describedBy;
  return EditorView.contentAttributes.of(attributes);
}

/** Extensions for Python editing; Tab indents, and Esc then Tab (or Ctrl-M, from defaultKeymap) leaves. */
function extensions(textarea, options) {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    history(),
    // The bare language, not python(): its completion sources are unused here (no autocompletion) and add bytes.
    new LanguageSupport(pythonLanguage),
    indentUnit.of("    "),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    closeBrackets(),
    options.onSubmit ? submitKeymap(options.onSubmit) : [],
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
    contentAttributes(options),
    gymTheme,
    // The textarea stays the source of truth for the form and for tests that read it.
    EditorView.updateListener.of((update) => {
      if (update.docChanged) textarea.value = update.state.doc.toString();
    }),
  ];
}

/**
 * Replace `textarea` visually with an editor inserted right after it and return
 * `{ getValue(), setValue(text), focus(), view }`, also stored as `textarea.gymEditor`.
 * Options: `label` (aria-label), `describedBy` (id for aria-describedby), `onSubmit(code)` (Ctrl/Cmd+Enter).
 */
function create(textarea, options = {}) {
  if (textarea.gymEditor) return textarea.gymEditor;
  const view = new EditorView({
    state: EditorState.create({ doc: textarea.value, extensions: extensions(textarea, options) }),
  });
  textarea.insertAdjacentElement("afterend", view.dom);
  textarea.hidden = true;
  const editor = {
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      // Its own undo step, never merged with typing just before or after: Ctrl+Z brings back exactly what it replaced.
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        annotations: isolateHistory.of("full"),
      });
    },
    focus: () => view.focus(),
    view,
  };
  textarea.gymEditor = editor;
  return editor;
}

window.GymEditor = { create };
