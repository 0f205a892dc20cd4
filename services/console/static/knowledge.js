// The knowledge page: drag-and-drop upload with a progress bar per file (XMLHttpRequest upload
// progress to the knowledge API), replace, delete and the extracted-text preview. The documents
// list is an htmx fragment; "knowledge-changed" on <body> makes it reload. A refused upload or
// deletion says why in the file's row, in the page's language (console.js `Balas`).
(function () {
  "use strict";
  const root = document.querySelector("[data-knowledge]");
  if (!root) return;
  const api = "/api/stores/" + encodeURIComponent(root.dataset.store) + "/knowledge";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const maxBytes = Number(root.dataset.maxBytes || 0);
  const text = (name) => root.dataset["text" + name] || "";
  const changed = () => document.body.dispatchEvent(new Event("knowledge-changed"));

  // A refused upload's files each have a `message` in the page's language (knowledge.py);
  // other refusals say their HTTP status in words (console.js).
  function refusedFiles(body) {
    try {
      const files = JSON.parse(body).detail?.files;
      if (files) return files.map((f) => f.message || f.reason).join("; ");
    } catch (_) { /* not JSON */ }
    return null;
  }

  function reasonOf(xhr) {
    return refusedFiles(xhr.responseText) || text("Failed") + ": " + Balas.statusText(xhr.status);
  }

  function send(method, url, file, row) {
    const bar = row.querySelector("progress");
    const state = row.querySelector("[data-state]");
    const form = new FormData();
    form.append(method === "POST" ? "files" : "file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      bar.max = event.total;
      bar.value = event.loaded;
      state.textContent = Math.round((100 * event.loaded) / event.total) + "%";
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = bar.max;
        row.classList.add("is-done");
        state.textContent = text("Uploaded");
        // The documents list shows the real state from here on: the row goes when it reloads.
        document.body.addEventListener("htmx:afterSwap", () => row.remove(), { once: true });
        changed();
      } else {
        failed(row, reasonOf(xhr));
      }
    });
    xhr.addEventListener("error", () => failed(row, text("Failed")));
    xhr.send(form);
  }

  function failed(row, reason) {
    row.classList.add("is-failed");
    row.querySelector("progress").value = 0; // nothing was stored: no full bar
    row.querySelector("[data-state]").textContent = reason;
  }

  function progressRow(file) {
    const list = root.querySelector("[data-uploads]");
    const row = document.createElement("li");
    row.className = "upload";
    row.dataset.upload = file.name;
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    const state = document.createElement("span");
    state.className = "upload-state small";
    state.dataset.state = "";
    state.textContent = text("Uploading");
    row.append(name, bar, state);
    list.prepend(row);
    return row;
  }

  function upload(files) {
    Array.from(files).forEach((file) => {
      const row = progressRow(file);
      if (maxBytes && file.size > maxBytes) {
        failed(row, text("TooLarge"));
        return;
      }
      send("POST", api, file, row); // one request per file: its own progress bar
    });
  }

  const zone = root.querySelector("[data-dropzone]");
  const input = root.querySelector("[data-file-input]");
  if (zone && input) {
    input.addEventListener("change", () => { upload(input.files); input.value = ""; });
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("is-over");
    }));
    ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("is-over")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer?.files?.length) upload(event.dataTransfer.files);
    });
  }

  const replaceInput = root.querySelector("[data-replace-input]");
  let replacing = null;
  replaceInput?.addEventListener("change", () => {
    const file = replaceInput.files[0];
    if (file && replacing) send("PUT", api + "/" + encodeURIComponent(replacing), file, progressRow(file));
    replaceInput.value = "";
  });

  async function remove(id, row) {
    let reason = text("DeleteFailed");
    let detail = null;
    try {
      const response = await fetch(api + "/" + encodeURIComponent(id), {
        method: "DELETE", headers: { "X-CSRF-Token": csrf },
      });
      if (response.ok) {
        changed();
        return;
      }
      reason += ": " + Balas.statusText(response.status);
      detail = Balas.detailOf(await response.text());
    } catch (_) { /* no answer at all: the bare "not deleted" */ }
    const place = (marker) => row.querySelector("[data-status-label]").after(marker);
    Balas.showAlert(row, "delete-failed", "reason small", place, [reason], detail);
  }

  const dialog = root.querySelector("[data-preview-dialog]");
  root.addEventListener("click", async (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.replace) {
      replacing = target.dataset.replace;
      replaceInput.click();
    } else if (target.dataset.delete) {
      if (!window.confirm(text("ConfirmDelete").replace("{name}", target.dataset.name))) return;
      remove(target.dataset.delete, target.closest("tr"));
    } else if (target.dataset.preview) {
      const response = await fetch(api + "/" + encodeURIComponent(target.dataset.preview) + "/text");
      dialog.querySelector("[data-preview-title]").textContent = target.dataset.name;
      dialog.querySelector("[data-preview-text]").textContent = response.ok ? await response.text() : text("NoText");
      dialog.showModal();
    }
  });
})();
