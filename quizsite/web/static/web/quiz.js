// Quiz attempt page: every answer is saved through the API as it is given; Submit (after a confirmation that
// counts what is unanswered) grades the attempt; a timed attempt counts down in the learner's own time and is
// submitted when it reaches zero.
(function () {
  "use strict";
  const form = document.getElementById("quiz");
  const attempt = form.dataset.attempt;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const state = document.getElementById("quiz-state");
  const fieldsets = Array.from(form.querySelectorAll("fieldset.question"));
  const counter = document.getElementById("answered-count");
  const dialog = document.getElementById("confirm-submit");

  // A problem+json body in words: its field errors when it has them, else its detail or title.
  function problemText(body) {
    const errors = (body && body.errors) || [];
    const details = errors.map((error) => error.detail).filter(Boolean).join(" ");
    return details || (body && (body.detail || body.title)) || "Not saved";
  }

  // Why the answer on screen cannot be saved yet, or "" when it can.
  function incomplete(fieldset) {
    if (fieldset.dataset.kind !== "matching") return "";
    const selects = Array.from(fieldset.querySelectorAll("select"));
    const seen = new Map();
    let problem = "";
    selects.forEach((select, row) => {
      select.removeAttribute("aria-invalid");
      if (select.value === "") return;
      if (seen.has(select.value)) {
        const text = select.options[select.selectedIndex].text;
        problem = `“${text}” is chosen for rows ${seen.get(select.value) + 1} and ${row + 1}; each match is used once.`;
        select.setAttribute("aria-invalid", "true");
      } else seen.set(select.value, row);
    });
    if (problem) return problem;
    const missing = selects.filter((select) => select.value === "").length;
    return missing ? `Choose a match for ${missing} more row${missing === 1 ? "" : "s"} to save this answer.` : "";
  }

  function responseOf(fieldset) {
    const kind = fieldset.dataset.kind;
    const inputs = (selector) => Array.from(fieldset.querySelectorAll(selector));
    if (kind === "single") {
      const picked = inputs("input:checked")[0];
      return picked ? Number(picked.value) : undefined;
    }
    if (kind === "multiple") return inputs("input:checked").map((input) => Number(input.value));
    if (kind === "true_false") {
      const picked = inputs("input:checked")[0];
      return picked ? picked.value === "true" : undefined;
    }
    if (kind === "numeric") {
      const value = fieldset.querySelector("input").value.trim();
      return value === "" || !Number.isFinite(Number(value)) ? undefined : Number(value);
    }
    if (kind === "ordering") return inputs("li").map((item) => Number(item.dataset.index));
    if (kind === "matching") return incomplete(fieldset) ? undefined : inputs("select").map((s) => Number(s.value));
    return undefined;
  }

  // Saved answers per question, as the server last confirmed them (the count the learner sees): from the page
  // (an empty choice of a "multiple" question or an untouched ordering can be an answer, or not), then each save.
  const saved = new Set(fieldsets.filter((fieldset) => "answered" in fieldset.dataset).map((f) => f.dataset.question));

  function showCount() {
    if (counter) counter.textContent = `${saved.size} of ${fieldsets.length} answered`;
  }

  function label(fieldset, message, kind) {
    const node = fieldset.querySelector(".save-state");
    node.textContent = message;
    node.className = "save-state" + (kind ? " " + kind : "");
  }

  // One save in flight per question; changes made meanwhile are sent once it returns, so the last answer
  // given is the one stored even when requests would otherwise overtake each other. The label says "Saved"
  // only when nothing is pending for that question.
  const inFlight = new Map();
  const settled = [];

  function save(fieldset) {
    const problem = incomplete(fieldset);
    if (problem) return label(fieldset, problem, "error");
    if (responseOf(fieldset) === undefined) return;
    label(fieldset, "Saving…");
    if (inFlight.has(fieldset)) {
      inFlight.set(fieldset, true);
      return;
    }
    inFlight.set(fieldset, false);
    send(fieldset).then((outcome) => {
      const again = inFlight.get(fieldset);
      inFlight.delete(fieldset);
      if (again) return save(fieldset);
      if (outcome.ok) saved.add(fieldset.dataset.question);
      showCount();
      label(fieldset, outcome.message, outcome.ok ? "saved" : "error");
      if (!inFlight.size) settled.splice(0).forEach((resolve) => resolve());
    });
  }

  const allSaved = () => (inFlight.size ? new Promise((resolve) => settled.push(resolve)) : Promise.resolve());

  async function send(fieldset) {
    try {
      const reply = await fetch(`/api/v1/attempts/${attempt}/answers/${fieldset.dataset.question}/`, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ response: responseOf(fieldset) }),
      });
      const body = await reply.json();
      return { ok: reply.ok, message: reply.ok ? "Saved" : "Not saved: " + problemText(body) };
    } catch (error) {
      return { ok: false, message: "Not saved (network error); change the answer again to retry" };
    }
  }

  function restoreOrdering(list) {
    const order = list.dataset.saved ? list.dataset.saved.split(",").map(Number) : [];
    const items = Object.fromEntries(Array.from(list.children).map((item) => [item.dataset.index, item]));
    order.forEach((index) => items[index] && list.appendChild(items[index]));
  }

  function restoreMatching(fieldset) {
    const script = fieldset.querySelector("script.saved-response");
    const response = script ? JSON.parse(script.textContent) : null;
    if (!response) return;
    fieldset.querySelectorAll("select").forEach((select, row) => (select.value = String(response[row])));
  }

  fieldsets.forEach((fieldset) => {
    if (fieldset.dataset.kind === "ordering") restoreOrdering(fieldset.querySelector("ol"));
    if (fieldset.dataset.kind === "matching") restoreMatching(fieldset);
    fieldset.addEventListener("change", () => save(fieldset));
    fieldset.addEventListener("click", (event) => {
      const button = event.target.closest("button.move");
      if (!button) return;
      const item = button.closest("li");
      const sibling = button.dataset.move === "-1" ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling) return;
      if (button.dataset.move === "-1") item.parentNode.insertBefore(item, sibling);
      else item.parentNode.insertBefore(sibling, item);
      button.focus(); // the moved item keeps the keyboard focus
      save(fieldset);
    });
  });
  showCount();

  async function submit() {
    state.className = "";
    state.textContent = "Submitting…";
    await allSaved();
    try {
      const reply = await fetch(`/api/v1/attempts/${attempt}/submit/`, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
      });
      // 409: already submitted (another tab, or the deadline passed): the results are there either way.
      if (reply.ok || reply.status === 409) return window.location.assign(form.dataset.resultsUrl);
      const body = await reply.json();
      state.textContent = "Not submitted: " + problemText(body);
    } catch (error) {
      state.textContent = "Not submitted (network error); your answers are saved: try again.";
    }
    state.className = "error";
  }

  document.getElementById("submit-attempt").addEventListener("click", () => {
    const missing = fieldsets.length - saved.size;
    document.getElementById("confirm-text").textContent = missing
      ? `${missing} of ${fieldsets.length} questions ${missing === 1 ? "is" : "are"} unanswered; they score 0.`
      : `All ${fieldsets.length} questions are answered.`;
    dialog.showModal();
  });
  document.getElementById("confirm-no").addEventListener("click", () => dialog.close());
  document.getElementById("confirm-yes").addEventListener("click", () => {
    dialog.close();
    submit();
  });

  // The countdown: the server's deadline, shown as time left on the learner's clock; at zero, what is saved
  // is submitted (the server refuses answers after the deadline and grades what it has either way).
  const timer = document.getElementById("timer");
  if (timer) {
    const deadline = new Date(timer.dataset.deadline).getTime();
    const left = document.getElementById("time-left");
    const alert = document.getElementById("timer-alert");
    let warned = false;
    const tick = () => {
      const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      const minutes = Math.floor(seconds / 60);
      left.textContent = `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
      if (seconds <= 60 && !warned) {
        warned = true;
        alert.textContent = "One minute left; your answers will be submitted when the time runs out.";
        timer.classList.add("urgent");
      }
      if (seconds === 0) {
        clearInterval(interval);
        if (dialog.open) dialog.close();
        state.textContent = "Time is up: submitting your saved answers…";
        submit();
      }
    };
    const interval = setInterval(tick, 1000);
    tick();
  }
})();
