// Exercise page: code editor, submission through the API, live status by polling.
(function () {
  "use strict";
  const form = document.getElementById("submit-form");
  const textarea = document.getElementById("code");
  const buttons = form.querySelectorAll("button[type=submit]");
  const state = document.getElementById("submit-state");
  const result = document.getElementById("result");
  const FINAL = new Set(["done", "error"]);
  // Verdict labels come from the server (grader/vocabulary.py), so there is one list of them.
  const LABELS = JSON.parse(document.getElementById("verdict-labels").textContent);

  const editor = window.CodeMirror
    ? CodeMirror.fromTextArea(textarea, {
        mode: "python", lineNumbers: true, indentUnit: 4, matchBrackets: true, viewportMargin: Infinity,
        extraKeys: { Tab: (cm) => cm.replaceSelection("    "), "Ctrl-Enter": () => form.requestSubmit() },
      })
    : null;
  const currentCode = () => (editor ? editor.getValue() : textarea.value);
  const csrfToken = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function showProblem(problem) {
    const details = (problem.errors || []).map((e) => e.detail).join(" ");
    state.textContent = `${problem.title || "Error"}: ${details || problem.detail || ""}`;
    state.className = "error";
  }

  function render(submission) {
    result.hidden = false;
    document.getElementById("result-kind").textContent = submission.examples_only ? "Examples" : "Result";
    const verdict = document.getElementById("verdict");
    verdict.textContent = submission.verdict ? LABELS[submission.verdict] || submission.verdict : submission.status;
    verdict.className = "verdict " + (submission.verdict || submission.status);
    document.getElementById("score").textContent =
      submission.score === null ? "" : `(${Math.round(submission.score * 100)}%)`;
    document.getElementById("result-message").textContent = submission.message || "";
    const list = document.getElementById("checks");
    list.replaceChildren(
      ...submission.results.map((check) => {
        const item = document.createElement("li");
        item.className = check.passed ? "pass" : "fail";
        item.append(text("span", check.passed ? "✔ " : "✘ ", "mark"), text("strong", check.name));
        if (!check.passed) item.append(text("pre", check.message));
        return item;
      })
    );
  }

  function waitingText(queue) {
    if (!queue || queue.ahead === 0) return "Waiting for a grader…";
    const busy = queue.busy ? " The queue is longer than usual; your code is saved and will be graded." : "";
    return `Waiting for a grader: ${queue.ahead} ahead of you, about ${queue.expected_wait_seconds} s.${busy}`;
  }

  async function poll(url) {
    let delay = 250;
    for (;;) {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) return showProblem(body);
      render(body);
      if (FINAL.has(body.status)) {
        state.textContent = "Graded.";
        return;
      }
      state.textContent = body.status === "running" ? "Running the checks…" : waitingText(body.queue);
      await sleep(delay);
      delay = Math.min(delay * 1.5, 2000);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const examplesOnly = Boolean(event.submitter && event.submitter.dataset.examplesOnly);
    buttons.forEach((button) => (button.disabled = true));
    state.className = "";
    state.textContent = "Submitting…";
    try {
      const response = await fetch(form.dataset.submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ code: currentCode(), examples_only: examplesOnly }),
      });
      const body = await response.json();
      if (response.status !== 202) return showProblem(body);
      render(body);
      await poll(response.headers.get("Location") || `/api/v1/submissions/${body.id}/`);
    } catch (error) {
      state.textContent = "Network error: " + error.message + ". Your code is still in the editor; try again.";
      state.className = "error";
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });
})();
