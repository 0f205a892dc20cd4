// The reply library: the rows become the API's JSON and are saved whole (PUT
// /api/stores/{id}/reply-library with the session's CSRF token). A 422's errors appear next to
// their fields (pydantic's `loc`: ["body", "templates", 0, "content_sid"]), in the UI language.
(function () {
  "use strict";
  const root = document.querySelector("[data-replies]");
  if (!root) return;
  const form = root.querySelector("[data-replies-form]");
  const url = "/api/stores/" + encodeURIComponent(root.dataset.store) + "/reply-library";
  const text = (name) => root.dataset["text" + name] || "";
  const VARIABLE = /\{\{\s*(\w+)\s*\}\}/g;

  const rows = (list) => Array.from(root.querySelectorAll('[data-list="' + list + '"] > [data-row]'));
  const field = (row, name) => row.querySelector('[name="' + name + '"]').value;

  function payload() {
    return {
      canned: rows("canned").map((row) => ({ title: field(row, "title").trim(), text: field(row, "text") })),
      templates: rows("templates").map((row) => ({
        name: field(row, "name").trim(),
        content_sid: field(row, "content_sid").trim(),
        body: field(row, "body"),
      })),
    };
  }

  // The variables a template's preview text names, shown as the agent's fields will be.
  function showVariables(row) {
    const found = new Set();
    for (const match of field(row, "body").matchAll(VARIABLE)) found.add(match[1]);
    const slot = row.querySelector("[data-variables]");
    slot.textContent = "";
    if (!found.size) { slot.textContent = text("NoVariables"); return; }
    found.forEach((name) => {
      const code = document.createElement("code");
      code.textContent = "{{" + name + "}}";
      slot.append(code, " ");
    });
  }

  function syncEmpty() {
    ["canned", "templates"].forEach((list) => {
      root.querySelector('[data-empty="' + list + '"]').hidden = rows(list).length > 0;
    });
  }

  function slotFor(loc) {
    const path = loc[0] === "body" ? loc.slice(1) : loc; // FastAPI's "body", not a field
    const [list, index, name] = path;
    const row = typeof index === "number" ? rows(list)[index] : null;
    if (row && name) return row.querySelector('[data-error-for="' + CSS.escape(String(name)) + '"]');
    return list ? root.querySelector('[data-error-for="' + CSS.escape(String(list)) + '"]') : null;
  }

  window.balasJsonForm({ root, form, url, payload, slotFor });

  root.addEventListener("click", (event) => {
    if (form.querySelector("fieldset")?.disabled) return;
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const list = add.dataset.addRow;
      const template = root.querySelector('[data-row-template="' + list + '"]');
      const row = template.content.firstElementChild.cloneNode(true);
      root.querySelector('[data-list="' + list + '"]').append(row);
      row.querySelector("input, textarea")?.focus();
      syncEmpty();
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) { remove.closest("[data-row]").remove(); syncEmpty(); }
  });
  root.addEventListener("input", (event) => {
    if (event.target.matches("[data-template-body]")) showVariables(event.target.closest("[data-row]"));
  });
})();
