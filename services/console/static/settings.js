// Bot settings: the form becomes the API's JSON (PUT /api/stores/{id}/bot-settings with the
// version it was edited from). 422 errors appear next to their fields (pydantic's `loc`), a 409
// shows the "someone else saved" banner with a reload.
(function () {
  "use strict";
  const root = document.querySelector("[data-settings]");
  if (!root) return;
  const form = root.querySelector("[data-settings-form]");
  const url = "/api/stores/" + encodeURIComponent(root.dataset.store) + "/bot-settings";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const text = (name) => root.dataset["text" + name] || "";
  const status = root.querySelector("[data-form-status]");
  const value = (name) => form.elements.namedItem(name);

  function optional(name) {
    const v = value(name).value.trim();
    return v === "" ? null : v;
  }
  function integer(name) {
    const raw = value(name).value.trim();
    return /^-?\d+$/.test(raw) ? Number(raw) : raw; // anything else: the server says why
  }

  function days() {
    const found = {};
    root.querySelectorAll("[data-day]").forEach((day) => {
      const periods = Array.from(day.querySelectorAll("[data-period]")).map((row) => ({
        start: row.querySelector('[data-part="start"]').value,
        end: row.querySelector('[data-part="end"]').value,
      }));
      if (periods.length) found[day.dataset.day] = periods;
    });
    return found;
  }

  function payload() {
    return {
      version: Number(form.dataset.version),
      settings: {
        persona: value("persona").value,
        tone: value("tone").value,
        default_language: value("default_language").value,
        greeting: optional("greeting"),
        greeting_placement: value("greeting_placement").value,
        fallback_reply: optional("fallback_reply"),
        business_hours: {
          enabled: value("business_hours.enabled").checked,
          timezone: optional("business_hours.timezone"),
          answer_outside_hours: value("business_hours.answer_outside_hours").checked,
          outside_hours_message: optional("business_hours.outside_hours_message"),
          days: days(),
        },
        hand_over: {
          customer_request: value("hand_over.customer_request").checked,
          negative_sentiment_streak: integer("hand_over.negative_sentiment_streak"),
          ungrounded_streak: integer("hand_over.ungrounded_streak"),
          keywords: value("hand_over.keywords").value.split(/[,\n]/).map((k) => k.trim()).filter(Boolean),
        },
      },
    };
  }

  function clearErrors() {
    root.querySelectorAll("[data-error-for]").forEach((el) => { el.hidden = true; el.textContent = ""; });
    root.querySelectorAll(".has-error").forEach((el) => el.classList.remove("has-error"));
  }

  // The nearest shown error slot for a pydantic location: the field, else its closest parent.
  function slotFor(loc) {
    const path = loc.filter((part) => part !== "body" && part !== "settings").map(String);
    for (let n = path.length; n > 0; n -= 1) {
      const key = path.slice(0, n).join(".");
      const slot = root.querySelector('[data-error-for="' + CSS.escape(key) + '"]');
      if (slot) return slot;
    }
    return null;
  }

  function showErrors(errors) {
    const unplaced = [];
    errors.forEach((error) => {
      const slot = slotFor(error.loc || []);
      // `message` is the error in the UI language (services/console/validation_text.py)
      const message = error.message || (error.msg || "").replace(/^Value error, /, "");
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
        form.dataset.version = body.version;
        const label = root.querySelector("[data-version-label]");
        if (label) label.textContent = label.textContent.replace(/\d+/, body.version);
        status.textContent = text("Saved").replace("{version}", body.version);
        status.className = "form-status is-ok";
      } else if (response.status === 422) {
        showErrors(Array.isArray(body.detail) ? body.detail : []);
      } else if (response.status === 409) {
        root.querySelector("[data-conflict]").hidden = false;
      } else {
        status.textContent = text("Error") + " (" + response.status + ")";
        status.className = "form-status is-error";
      }
    } finally {
      save.disabled = false;
    }
  });

  root.querySelector("[data-reload]")?.addEventListener("click", () => window.location.reload());
  const template = root.querySelector("[data-period-template]");
  root.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-period]");
    if (add) {
      const periods = add.closest("[data-day]").querySelector("[data-periods]");
      periods.insertBefore(template.content.firstElementChild.cloneNode(true), periods.querySelector("[data-closed-label]"));
    }
    const remove = event.target.closest("[data-remove-period]");
    if (remove && !remove.closest("fieldset")?.disabled) remove.closest("[data-period]").remove();
  });
})();
