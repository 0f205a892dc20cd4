// A form saved whole as JSON with PUT and the session's CSRF token (bot settings, reply library).
// A 422's errors appear next to their fields — the page's `slotFor` maps pydantic's `loc` to an
// error slot — in the UI language; other refusals go to the status line.
window.balasJsonForm = function (options) {
  "use strict";
  const { root, form, url, payload, slotFor, onSaved, onRefused } = options;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const status = root.querySelector("[data-form-status]");
  const text = (name) => root.dataset["text" + name] || "";

  function clearErrors() {
    root.querySelectorAll("[data-error-for]").forEach((el) => { el.hidden = true; el.textContent = ""; });
    root.querySelectorAll(".has-error").forEach((el) => el.classList.remove("has-error"));
  }

  function showErrors(errors) {
    const unplaced = [];
    errors.forEach((error) => {
      // `message` is the error in the UI language (services/console/validation_text.py)
      const message = error.message || (error.msg || "").replace(/^Value error, /, "");
      const slot = slotFor(error.loc || []);
      if (!slot) { unplaced.push(message); return; }
      slot.textContent = slot.textContent ? slot.textContent + " · " + message : message;
      slot.hidden = false;
      slot.closest("[data-field]")?.classList.add("has-error");
    });
    status.textContent = text("Invalid") + (unplaced.length ? " " + unplaced.join(" · ") : "");
    status.className = "form-status is-error";
    root.querySelector(".field-error:not([hidden])")?.scrollIntoView({ block: "center" });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    status.textContent = "";
    const save = root.querySelector("[data-save]");
    save.disabled = true;
    try {
      const response = await fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(payload()),
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        status.textContent = onSaved ? onSaved(body) : text("Saved");
        status.className = "form-status is-ok";
      } else if (response.status === 422) {
        showErrors(Array.isArray(body.detail) ? body.detail : []);
      } else if (!(onRefused && onRefused(response.status))) {
        status.textContent = text("Error") + " (" + response.status + ")";
        status.className = "form-status is-error";
      }
    } finally {
      save.disabled = false;
    }
  });
};
