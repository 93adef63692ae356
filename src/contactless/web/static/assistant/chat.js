// The customer's chat: send, show, listen live (server-sent events), speak and read aloud.
// Every text goes into the page with textContent: a message can never become HTML.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-text");
  var statusBox = document.getElementById("chat-status");
  var voice = document.getElementById("chat-voice");
  var mic = document.getElementById("chat-mic");
  var conversation = root.dataset.conversation || "";
  var lastSeq = 0;
  var stream = null;
  var labels = { customer: root.dataset.labelYou, assistant: root.dataset.labelAssistant,
                 agent: root.dataset.labelAgent, system: "" };

  function speak(text) {
    if (!voice.checked || !window.speechSynthesis) { return; }
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = /[\u3400-\u9fff]/.test(text) ? "zh-CN" : "en-US";
    window.speechSynthesis.speak(utterance);
  }

  function show(message) {
    if (message.seq <= lastSeq) { return; }
    lastSeq = message.seq;
    var item = document.createElement("li");
    item.className = "chat-msg chat-" + message.sender;
    item.dataset.sender = message.sender;
    item.dataset.testid = "chat-message";
    item.setAttribute("data-testid", "chat-message");
    if (labels[message.sender]) {
      var who = document.createElement("span");
      who.className = "chat-who";
      who.textContent = labels[message.sender];
      item.appendChild(who);
    }
    var body = document.createElement("p");
    body.className = "chat-text";
    body.textContent = message.text;
    item.appendChild(body);
    (message.actions || []).forEach(function (action) {
      var control;
      if (action.kind === "link") {
        control = document.createElement("a");
        control.href = action.href;
      } else {
        control = document.createElement("button");
        control.type = "button";
        control.addEventListener("click", function () { send(action.text || action.label); });
      }
      control.className = "chat-action";
      control.textContent = action.label;
      item.appendChild(control);
    });
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    if (message.sender === "assistant" || message.sender === "agent" ||
        message.sender === "system") { speak(message.text); }
  }

  // the page's own notice (listening, no speech here): a conversation state that arrives
  // later with nothing to say leaves it shown instead of hiding it
  var notice = "";

  function state(conv) {
    var text = "";
    if (conv.status === "queued") {
      text = root.dataset.textQueued.replace("{position}", conv.queue_position);
    } else if (conv.status === "agent") {
      text = root.dataset.textAgent;
    } else if (conv.status === "closed") {
      text = root.dataset.textClosed;
    }
    text = text || notice;
    statusBox.textContent = text;
    statusBox.hidden = !text;
    statusBox.dataset.status = conv.status;
  }

  function apply(data) {
    var changed = false;
    if (data.conversation) {
      if (data.conversation.id !== conversation) {
        conversation = data.conversation.id;
        lastSeq = 0;
        changed = true;
      }
      state(data.conversation);
    }
    if (data.note) {
      var note = document.createElement("li");
      note.className = "chat-msg chat-note";
      note.textContent = data.note;
      log.appendChild(note);
    }
    (data.messages || []).forEach(show);
    if (changed) { listen(); }
  }

  function listen() {
    if (stream) { stream.close(); }
    if (!conversation || !window.EventSource) { return; }
    stream = new EventSource("/m/assistant/stream?conversation=" + encodeURIComponent(conversation) +
                             "&after=" + lastSeq);
    stream.addEventListener("update", function (event) { apply(JSON.parse(event.data)); });
  }

  function post(url, fields) {
    var body = new FormData();
    body.append("csrf_token", root.dataset.csrf);
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw data; }
          return data;
        });
      });
  }

  function failed(problem) {
    statusBox.textContent = (problem && problem.detail) || root.dataset.textFailed;
    statusBox.hidden = false;
    statusBox.dataset.status = "error";
  }

  function send(text) {
    if (!text || !text.trim()) { input.focus(); return; }
    post("/m/assistant/messages", { text: text, conversation_id: conversation })
      .then(function (data) { input.value = ""; apply(data); }, failed);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(input.value); }
  });
  document.getElementById("chat-human").addEventListener("click", function () {
    if (!conversation) { send("转人工"); return; }
    post("/m/assistant/human", { conversation_id: conversation }).then(apply, failed);
  });

  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  mic.addEventListener("click", function () {
    if (!Recognition) {
      notice = root.dataset.textNoSpeech;
      statusBox.textContent = notice;
      statusBox.hidden = false;
      return;
    }
    var recognition = new Recognition();
    recognition.lang = root.dataset.speechLang || "zh-CN";
    recognition.interimResults = false;
    recognition.onresult = function (event) {
      var text = event.results[0][0].transcript;
      voice.checked = true;  // a customer who speaks hears the replies
      send(text);
    };
    recognition.onend = function () {
      mic.setAttribute("aria-pressed", "false");
      notice = "";
    };
    mic.setAttribute("aria-pressed", "true");
    notice = root.dataset.textListening;
    statusBox.textContent = notice;
    statusBox.hidden = false;
    recognition.start();
  });

  if (conversation) {
    fetch("/m/assistant/history?conversation=" + encodeURIComponent(conversation),
          { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { apply(data); } listen(); });
  }
})();
