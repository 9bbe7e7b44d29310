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

  // Canned replies: "/shortcut" then Tab (or a click on a hint) puts the reply, filled on the
  // server from the case, in place of the shortcut. Inserted as a value, never as HTML.
  function initCanned() {
    const box = document.getElementById("reply-text");
    const hints = document.getElementById("canned-hints");
    if (!box || !hints) { return; }
    let library = [];
    try { library = JSON.parse(box.dataset.canned || "[]"); } catch (e) { library = []; }
    function token() {
      const upto = box.value.slice(0, box.selectionStart);
      const match = /(^|\s)\/([a-z0-9_-]*)$/.exec(upto);
      return match ? { start: upto.length - match[2].length - 1, word: match[2] } : null;
    }
    function matches() {
      const t = token();
      if (!t) { return []; }
      const exact = library.filter((r) => r.shortcut === t.word);
      return exact.length ? exact : library.filter((r) => r.shortcut.startsWith(t.word));
    }
    function insert(reply) {
      const t = token();
      if (!t) { return; }
      const end = box.selectionStart;
      box.value = box.value.slice(0, t.start) + reply.text + box.value.slice(end);
      const caret = t.start + reply.text.length;
      box.setSelectionRange(caret, caret);
      hints.hidden = true;
      hints.replaceChildren();
      announce("Inserted the canned reply /" + reply.shortcut + ".");
      box.focus();
    }
    function show() {
      const found = matches();
      hints.replaceChildren();
      hints.hidden = found.length === 0;
      found.slice(0, 6).forEach((reply, i) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("aria-selected", i === 0 ? "true" : "false");
        button.textContent = "/" + reply.shortcut + " — " + reply.text;
        button.addEventListener("mousedown", (event) => { event.preventDefault(); insert(reply); });
        item.appendChild(button);
        hints.appendChild(item);
      });
    }
    box.addEventListener("input", show);
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Tab" || event.shiftKey || hints.hidden) { return; }
      const found = matches();
      if (!found.length) { return; }
      event.preventDefault();
      insert(found[0]);
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
          notifyNewCase("New case waiting in " + data.queue + ".");
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

  // Attachments: an image only for the allow-listed types over http(s); SVG, HTML and every
  // other type only ever as a link. Built as elements, never as HTML.
  const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
  function attachmentList(files) {
    if (!files.length) { return null; }
    const list = document.createElement("ul");
    list.className = "attachments";
    for (const file of files) {
      let url = null;
      try { url = new URL(file.url); } catch (e) { url = null; }
      const web = url !== null && (url.protocol === "https:" || url.protocol === "http:");
      const item = document.createElement("li");
      if (web && INLINE.has(file.content_type)) {
        const img = document.createElement("img");
        img.className = "attachment-image";
        img.alt = file.name;
        img.loading = "lazy";
        img.referrerPolicy = "no-referrer";
        img.src = url.href;
        item.appendChild(img);
      }
      const link = document.createElement("a");
      link.className = "attachment-link";
      link.href = web ? url.href : "#";
      link.rel = "noopener noreferrer nofollow";
      link.target = "_blank";
      link.textContent = file.name;
      const meta = document.createElement("span");
      meta.className = "sub";
      meta.textContent = " " + file.content_type;
      item.append(link, meta);
      list.appendChild(item);
    }
    return list;
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
      const files = attachmentList(turn.attachments || []);
      if (files) { item.appendChild(files); }
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
      viewers: showViewers,
      typing: showCustomerTyping,
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

  // A short tone for a new case, made in the page (no file, nothing inline).
  let audio = null;
  function chime() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (e) { /* no audio on this device */ }
  }

  // Desktop notifications: asked for once, with a button (browsers want a click to ask).
  function initNotify() {
    const ask = document.getElementById("notify-ask");
    const on = document.getElementById("notify-on");
    if (!ask || !on || !("Notification" in window)) { return; }
    if (Notification.permission === "default" && !window.localStorage.getItem("baton-notify-asked")) {
      ask.hidden = false;
    }
    on.addEventListener("click", () => {
      window.localStorage.setItem("baton-notify-asked", "1");
      ask.hidden = true;
      Notification.requestPermission();
    });
  }

  function notifyNewCase(text) {
    chime();
    body.dataset.notified = String(Number(body.dataset.notified || "0") + 1);
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      new Notification("Baton", { body: text });
    }
  }

  // Who else is on this case, and whether the customer is typing: posted as a heartbeat and
  // while typing, shown from the case stream.
  function initSignals() {
    const id = body.dataset.handoff;
    const token = document.querySelector('input[name="csrf_token"]');
    if (!token) { return; }
    let lastTyping = 0;
    function post(typing) {
      const form = new FormData();
      form.append("csrf_token", token.value);
      form.append("typing", typing ? "1" : "0");
      fetch("/console/cases/" + encodeURIComponent(id) + "/presence",
            { method: "POST", body: form, credentials: "same-origin" }).catch(() => {});
    }
    post(false);
    window.setInterval(() => post(false), 5000);
    for (const box of document.querySelectorAll("#reply-text, #note-text")) {
      box.addEventListener("input", () => {
        if (Date.now() - lastTyping < 2000) { return; }
        lastTyping = Date.now();
        post(true);
      });
    }
  }

  function showViewers(data) {
    const banner = document.getElementById("collision");
    if (!banner) { return; }
    const agents = data.agents || [];
    banner.hidden = agents.length === 0;
    banner.textContent = agents.map((a) => a.name + (a.typing ? " is typing a reply on this case." :
                                                    " is also viewing this case.")).join(" ");
  }

  function showCustomerTyping(data) {
    const line = document.getElementById("customer-typing");
    if (line) { line.hidden = !data.customer; }
  }

  if (body.dataset.page === "inbox") { initInbox(); initNotify(); }
  if (body.dataset.page === "floor") { initFloor(); }
  if (body.dataset.page === "case") { initCase(); initCanned(); initSignals(); }
})();
