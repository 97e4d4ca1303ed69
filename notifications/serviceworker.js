// Home Visits service worker, served from our own origin at /sw.js (scope: the whole site). It keeps
// what the phone needs without signal (below), and it shows the alerts pushed to this device (JSON: title, body, url, tag, receipt), tells the server when one
// has been shown (a POST to its signed receipt address, same origin only), and on a tap brings the
// alert's page to the front, or opens it. Only pages of this site are ever opened.
"use strict";

var HOME = new URL("/", self.location.origin).href;

function ownUrl(url) {
  try {
    var target = new URL(url || "/", self.location.origin);
    return target.origin === self.location.origin ? target.href : HOME;
  } catch (e) {
    return HOME;
  }
}

function sameOrigin(url) {
  try { return new URL(url, self.location.origin).origin === self.location.origin; } catch (e) { return false; }
}

function text(value) {
  return typeof value === "string" ? value : "";
}

// --- Without signal (static/js/pwa.js registers this worker; static/js/offline-taps.js keeps taps) --
// Two caches. SHELL: our static files (hashed names, so never stale) and the page shown when nothing
// else can be, the same for everyone. PAGES: the signed-in member of staff's own pages, kept only when
// the server marks a page so (homevisits.offline: their visits of the day, their check-in and visit
// pages), each fetched from the network first and kept fresh, shown from here only without signal.
// PAGES is emptied when they sign out (the page after it says so) or the server sends anyone to sign in.
var SHELL = "hv-shell-v1";
var PAGES = "hv-pages";
var OFFLINE = "/offline/";
var KEEP_HEADER = "X-Keep-Offline";
var SIGN_IN = "/accounts/login/";

function staticUrls(html) {
  var found = [], pattern = /(?:href|src)="(\/static\/[^"]+)"/g, match;
  while ((match = pattern.exec(html)) !== null) { found.push(match[1]); }
  return found;
}

// The offline page, and every static file it uses (the app's CSS, scripts and icons, by their hashed
// names), fetched without the session so nothing personal is in it.
function keepShell() {
  return caches.open(SHELL).then(function (cache) {
    return fetch(OFFLINE, {credentials: "omit", cache: "no-store"}).then(function (response) {
      if (!response.ok) { return undefined; }
      return response.clone().text().then(function (html) {
        return cache.put(OFFLINE, response).then(function () {
          return Promise.all(staticUrls(html).map(function (url) {
            return cache.add(url).catch(function () {});
          }));
        });
      });
    });
  });
}

function forgetPages() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(PAGES) === 0; })
      .map(function (name) { return caches.delete(name); }));
  });
}

function pageKey(url) {
  var u = new URL(url);
  return u.origin + u.pathname;
}

function fromStatic(request) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (kept) {
      if (kept) { return kept; }
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

function offlinePage() {
  return caches.match(OFFLINE).then(function (kept) {
    return kept || new Response("No signal, and this page is not kept on this phone. Ring the school office.",
                                {status: 503, headers: {"Content-Type": "text/plain; charset=utf-8"}});
  });
}

// A page: from the network first. Kept when the server says it may be; dropped when it no longer may
// (a visit that is over, someone else signed in). Without signal: the kept copy, else the offline page.
function page(request) {
  var key = pageKey(request.url);
  return fetch(request).then(function (response) {
    if (response.redirected && new URL(response.url).pathname.indexOf(SIGN_IN) === 0) {
      return forgetPages().then(function () { return response; });
    }
    return caches.open(PAGES).then(function (cache) {
      if (response.ok && !response.redirected && response.headers.get(KEEP_HEADER) === "1") {
        return cache.put(key, response.clone()).then(function () { return response; });
      }
      return cache.delete(key).then(function () { return response; });
    });
  }, function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (kept) {
      return kept || offlinePage();
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(keepShell().catch(function () {}).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    // Static files of an older version of this worker's shell are no longer asked for.
    return Promise.all(names.filter(function (name) { return name.indexOf("hv-shell") === 0 && name !== SHELL; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !sameOrigin(request.url)) { return; }
  var path = new URL(request.url).pathname;
  if (path.indexOf("/static/") === 0) {
    event.respondWith(fromStatic(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
  // Anything else (the board's polls, JSON, htmx fragments) goes to the network as it would without us.
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "signed-out" && sameOrigin(event.origin || self.location.origin)) {
    event.waitUntil(forgetPages());
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json() || {}; } catch (e) { data = {body: event.data.text()}; }
  }
  var tag = text(data.tag);
  var options = {
    body: text(data.body),
    data: {url: ownUrl(text(data.url))},
    requireInteraction: true,  // an alert stays on screen until someone deals with it
  };
  if (tag) {
    options.tag = tag;
    options.renotify = true;
  }
  var receipt = text(data.receipt);
  event.waitUntil(
    self.registration.showNotification(text(data.title) || "Home Visits alert", options).then(function () {
      if (receipt && sameOrigin(receipt)) {
        return fetch(receipt, {method: "POST", credentials: "omit", cache: "no-store"}).catch(function () {});
      }
      return undefined;
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = ownUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
      var i;
      for (i = 0; i < windows.length; i += 1) {
        if (windows[i].url === url && "focus" in windows[i]) { return windows[i].focus(); }
      }
      for (i = 0; i < windows.length; i += 1) {
        if (sameOrigin(windows[i].url) && "navigate" in windows[i]) {
          return windows[i].navigate(url).then(function (client) { return client && client.focus(); });
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
