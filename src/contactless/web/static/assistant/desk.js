// The agent desk: the queue and my conversations live (server-sent events), one conversation
// open with its transcript. Every text is put in with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("desk");
  if (!root) { return; }
  var intents = JSON.parse(root.dataset.intents || "{}");
  var queueList = document.getElementById("desk-queue");
  var mineList = document.getElementById("desk-mine");
  var alertBox = document.getElementById("desk-alert");
  var panel = document.getElementById("desk-conversation");
  var log = document.getElementById("desk-log");
  var errorBox = document.getElementById("desk-error");
  var openId = null;
  var openStream = null;
  var knownQueue = null;
  var labels = { customer: root.dataset.labelCustomer, assistant: root.dataset.labelAssistant,
                 agent: root.dataset.labelAgent, system: "" };

  function post(url, fields) {
    var body = new FormData();
    body.append("csrf_token", root.dataset.csrf);
    Object.keys(fields || {}).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw data; }
          return data;
        });
      });
  }

  function failed(problem) {
    errorBox.textContent = (problem && problem.detail) || "error";
    errorBox.dataset.code = (problem && problem.code) || "";
    errorBox.hidden = false;
  }

  function item(conv, list) {
    var li = document.createElement("li");
    li.setAttribute("data-testid", "desk-item");
    li.dataset.id = conv.id;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    var title = document.createElement("strong");
    title.textContent = conv.intent_title || conv.predicted_intent || "—";
    var preview = document.createElement("span");
    preview.className = "desk-preview";
    preview.textContent = conv.preview;
    button.appendChild(title);
    button.appendChild(preview);
    button.addEventListener("click", function () { open(conv.id); });
    li.appendChild(button);
    list.appendChild(li);
  }

  function render(data) {
    queueList.textContent = "";
    mineList.textContent = "";
    data.queue.forEach(function (conv) { item(conv, queueList); });
    data.mine.forEach(function (conv) { item(conv, mineList); });
    if (!data.queue.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = root.dataset.textEmpty;
      queueList.appendChild(empty);
    }
    document.getElementById("desk-queue-count").textContent = data.queue.length;
    var ids = data.queue.map(function (conv) { return conv.id; });
    if (knownQueue !== null) {
      var fresh = ids.filter(function (id) { return knownQueue.indexOf(id) < 0; });
      if (fresh.length) { notify(); }
    }
    knownQueue = ids;
    document.title = (data.queue.length ? "(" + data.queue.length + ") " : "") +
      document.title.replace(/^\(\d+\) /, "");
  }

  function notify() {
    alertBox.textContent = root.dataset.textNew;
    alertBox.hidden = false;
    if (window.Notification && Notification.permission === "granted") {
      new Notification(root.dataset.textNew);
    }
  }

  function message(msg) {
    var li = document.createElement("li");
    li.className = "chat-msg chat-" + msg.sender;
    li.setAttribute("data-testid", "desk-message");
    li.dataset.sender = msg.sender;
    if (labels[msg.sender]) {
      var who = document.createElement("span");
      who.className = "chat-who";
      who.textContent = labels[msg.sender] +
        (msg.intent ? " · " + (intents[msg.intent] || msg.intent) + " " +
         Math.round((msg.confidence || 0) * 100) + "%" : "");
      li.appendChild(who);
    }
    var body = document.createElement("p");
    body.className = "chat-text";
    body.textContent = msg.text;
    li.appendChild(body);
    if (msg.sender === "customer") {
      var select = document.createElement("select");
      select.setAttribute("data-testid", "desk-correct");
      select.setAttribute("aria-label", root.dataset.textMark);
      var first = document.createElement("option");
      first.value = "";
      first.textContent = root.dataset.textMark;
      select.appendChild(first);
      Object.keys(intents).forEach(function (key) {
        var option = document.createElement("option");
        option.value = key;
        option.textContent = intents[key];
        if (msg.corrected_intent === key) { option.selected = true; }
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        if (!select.value) { return; }
        post("/console/assistant/messages/" + msg.id + "/correct", { intent: select.value })
          .then(function () { select.dataset.saved = select.value; }, failed);
      });
      li.appendChild(select);
    }
    log.appendChild(li);
  }

  function show(data) {
    var conv = data.conversation;
    panel.hidden = false;
    document.getElementById("desk-intent").textContent =
      intents[conv.predicted_intent] || conv.predicted_intent || "—";
    document.getElementById("desk-state").textContent = conv.status;
    panel.dataset.status = conv.status;
    panel.dataset.mine = conv.mine ? "yes" : "no";
    document.getElementById("desk-claim").hidden = conv.status !== "queued";
    log.textContent = "";
    data.messages.forEach(message);
    log.scrollTop = log.scrollHeight;
  }

  function open(id) {
    openId = id;
    errorBox.hidden = true;
    if (openStream) { openStream.close(); }
    openStream = new EventSource("/console/assistant/conversations/" + id + "/stream");
    openStream.addEventListener("update", function (event) {
      if (openId === id) { show(JSON.parse(event.data)); }
    });
  }

  function act(path, fields) {
    if (!openId) { return Promise.resolve(); }
    errorBox.hidden = true;
    return post("/console/assistant/conversations/" + openId + "/" + path, fields)
      .then(function (data) { return data; }, failed);
  }

  document.getElementById("desk-claim").addEventListener("click", function () { act("claim"); });
  document.getElementById("desk-hand-back").addEventListener("click", function () { act("hand-back"); });
  document.getElementById("desk-close").addEventListener("click", function () { act("close"); });
  document.getElementById("desk-transfer").addEventListener("click", function () {
    act("transfer", { to: document.getElementById("desk-transfer-to").value });
  });
  document.getElementById("desk-reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = document.getElementById("desk-text");
    act("reply", { text: text.value }).then(function (data) {
      if (data && data.message) { text.value = ""; }
    });
  });

  if (window.Notification && Notification.permission === "default") {
    root.addEventListener("click", function () { Notification.requestPermission(); },
                          { once: true });
  }
  var desk = new EventSource("/console/assistant/desk/stream");
  desk.addEventListener("update", function (event) { render(JSON.parse(event.data)); });
})();
