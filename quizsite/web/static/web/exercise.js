// Exercise page: the code editor, submission through the API, and the verdict the moment it is written
// (a long poll that the server answers as soon as the submission's status changes).
(function () {
  "use strict";
  const form = document.getElementById("submit-form");
  const textarea = document.getElementById("code");
  const buttons = form.querySelectorAll("button[type=submit]");
  const state = document.getElementById("submit-state");
  const result = document.getElementById("result");
  const FINAL = new Set(["done", "error"]);
  const LONG_POLL_SECONDS = 20;
  // Verdict labels come from the server (grader/vocabulary.py), so there is one list of them.
  const LABELS = JSON.parse(document.getElementById("verdict-labels").textContent);
  const STARTER = JSON.parse(document.getElementById("starter-code").textContent);

  const editor = window.GymEditor
    ? window.GymEditor.create(textarea, {
        label: "Your code",
        describedBy: "editor-help",
        onSubmit: () => form.requestSubmit(document.getElementById("submit-button")),
      })
    : null;
  const currentCode = () => (editor ? editor.getValue() : textarea.value);
  const csrfToken = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  document.getElementById("reset-code").addEventListener("click", () => {
    if (editor) {
      editor.setValue(STARTER); // one undoable change: Ctrl+Z brings the learner's code back
      editor.focus();
    } else {
      textarea.value = STARTER;
      textarea.focus();
    }
    state.className = "";
    state.textContent = "The starter code is back in the editor (Ctrl+Z undoes).";
  });

  function node(tag, content, className) {
    const element = document.createElement(tag);
    if (content !== undefined) element.textContent = content;
    if (className) element.className = className;
    return element;
  }

  function showProblem(problem) {
    const details = (problem.errors || []).map((e) => e.detail).join(" ");
    state.textContent = `${problem.title || "Error"}: ${details || problem.detail || ""}`;
    state.className = "error";
  }

  const passedCount = (submission) => submission.results.filter((check) => check.passed).length;

  // The verdict in words, as the status line and the result's heading say it.
  function summary(submission) {
    if (!FINAL.has(submission.status)) return submission.status === "running" ? "Running the checks…" : "Waiting…";
    const verdict = LABELS[submission.verdict] || submission.verdict || submission.status;
    if (submission.examples_only && submission.results.length) {
      return `${verdict}: ${passedCount(submission)} of ${submission.results.length} examples passed`;
    }
    return submission.score === null ? verdict : `${verdict}, ${Math.round(submission.score * 100)}%`;
  }

  // Hints are Markdown; they use `code` and *emphasis* and little else, so those become <code> and <em> and
  // the rest stays text (built as DOM nodes: nothing is parsed as HTML).
  function inlineMarkdown(text) {
    const paragraph = node("p");
    text.trim().split("`").forEach((part, index) => {
      if (index % 2) return paragraph.append(node("code", part));
      part.split(/\*([^*\s][^*]*)\*/).forEach((piece, inner) => paragraph.append(inner % 2 ? node("em", piece) : piece));
    });
    return paragraph;
  }

  function renderCheck(check) {
    const item = node("li", undefined, check.passed ? "pass" : "fail");
    const mark = node("span", check.passed ? "✔ " : "✘ ", "mark");
    mark.setAttribute("aria-hidden", "true");
    item.append(mark, node("strong", check.name), node("span", check.passed ? " passed" : " failed", "visually-hidden"));
    if (!check.passed && check.message) item.append(node("pre", check.message));
    if (check.hint) {
      const hint = node("details", undefined, "hint");
      hint.append(node("summary", "Hint"), inlineMarkdown(check.hint));
      item.append(hint);
    }
    if (check.figure) {
      const figure = node("figure");
      const image = node("img");
      image.src = check.figure.url;
      image.alt = check.figure.description;
      image.loading = "lazy";
      figure.append(image, node("figcaption", check.figure.description, "muted small"));
      item.append(figure);
    }
    return item;
  }

  function render(submission) {
    result.hidden = false;
    result.dataset.status = submission.status;
    document.getElementById("result-kind").textContent = submission.examples_only ? "Examples" : "Result";
    const verdict = document.getElementById("verdict");
    verdict.textContent = submission.verdict ? LABELS[submission.verdict] || submission.verdict : submission.status;
    verdict.className = "verdict " + (submission.verdict || submission.status);
    document.getElementById("score").textContent = submission.examples_only
      ? submission.results.length && FINAL.has(submission.status)
        ? `(${passedCount(submission)} of ${submission.results.length} passed)`
        : ""
      : submission.score === null
        ? ""
        : `(${Math.round(submission.score * 100)}%)`;
    document.getElementById("result-message").textContent = submission.message || "";
    document.getElementById("checks").replaceChildren(...submission.results.map(renderCheck));
    const printed = submission.output || "";
    document.getElementById("output").textContent = printed;
    document.getElementById("output-box").hidden = !printed;
    document.getElementById("output-note").hidden = submission.examples_only || !FINAL.has(submission.status);
  }

  function waitingText(queue) {
    if (!queue || queue.ahead === 0) return "Waiting for a grader…";
    const busy = queue.busy ? " The queue is longer than usual; your code is saved and will be graded." : "";
    return `Waiting for a grader: ${queue.ahead} ahead of you, about ${queue.expected_wait_seconds} s.${busy}`;
  }

  // Swap the children of `holder` for the server's fresh rendering of them (our own escaped HTML fragment).
  async function refresh(holder) {
    try {
      const reply = await fetch(holder.dataset.url, { credentials: "same-origin" });
      if (reply.ok) holder.innerHTML = await reply.text();
    } catch (error) {
      // A convenience only: the verdict above is what matters, and the next page load shows the same.
    }
  }

  // Follow a submission until it is final: each request is held by the server until the status changes.
  async function follow(url, submission) {
    let failures = 0;
    while (!FINAL.has(submission.status)) {
      state.textContent = submission.status === "running" ? "Running the checks…" : waitingText(submission.queue);
      try {
        const seen = submission.status;
        const asked = Date.now();
        const query = `?wait=${LONG_POLL_SECONDS}&status=${encodeURIComponent(seen)}`;
        const reply = await fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } });
        const body = await reply.json();
        if (!reply.ok) return showProblem(body);
        submission = body;
        failures = 0;
        render(submission);
        // Answered at once with nothing new: the server would not hold this request (too many open in other
        // tabs), so it was a plain poll; ask again only after the pause it suggests.
        if (submission.status === seen && Date.now() - asked < 1000) {
          await sleep(1000 * (Number(reply.headers.get("Retry-After")) || 2));
        }
      } catch (error) {
        // The submission is stored and will be graded; keep asking, more slowly.
        failures += 1;
        state.textContent = "Connection lost; your code is saved and the result will appear when it is back…";
        await sleep(Math.min(1000 * 2 ** failures, 15000));
      }
    }
    state.className = "";
    state.textContent = submission.examples_only ? `Examples run: ${summary(submission)}.` : `Graded: ${summary(submission)}.`;
    result.focus();
    refresh(document.getElementById("history-box")); // the new entry
    refresh(document.getElementById("exercise-help")); // hints a failed check unlocked, the reference after acceptance
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
      await follow(response.headers.get("Location") || `/api/v1/submissions/${body.id}/`, body);
    } catch (error) {
      state.textContent = "Network error: " + error.message + ". Your code is still in the editor; try again.";
      state.className = "error";
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });

  // A submission opened from the history: show its result (and follow it if it is still being graded).
  if (result.dataset.openUrl) {
    fetch(result.dataset.openUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((reply) => (reply.ok ? reply.json() : null))
      .then((submission) => {
        if (!submission) return;
        render(submission);
        if (!FINAL.has(submission.status)) return follow(result.dataset.openUrl, submission);
        state.textContent = `Showing an earlier submission: ${summary(submission)}.`;
      });
  }
})();
