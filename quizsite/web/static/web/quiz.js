// Quiz attempt page: every answer is saved through the API as it is given; Submit grades the attempt.
(function () {
  "use strict";
  const form = document.getElementById("quiz");
  const attempt = form.dataset.attempt;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const state = document.getElementById("quiz-state");

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
    if (kind === "matching") {
      const chosen = inputs("select").map((select) => select.value);
      return chosen.some((value) => value === "") ? undefined : chosen.map(Number);
    }
    return undefined;
  }

  // One save in flight per question; changes made meanwhile are sent once it returns, so the last
  // answer given is the one stored even when requests would otherwise overtake each other. The label
  // says "Saved" only when nothing is pending for that question.
  const inFlight = new Map();

  function save(fieldset) {
    const label = fieldset.querySelector(".save-state");
    if (responseOf(fieldset) === undefined) return;
    label.textContent = "Saving…";
    label.className = "save-state";
    if (inFlight.has(fieldset)) {
      inFlight.set(fieldset, true);
      return;
    }
    inFlight.set(fieldset, false);
    send(fieldset).then((outcome) => {
      const again = inFlight.get(fieldset);
      inFlight.delete(fieldset);
      if (again) return save(fieldset);
      label.textContent = outcome.message;
      label.className = "save-state " + (outcome.ok ? "saved" : "error");
    });
  }

  async function send(fieldset) {
    try {
      const reply = await fetch(`/api/v1/attempts/${attempt}/answers/${fieldset.dataset.question}/`, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ response: responseOf(fieldset) }),
      });
      const body = await reply.json();
      return { ok: reply.ok, message: reply.ok ? "Saved" : body.detail || "Not saved" };
    } catch (error) {
      return { ok: false, message: "Not saved (network error); change the answer again to retry" };
    }
  }

  function restoreOrdering(list) {
    const saved = list.dataset.saved ? list.dataset.saved.split(",").map(Number) : [];
    const items = Object.fromEntries(Array.from(list.children).map((item) => [item.dataset.index, item]));
    saved.forEach((index) => items[index] && list.appendChild(items[index]));
  }

  function restoreMatching(fieldset) {
    const script = fieldset.querySelector("script.saved-response");
    const saved = script ? JSON.parse(script.textContent) : null;
    if (!saved) return;
    fieldset.querySelectorAll("select").forEach((select, row) => (select.value = String(saved[row])));
  }

  form.querySelectorAll("fieldset.question").forEach((fieldset) => {
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
      save(fieldset);
    });
  });

  document.getElementById("submit-attempt").addEventListener("click", async () => {
    state.textContent = "Submitting…";
    const reply = await fetch(`/api/v1/attempts/${attempt}/submit/`, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
    });
    if (reply.ok) {
      window.location.reload();
    } else {
      const body = await reply.json();
      state.textContent = body.detail || "Could not submit";
      state.className = "error";
    }
  });
})();
