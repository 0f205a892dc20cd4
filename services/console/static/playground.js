// "Test the bot": a sandbox chat. The conversation lives here; every question is sent with the
// turns before it to /playground/ask, which runs the real answering and sends nothing anywhere.
(function () {
  "use strict";
  const root = document.querySelector("[data-playground]");
  if (!root) return;
  const url = "/stores/" + encodeURIComponent(root.dataset.store) + "/playground/ask";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const text = (name) => root.dataset["text" + name] || "";
  const log = root.querySelector("[data-chat-log]");
  const form = root.querySelector("[data-chat-form]");
  const input = root.querySelector("[data-chat-input]");
  const send = root.querySelector("[data-chat-send]");
  let history = [];

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function bubble(role, content) {
    root.querySelector("[data-chat-empty]")?.remove();
    const item = el("li", "msg msg-" + role);
    item.append(el("div", "bubble", content));
    log.append(item);
    item.scrollIntoView({ block: "end", behavior: "smooth" });
    return item;
  }

  function details(item, reply) {
    const meta = el("div", "msg-meta");
    const verdict = reply.hand_over
      ? el("span", "badge badge-warn", text("HandOver") + ": " + (reply.hand_over_label || reply.hand_over))
      : el("span", "badge badge-ok", text("Answered"));
    verdict.dataset.handOver = reply.hand_over || "";
    meta.append(verdict, el("span", "badge", reply.grounded ? text("Grounded") : text("Ungrounded")));
    item.append(meta);
    const sources = el("div", "sources");
    sources.dataset.sources = "";
    if (!reply.citations.length) {
      sources.append(el("p", "muted small", text("NoSources")));
    } else {
      sources.append(el("p", "sources-title small", text("Sources")));
      const list = el("ul", "source-list");
      reply.citations.forEach((c) => {
        const row = el("li", "source");
        const head = el("p", "source-head");
        head.append(el("span", "source-kind" + (c.kind === "tool" ? " is-tool" : ""), c.kind === "tool" ? text("KindTool") : text("KindPassage")));
        head.append(el("strong", "", c.filename || c.ref));
        if (c.locator) head.append(el("span", "muted", " · " + c.locator));
        row.append(head, el("p", "source-snippet small", c.snippet));
        row.dataset.citation = c.filename || c.ref;
        list.append(row);
      });
      sources.append(list);
    }
    item.append(sources);
  }

  async function ask(question) {
    bubble("customer", question);
    const pending = bubble("bot", "…");
    pending.classList.add("is-pending");
    send.disabled = true;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ text: question, history }),
      });
      if (!response.ok) throw new Error(String(response.status));
      const reply = await response.json();
      pending.classList.remove("is-pending");
      pending.querySelector(".bubble").textContent = reply.answer || text("Silent");
      details(pending, reply);
      history.push({ role: "customer", text: question }, { role: "bot", text: reply.answer, grounded: reply.grounded });
    } catch (error) {
      pending.classList.remove("is-pending");
      pending.classList.add("is-error");
      pending.querySelector(".bubble").textContent = text("Error");
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  root.querySelector("[data-chat-reset]").addEventListener("click", () => {
    history = [];
    const empty = el("li", "chat-empty", text("Empty"));
    empty.dataset.chatEmpty = "";
    log.replaceChildren(empty);
  });
})();
