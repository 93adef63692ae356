// The /m pages' behaviour tracker. Included by the page only when this browser's answer to
// behaviour analytics is "granted" (nothing is loaded, so nothing is sent, otherwise). It
// reports the page shown (page.viewed) and each product the page marks with
// data-product-id (product.viewed) to POST /api/v1/events with navigator.sendBeacon, which
// survives the page being left. A signed-in customer's events are theirs by the session
// cookie; a visitor's carry the device id the server rendered, or one kept in this browser.
(function () {
  "use strict";

  var script = document.currentScript;
  var ENDPOINT = "/api/v1/events";

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function anonymousId() {
    var given = script && script.getAttribute("data-anonymous-id");
    if (given) { return given; }
    try {
      var kept = window.localStorage.getItem("cl_anon");
      if (!kept) { kept = "web-" + uuid(); window.localStorage.setItem("cl_anon", kept); }
      return kept;
    } catch (e) {
      return "web-" + uuid();
    }
  }

  function sessionId() {
    try {
      var kept = window.sessionStorage.getItem("cl_session");
      if (!kept) { kept = uuid(); window.sessionStorage.setItem("cl_session", kept); }
      return kept;
    } catch (e) {
      return undefined;
    }
  }

  var who = anonymousId();
  var session = sessionId();

  function event(type, properties) {
    var item = {event_id: uuid(), type: type, occurred_at: new Date().toISOString(),
                channel: "h5", anonymous_id: who, properties: properties};
    if (session) { item.session_id = session; }
    return item;
  }

  function send(batch) {
    var body = new Blob([JSON.stringify(batch)], {type: "application/json"});
    if (navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, body)) { return; }
    fetch(ENDPOINT, {method: "POST", body: body, keepalive: true, credentials: "same-origin",
                     headers: {"Content-Type": "application/json"}});
  }

  function clip(text, size) { return text ? String(text).slice(0, size) : undefined; }

  function report() {
    var page = {path: clip(location.pathname + location.search, 512),
                title: clip(document.title, 200)};
    var referrer = document.referrer ? new URL(document.referrer) : null;
    if (referrer && referrer.origin === location.origin) {
      page.referrer = clip(referrer.pathname + referrer.search, 512);
    }
    var batch = [event("page.viewed", page)];
    var seen = {};
    document.querySelectorAll("[data-product-id]").forEach(function (node) {
      var id = clip(node.getAttribute("data-product-id"), 64);
      if (!id || seen[id]) { return; }
      seen[id] = true;
      var product = {product_id: id, path: page.path};
      var kind = clip(node.getAttribute("data-product-kind"), 64);
      if (kind) { product.product_kind = kind; }
      batch.push(event("product.viewed", product));
    });
    send(batch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", report);
  } else {
    report();
  }
})();
