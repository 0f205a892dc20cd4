// The console's few behaviours: live refreshes from the inbox's Server-Sent Events, and small
// conveniences (store switcher, canned replies, template picker). No inline scripts (CSP).
"use strict";

// A request the console refused or could not answer, said in the page's language on every page:
// the text of a known HTTP status (base.html's data-text-failure-*) or "could not handle it
// (error N)". FastAPI's `detail` is English, for scripts and support: it follows only as a
// smaller second line.
window.Balas = (function () {
  function statusText(status) {
    const known = document.body.getAttribute("data-text-failure-" + status);
    return known || document.body.dataset.textFailureOther.replace("{status}", String(status));
  }

  // The refusal's `detail` when it is a sentence, else null (an HTML error page, no JSON).
  function detailOf(body) {
    try {
      const detail = JSON.parse(body).detail;
      if (typeof detail === "string") return detail;
    } catch (_) { /* not JSON */ }
    return null;
  }

  // The alert (role=alert) marked `data-<name>` inside `within`, made and put in place by
  // `place` the first time; it then says `parts`, and `detail` on its own line.
  function showAlert(within, name, className, place, parts, detail) {
    let marker = within.querySelector("[data-" + name + "]");
    if (!marker) {
      marker = document.createElement("p");
      marker.className = className;
      marker.setAttribute("role", "alert");
      marker.setAttribute("data-" + name, "");
      place(marker);
    }
    const said = parts.slice();
    if (detail) {
      const line = document.createElement("span");
      line.className = "failure-detail";
      line.textContent = detail;
      said.push(line);
    }
    marker.replaceChildren(...said);
    return marker;
  }

  return { statusText: statusText, detailOf: detailOf, showAlert: showAlert };
})();

