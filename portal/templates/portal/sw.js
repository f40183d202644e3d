{% load static %}/* Kopdig members' app service worker (served at {% url 'portal:service_worker' %}, scope {% url 'portal:beranda' %}).
   Pages: network first, the last copy kept for reading offline (each page says "data per …").
   Static files: cache first (their names carry a hash once collected).
   Nothing is ever sent from here: POSTs go to the network or fail, so money never moves offline;
   a loan application made offline waits in the page's own queue (app.js). */
"use strict";
var PAGES = "kopdig-app-pages-v1";
var STATIC = "kopdig-app-static-v1";
var SCOPE = "{% url 'portal:beranda' %}";
var SHELL = ["{% static 'portal/app.css' %}", "{% static 'portal/app.js' %}"];
var NEVER = ["{% url 'portal:login' %}", "{% url 'portal:activate' %}", "{% url 'portal:logout' %}",
             "{% url 'portal:service_worker' %}"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== PAGES && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data === "clear") { event.waitUntil(caches.delete(PAGES)); }
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(STATIC).then(function (c) { c.put(req, copy); }); }
        return res;
      });
    }));
    return;
  }
  if (url.pathname.indexOf(SCOPE) !== 0 || NEVER.indexOf(url.pathname) !== -1) return;
  if (url.pathname.slice(-4) === ".pdf") return;
  event.respondWith(fetch(req).then(function (res) {
    // Only the member's own pages (not a redirect to the sign-in page) are kept.
    if (res.ok && !res.redirected) {
      var copy = res.clone();
      caches.open(PAGES).then(function (c) { c.put(req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.match(req).then(function (hit) {
      return hit || caches.match(SCOPE) || new Response(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<p style='font:18px sans-serif;padding:1rem'>Offline. Halaman ini belum pernah dibuka di HP ini.</p>",
        {headers: {"Content-Type": "text/html; charset=utf-8"}});
    });
  }));
});
