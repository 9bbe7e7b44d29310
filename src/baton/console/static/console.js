"use strict";
// The console's live parts. Customer text only ever goes in through textContent, never as HTML;
// HTML comes only from the console's own server-rendered (escaped) fragments.
(function () {
  const body = document.body;
  const live = document.getElementById("live");

  function announce(text) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(() => { live.textContent = text; }, 50);
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n) => String(n).padStart(2, "0");

  // The server's format for a time ("24 Nov 10:05 UTC"), so live turns read like the others.
  function hhmm(iso) {
    const d = new Date(iso);
    return pad(d.getUTCDate()) + " " + MONTHS[d.getUTCMonth()] + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }

  function fmt(seconds) {
    const s = Math.floor(Math.abs(seconds));
    if (s < 60) { return s + "s"; }
    if (s < 3600) { return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s"; }
    if (s < 86400) { return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m"; }
    return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
  }

  // Live SLA countdowns; a case crossing its warning point while the page is open is announced.
  const seen = new Map();
  let firstTick = true;
  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("time.sla[data-due]")) {
      const due = Date.parse(el.dataset.due);
      const warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      const left = (due - now) / 1000;
      el.textContent = left >= 0 ? fmt(left) + " left" : "overdue " + fmt(left);
      const state = now >= due ? "breach" : (!Number.isNaN(warn) && now >= warn ? "warn" : "ok");
      el.classList.remove("sla-ok", "sla-warn", "sla-breach");
      el.classList.add("sla-" + state);
      const row = el.closest("[data-handoff]");
      const key = row ? row.dataset.handoff : "case";
      if (!firstTick && seen.has(key) && seen.get(key) !== state && state !== "ok") {
        announce(state === "breach" ? "A case is past its first-response target." :
                 "A case is close to its first-response target.");
      }
      seen.set(key, state);
    }
    firstTick = false;
  }
  tick();
  window.setInterval(tick, 1000);

  for (const button of document.querySelectorAll("button.use-suggestion")) {
    button.addEventListener("click", () => {
      const box = document.getElementById("reply-text");
      if (!box) { return; }
      box.value = button.dataset.text || "";
      box.focus();
    });
  }

  function stream(url, handlers, stateEl) {
    if (!window.EventSource) { return null; }
    const source = new EventSource(url);
    source.addEventListener("open", () => { if (stateEl) { stateEl.textContent = "Live: new cases appear here as they arrive."; } });
    source.addEventListener("error", () => { if (stateEl) { stateEl.textContent = "Reconnecting for live updates…"; } });
    source.addEventListener("signout", () => { source.close(); window.location.assign("/console/login"); });
    for (const [name, fn] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => fn(JSON.parse(event.data)));
    }
    return source;
  }

  function initInbox() {
    const lists = document.getElementById("lists");
    let pending = null;
    async function refresh(fresh) {
      const response = await fetch("/console/inbox/fragment", { credentials: "same-origin",
                                                                headers: { Accept: "text/html" } });
      if (response.redirected || response.status === 401) { window.location.assign("/console/login"); return; }
      if (!response.ok) { return; }
      lists.innerHTML = await response.text();  // the server's own escaped fragment
      for (const id of fresh) {
        const row = lists.querySelector('tr[data-handoff="' + CSS.escape(id) + '"]');
        if (row) { row.classList.add("fresh"); }
      }
      tick();
    }
    const fresh = new Set();
    function later(id) {
      if (id) { fresh.add(id); }
      if (pending) { return; }
      pending = window.setTimeout(() => {
        pending = null;
        const ids = Array.from(fresh);
        fresh.clear();
        refresh(ids);
      }, 150);
    }
    const url = "/console/stream?after=" + encodeURIComponent(body.dataset.cursor || "0");
    stream(url, {
      case: (data) => {
        if (data.type === "created" || data.type === "transferred") {
          announce("New case waiting in " + data.queue + ".");
          later(data.handoff_id);
        } else { later(null); }
      },
      sla: (data) => {
        announce((data.type === "sla_breached" ? "SLA breached" : "SLA warning") + " in " + data.queue + ".");
        later(data.handoff_id);
      },
    }, document.getElementById("stream-state"));
    window.setInterval(() => later(null), 30000);
  }

  function initCase() {
    const transcript = document.getElementById("transcript");
    const labels = { user: "Customer", bot: "Bot", agent: "Agent", system: "System" };
    const note = document.getElementById("status-note");
    const badge = document.getElementById("case-status");
    function addTurn(turn) {
      const item = document.createElement("li");
      item.className = "turn role-" + (labels[turn.role] ? turn.role : "system");
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = labels[turn.role] || "System";
      const when = document.createElement("time");
      when.dateTime = turn.at;
      when.textContent = hhmm(turn.at);
      const text = document.createElement("p");
      text.className = "text";
      text.textContent = turn.text;
      item.append(who, " ", when, text);
      transcript.appendChild(item);
      transcript.dataset.lastSeq = String(turn.seq);
      item.scrollIntoView({ block: "nearest" });
      if (turn.role === "user") { announce("New message from the customer."); }
    }
    const id = body.dataset.handoff;
    const url = "/console/cases/" + encodeURIComponent(id) + "/stream?after=" +
      encodeURIComponent(transcript.dataset.lastSeq || "0") + "&status=" + encodeURIComponent(body.dataset.status);
    stream(url, {
      turn: addTurn,
      status: (data) => {
        badge.textContent = data.status;
        badge.className = "status status-" + data.status;
        note.hidden = false;
        note.textContent = "This case is now " + data.status + ". Reload the page to see its actions.";
      },
      gone: () => {
        note.hidden = false;
        note.textContent = "This case has moved out of your queues.";
      },
    }, null);
  }

  function initFloor() {
    const floor = document.getElementById("floor");
    let pending = null;
    async function refresh() {
      const response = await fetch("/console/floor/fragment", { credentials: "same-origin",
                                                                headers: { Accept: "text/html" } });
      if (response.redirected || response.status === 401) { window.location.assign("/console/login"); return; }
      if (!response.ok) { return; }
      if (floor.contains(document.activeElement) && document.activeElement.tagName === "SELECT") { return; }
      floor.innerHTML = await response.text();  // the server's own escaped fragment
    }
    function later() {
      if (pending) { return; }
      pending = window.setTimeout(() => { pending = null; refresh().catch(() => {}); }, 150);
    }
    const url = "/console/stream?after=" + encodeURIComponent(body.dataset.cursor || "0");
    stream(url, {
      case: (data) => {
        if (data.type === "created") { announce("New case waiting in " + data.queue + "."); }
        later();
      },
      sla: (data) => {
        announce((data.type === "sla_breached" ? "SLA breached" : "SLA warning") + " in " + data.queue + ".");
        later();
      },
    }, document.getElementById("stream-state"));
    window.setInterval(later, 15000);
  }

  if (body.dataset.page === "inbox") { initInbox(); }
  if (body.dataset.page === "floor") { initFloor(); }
  if (body.dataset.page === "case") { initCase(); }
})();
