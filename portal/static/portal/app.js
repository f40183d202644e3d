/* The members' app's behaviours (a static file: the CSP allows no inline script).
   - registers the service worker (offline reading of the last pages loaded);
   - marks the page "offline" when the phone has no connection;
   - a loan application made offline waits in localStorage and is sent once the phone is
     online, with the idempotency key made here, on the phone, so it is made exactly once;
   - the activation slip's QR code carries the code in the URL fragment: fill it in;
   - signing out clears the pages kept for offline reading. */
(function () {
  "use strict";
  var QUEUE = "kopdig-app-queue";
  var body = document.body;

  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }
  function show(sel, on) { var el = document.querySelector(sel); if (el) el.hidden = !on; }

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, {scope: body.dataset.scope}).catch(function () {});
  }

  function online() { show("[data-offline]", !navigator.onLine); if (navigator.onLine) flush(); }
  window.addEventListener("online", online);
  window.addEventListener("offline", online);

  var sending = false;
  function flush() {
    var items = queue();
    show("[data-queued]", items.length > 0);
    if (!items.length || sending) return;
    sending = true;
    var item = items[0];
    var data = new URLSearchParams(item.fields);
    fetch(item.url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": cookie("csrftoken"), "Accept": "application/json"}
    }).then(function (res) {
      // Sent (or refused for good): off the queue. A network failure keeps it for later.
      if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 403)) {
        save(queue().filter(function (q) { return q.fields.idempotency_key !== item.fields.idempotency_key; }));
      }
      return res.json().catch(function () { return {}; });
    }).then(function (json) {
      sending = false;
      if (json && json.error) window.alert(json.error);
      if (json && json.loan && queue().length === 0 && location.pathname === body.dataset.scope + "pinjaman/") location.reload();
      if (queue().length) flush(); else show("[data-queued]", false);
    }).catch(function () { sending = false; });
  }

  document.querySelectorAll("form[data-queue-offline]").forEach(function (form) {
    // A fresh key each time the form is shown, even from a page kept offline.
    if (form.idempotency_key) form.idempotency_key.value = key();
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      var fields = {};
      new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken") fields[k] = v; });
      var items = queue();
      items.push({url: form.action || location.pathname, fields: fields});
      save(items);
      form.reset();
      if (form.idempotency_key) form.idempotency_key.value = key();
      show("[data-queued]", true);
    });
  });

  var codeForm = document.querySelector("form[data-fill-code]");
  var m = location.hash.match(/kode=([0-9]+)/);
  if (codeForm && m && codeForm.code) { codeForm.code.value = m[1]; history.replaceState(null, "", location.pathname + location.search); }

  document.querySelectorAll("form[data-clear-cache]").forEach(function (form) {
    form.addEventListener("submit", function () {
      localStorage.removeItem(QUEUE);
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("clear");
    });
  });
  if (document.querySelector("[data-signed-out]") && window.caches) caches.delete("kopdig-app-pages-v1");

  online();
})();
