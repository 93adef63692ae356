// Behaviour of the console and customer pages. Pages carry no inline script (the
// Content-Security-Policy allows scripts from this site only): they mark elements with data
// attributes, and this file gives them their behaviour.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target.closest("[data-autosubmit]");
    if (target && target.form) { target.form.submit(); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    var done = function () { button.textContent = button.getAttribute("data-done") || button.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done);
    } else {
      input.select();
      document.execCommand("copy");
      done();
    }
  });
  // a part of a form shown only for some values of one of its selects:
  // data-when="the select's name" data-values="value other-value"
  function showChosen(form) {
    form.querySelectorAll("[data-when]").forEach(function (part) {
      var select = form.elements[part.getAttribute("data-when")];
      if (!select) { return; }
      part.hidden = part.getAttribute("data-values").split(" ").indexOf(select.value) < 0;
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-when]")) { showChosen(form); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.querySelector("[data-when]")) { showChosen(form); }
  });
  // a part of a form replaced by htmx (the segment builder's conditions) shows its own parts
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form && form.querySelector("[data-when]")) { showChosen(form); }
  });
  // a fragment marked data-swap-errors shows the refusal its route answers (422) in place
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 422 && target && target.hasAttribute("data-swap-errors")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // a button that waits: "... ({seconds} s)" counts down, then it says its ready text
  var waiting = document.querySelectorAll("[data-countdown]");
  if (waiting.length) {
    var shown = Date.now();
    var tick = function () {
      var left = 0;
      waiting.forEach(function (button) {
        var seconds = Math.max(0, Math.ceil((Number(button.getAttribute("data-countdown")) * 1000 - (Date.now() - shown)) / 1000));
        left = Math.max(left, seconds);
        if (seconds > 0) {
          button.textContent = button.getAttribute("data-countdown-text").replace("{seconds}", String(seconds));
        } else if (button.disabled) {
          button.textContent = button.getAttribute("data-ready-text");
          button.disabled = false;
        }
      });
      if (left > 0) { window.setTimeout(tick, 250); }
    };
    tick();
  }
})();

// Sharing a code from a phone: the system share sheet (WeChat, WeCom, messages, ...) with the
// link or the QR image. Buttons stay hidden where the browser has no Web Share API; copying
// the link is the fallback next to them.
(function () {
  "use strict";
  if (!navigator.share) { return; }
  var probe = typeof File === "function" && navigator.canShare;
  document.querySelectorAll("[data-share]").forEach(function (button) {
    var wantsImage = button.getAttribute("data-share") === "image";
    if (!wantsImage || (probe && navigator.canShare({files: [new File([""], "x.png", {type: "image/png"})]}))) {
      button.hidden = false;
    }
  });

  function shareLink(button) {
    return navigator.share({
      title: button.getAttribute("data-share-title") || document.title,
      text: button.getAttribute("data-share-text") || "",
      url: button.getAttribute("data-share-url")
    });
  }

  function shareImage(button) {
    return fetch(button.getAttribute("data-share-image"), {credentials: "same-origin"})
      .then(function (response) { return response.blob(); })
      .then(function (blob) {
        var file = new File([blob], button.getAttribute("data-share-file") || "qr-code.png", {type: "image/png"});
        return navigator.share({files: [file], title: button.getAttribute("data-share-title") || "",
                                text: (button.getAttribute("data-share-text") || "") + " " + button.getAttribute("data-share-url")});
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-share]");
    if (!button) { return; }
    var shared = button.getAttribute("data-share") === "image" ? shareImage(button) : shareLink(button);
    shared.then(function () { button.setAttribute("data-shared", "yes"); })
      .catch(function () { /* the person closed the share sheet */ });
  });
})();
