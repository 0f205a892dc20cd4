// Bot settings: the form becomes the API's JSON (PUT /api/stores/{id}/bot-settings with the
// version it was edited from). 422 errors appear next to their fields (pydantic's `loc`), a 409
// shows the "someone else saved" banner with a reload.
(function () {
  "use strict";
  const root = document.querySelector("[data-settings]");
  if (!root) return;
  const form = root.querySelector("[data-settings-form]");
  const url = "/api/stores/" + encodeURIComponent(root.dataset.store) + "/bot-settings";
  const text = (name) => root.dataset["text" + name] || "";
  const value = (name) => form.elements.namedItem(name);

  function optional(name) {
    const v = value(name).value.trim();
    return v === "" ? null : v;
  }
  function integer(name) {
    const raw = value(name).value.trim();
    return /^-?\d+$/.test(raw) ? Number(raw) : raw; // anything else: the server says why
  }

  function optionalInteger(name) {
    return value(name).value.trim() === "" ? null : integer(name);
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
        order_actions: {
          cancel: value("order_actions.cancel").checked,
          cancel_statuses: value("order_actions.cancel_statuses").value.split(",").map((s) => s.trim()).filter(Boolean),
          change_address: value("order_actions.change_address").checked,
          payment_link: value("order_actions.payment_link").checked,
          confirm_minutes: integer("order_actions.confirm_minutes"),
        },
        privacy: {
          retention_days: optionalInteger("privacy.retention_days"),
          keep_media: value("privacy.keep_media").checked,
        },
      },
    };
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

  window.balasJsonForm({
    root,
    form,
    url,
    payload,
    slotFor,
    onSaved(body) {
      form.dataset.version = body.version;
      const label = root.querySelector("[data-version-label]");
      if (label) label.textContent = label.textContent.replace(/\d+/, body.version);
      return text("Saved").replace("{version}", body.version);
    },
    onRefused(code) {
      if (code !== 409) return false;
      root.querySelector("[data-conflict]").hidden = false; // someone else saved meanwhile
      return true;
    },
  });

  root.querySelector("[data-reload]")?.addEventListener("click", () => window.location.reload());
  const template = root.querySelector("[data-period-template]");
  function addPeriod(day) {
    const periods = day.querySelector("[data-periods]");
    periods.insertBefore(template.content.firstElementChild.cloneNode(true), periods.querySelector("[data-closed-label]"));
  }
  root.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-period]");
    if (add) addPeriod(add.closest("[data-day]"));
    const remove = event.target.closest("[data-remove-period]");
    if (remove && !remove.closest("fieldset")?.disabled) remove.closest("[data-period]").remove();
  });

  // Switching business hours on with an empty week would close the shop every day: start from a
  // usual shop week instead (Monday to Saturday, the template's hours; Sunday closed).
  const USUAL_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
  value("business_hours.enabled").addEventListener("change", (event) => {
    if (!event.target.checked || root.querySelector("[data-period]")) return;
    USUAL_DAYS.forEach((name) => {
      const day = root.querySelector('[data-day="' + name + '"]');
      if (day) addPeriod(day);
    });
  });
})();
