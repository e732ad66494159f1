// Service worker of the grid app (/m/). Served by the view at /m/sw.js, which prepends
// self.FQ_SHELL (the app shell URLs), self.FQ_VERSION and self.FQ_OFFLINE (the report page).
// Pages: network first, the cached copy without signal. Static files: the cached copy at once,
// refreshed in the background. The API and other sites are never cached.
"use strict";

var SHELL = self.FQ_SHELL || [];
var CACHE = "fq-m-" + (self.FQ_VERSION || "dev");
var SCOPE = new URL(self.registration ? self.registration.scope : "/m/").pathname;

function cacheable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(SHELL.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (response) {
          if (cacheable(response)) { return cache.put(url, response); }
        }).catch(function () { /* offline while installing: cached on the next visit */ });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("fq-m-") === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }

  if (request.mode === "navigate") {
    if (url.pathname.indexOf(SCOPE) !== 0 || url.pathname === SCOPE + "sw.js") { return; }
    event.respondWith(
      fetch(request).then(function (response) {
        if (cacheable(response)) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(url.pathname).then(function (hit) {
          return hit || caches.match(self.FQ_OFFLINE || SCOPE);
        }).then(function (hit) {
          return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
        });
      })
    );
    return;
  }

  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname).then(function (hit) {
          var fresh = fetch(request).then(function (response) {
            if (cacheable(response)) { cache.put(url.pathname, response.clone()); }
            return response;
          });
          if (hit) {
            fresh.catch(function () {});
            event.waitUntil(fresh.then(function () {}, function () {}));
            return hit;
          }
          return fresh;
        });
      })
    );
  }
});
