"use strict";
// The demo customer page. Every piece of text is inserted with textContent: never as HTML.
(function () {
  const root = document.querySelector(".chat");
  const conversationId = root.dataset.conversationId;
  const log = document.getElementById("log");
  const offer = document.getElementById("offer");
  const offerText = document.getElementById("offer-text");
  const offerButtons = document.getElementById("offer-buttons");
  const status = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const labels = { chat: "Chat with a person now", email: "E-mail me", meeting: "Book a meeting",
                   callback: "Call me back" };
  let events = null;

  function add(role, text, name) {
    const item = document.createElement("li");
    item.className = role;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = name || { user: "You", bot: "Assistant", agent: "Agent", system: "Baton" }[role] || role;
    item.appendChild(who);
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showStatus(text) {
    status.hidden = false;
    status.textContent = text;
  }

  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(body) });
    const data = await response.json();
    if (!response.ok) { throw new Error(data.error ? data.error.message : "request failed"); }
    return data;
  }

  function follow() {
    if (events) { return; }
    events = new EventSource("/demo/api/events?conversation_id=" + encodeURIComponent(conversationId));
    events.addEventListener("handoff.message", (e) => {
      const data = JSON.parse(e.data);
      add("agent", data.text || "", data.agent_name);
    });
    // The one status line follows the queue: place and wait as they change, a new person sought.
    events.addEventListener("handoff.wait_updated", (e) => showStatus(JSON.parse(e.data).message || ""));
    events.addEventListener("handoff.reassigned", (e) => showStatus(JSON.parse(e.data).message || ""));
    events.addEventListener("handoff.accepted", (e) => {
      const data = JSON.parse(e.data);
      showStatus((data.agent_name || "An agent") + " has joined the conversation.");
    });
    events.addEventListener("handoff.resolved", () => showStatus("The agent marked your request as resolved."));
  }

  function render(reply) {
    const result = reply.result;
    if (reply.bot) { add("bot", reply.bot); }
    if (!result.handoff) { return; }
    follow();
    if (result.handoff.status === "offered") {
      offerText.textContent = result.message;
      offerButtons.replaceChildren();
      for (const option of result.handoff.routing.offers) {
        if (!option.available) { continue; }
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = labels[option.channel] || option.channel;
        button.title = option.detail;
        button.addEventListener("click", () => choose({ channel: option.channel }));
        offerButtons.appendChild(button);
      }
      const no = document.createElement("button");
      no.type = "button";
      no.className = "secondary";
      no.textContent = "No thanks, keep chatting";
      no.addEventListener("click", () => choose({ decline: true }));
      offerButtons.appendChild(no);
      offer.hidden = false;
      return;
    }
    offer.hidden = true;
    if (result.message) { add("system", result.message); }
    const wait = result.handoff.routing.expected_wait_seconds;
    showStatus("Handed to the " + result.handoff.queue + " team" +
               (result.handoff.channel ? " by " + result.handoff.channel : "") +
               (wait !== null && result.handoff.channel === "chat" ? ". Expected wait: " +
                Math.max(1, Math.round(wait / 60)) + " min." : "."));
  }

  async function choose(choice) {
    try {
      render(await post("/demo/api/choose", Object.assign({ conversation_id: conversationId }, choice)));
      if (choice.decline) { offer.hidden = true; add("system", "No problem, let's carry on."); }
    } catch (error) { showStatus("Something went wrong: " + error.message); }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    add("user", text);
    try {
      render(await post("/demo/api/say", { conversation_id: conversationId, text: text }));
    } catch (error) { showStatus("Something went wrong: " + error.message); }
  });
  add("bot", "Hello! I'm the demo assistant. How can I help?");
})();