(function () {
  const pending = new Map(); // refreshes waiting to run, coalesced over a short moment

  function soon(key, work) {
    if (pending.has(key)) return;
    pending.set(key, setTimeout(function () {
      pending.delete(key);
      work();
    }, 120));
  }

  function messagesPane() {
    return document.getElementById("messages");
  }

  function scrollToEnd(force) {
    const pane = messagesPane();
    if (!pane) return;
    const nearEnd = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 120;
    if (force || nearEnd) pane.scrollTop = pane.scrollHeight;
  }

  function refreshList() {
    const list = document.getElementById("conversation-list");
    if (list) htmx.trigger(list, "refresh");
  }

  function refreshMessages(conversation) {
    const pane = messagesPane();
    if (!pane) return;
    const nearEnd = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 120;
    // sources the agent unfolded stay unfolded across the refresh
    const unfolded = Array.from(pane.querySelectorAll("[data-message-id] details[open]"))
      .map(function (details) { return details.closest("[data-message-id]").dataset.messageId; });
    htmx.ajax("GET", conversation.dataset.messagesUrl, { target: pane, swap: "innerHTML" })
      .then(function () {
        pane.querySelectorAll("[data-message-id]").forEach(function (message) {
          const details = message.querySelector("details");
          if (details && unfolded.includes(message.dataset.messageId)) details.open = true;
        });
        scrollToEnd(nearEnd);
      });
  }

  function refreshPanel(conversation) {
    const composer = document.getElementById("composer");
    const key = composer ? composer.dataset.composerKey : "";
    const url = conversation.dataset.panelUrl + "?composer=" + encodeURIComponent(key || "");
    htmx.ajax("GET", url, { target: "#conv-header", swap: "outerHTML" });
  }

  function onChange(change) {
    soon("list", refreshList);
    const conversation = document.querySelector("[data-conversation]");
    if (!conversation) return;
    if (change.conversation_id && change.conversation_id !== conversation.dataset.conversation) return;
    if (!change.collection || change.collection === "messages") {
      soon("messages", function () { refreshMessages(conversation); });
    }
    if (!change.collection || change.collection === "conversations") {
      soon("panel", function () { refreshPanel(conversation); });
    }
  }

  function setLive(live) {
    const status = document.querySelector("[data-live-status]");
    if (!status) return;
    status.classList.toggle("is-live", live);
    status.textContent = live ? status.dataset.liveText : status.dataset.offlineText;
  }

  function listen(inbox) {
    const source = new EventSource(inbox.dataset.stream);
    let connected = false;
    source.addEventListener("ready", function () {
      setLive(true);
      if (connected) onChange({}); // back after a break: catch up on what changed meanwhile
      connected = true;
    });
    source.addEventListener("change", function (event) { onChange(JSON.parse(event.data)); });
    source.addEventListener("refresh", function () { setLive(true); onChange({}); });
    source.addEventListener("error", function () { setLive(false); });
    source.addEventListener("signed_out", function () { // logged out or expired elsewhere
      source.close();
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-navigate-store]")) {
      window.location.assign("/stores/" + encodeURIComponent(target.value) + "/inbox");
    } else if (target.matches("[data-submit-on-change]")) {
      target.form.requestSubmit();
    } else if (target.matches("[data-template-picker]")) {
      target.form.querySelectorAll("[data-template]").forEach(function (fields) {
        fields.hidden = fields.dataset.template !== target.value;
      });
    }
  });

  document.addEventListener("click", function (event) {
    const item = event.target.closest("[data-canned-text]");
    if (!item) return;
    const form = item.closest("form");
    const text = form.querySelector("textarea[name=text]");
    text.value = item.dataset.cannedText;
    text.focus();
    const menu = item.closest("details");
    if (menu) menu.open = false;
  });

  // Enter sends, Shift+Enter breaks the line (as in chat apps).
  document.addEventListener("keydown", function (event) {
    const text = event.target;
    if (event.key !== "Enter" || event.shiftKey || !text.matches("[data-composer-text]")) return;
    const send = text.form.querySelector("[data-action=reply]");
    if (send && text.value.trim()) {
      event.preventDefault();
      send.click(); // a click, so htmx includes the button's command
    }
  });

  // A reply or note that never reached the console (offline, or the console failed) keeps its
  // text and says so in the composer, in words, with a retry of the same button.
  let lastAction = null;
  document.addEventListener("click", function (event) {
    const button = event.target.closest("#composer [data-action]");
    if (button) lastAction = button;
  });

  function notSent(form, reason, detail) {
    const composer = form.closest("#composer");
    if (!composer) return;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button";
    retry.textContent = composer.dataset.textRetry;
    const lead = composer.dataset.textNotSent + ": " + reason + " ";
    const place = function (marker) { form.prepend(marker); };
    const marker = Balas.showAlert(composer, "send-failed", "composer-failed", place, [lead, retry], detail);
    retry.addEventListener("click", function () {
      marker.remove();
      if (lastAction) lastAction.click();
    });
  }

  document.addEventListener("htmx:sendError", function (event) {
    const composer = event.detail.elt.closest("#composer");
    if (composer) notSent(event.detail.elt, composer.dataset.textUnreachable);
  });
  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    notSent(event.detail.elt, Balas.statusText(xhr.status), Balas.detailOf(xhr.responseText));
  });

  // The unread count in the tab's title and beside the views; a new hand-over rings and notifies
  // as the agent chose (their alerts form says so in data-sound / data-desktop).
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  let lastQueue = null;

  function ring() {
    const Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) return;
    const audio = new Audio();
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.2, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
  }

  function alertNewHandOver() {
    const alerts = document.querySelector("[data-alerts]");
    if (!alerts) return;
    if (alerts.dataset.sound === "true") ring();
    if (alerts.dataset.desktop === "true" && window.Notification && Notification.permission === "granted") {
      new Notification(alerts.dataset.notifyText, { tag: "balas-hand-over" });
    }
  }

  function showCounts() {
    const counts = document.querySelector("[data-inbox-counts]");
    if (!counts) return;
    const unread = Number(counts.dataset.unread);
    document.title = (unread > 0 ? "(" + unread + ") " : "") + baseTitle;
    document.querySelectorAll("[data-count]").forEach(function (badge) {
      const value = Number(counts.dataset[badge.dataset.count]);
      badge.textContent = value > 0 ? String(value) : "";
    });
    const queue = Number(counts.dataset.queue);
    if (lastQueue !== null && queue > lastQueue) alertNewHandOver();
    lastQueue = queue;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "conversation-list") showCounts();
  });

  document.addEventListener("change", function (event) {
    const toggle = event.target;
    if (!toggle.matches("[data-desktop-toggle]") || !toggle.checked || !window.Notification) return;
    if (Notification.permission === "default") {
      Notification.requestPermission().then(function (answer) {
        const denied = toggle.form.querySelector("[data-permission-denied]");
        if (denied) denied.hidden = answer !== "denied";
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showCounts();
    const inbox = document.querySelector("[data-stream]");
    if (inbox && window.EventSource) listen(inbox);
    scrollToEnd(true);
  });
})();
