// The installable app, on every page: registers our one service worker (/sw.js, the whole site as its
// scope: notifications/serviceworker.js, which also shows pushed alerts), and, on any page shown to
// someone signed out (the sign-in page after "Sign out", or after the session ended), removes the
// pages this browser kept of whoever was signed in, so nobody else can open them without signal.
(function () {
  "use strict";
  var PAGES = "hv-pages";  // the cache of the person's own pages (the worker's PAGE_CACHE)

  if (document.body.getAttribute("data-session") === "out" && "caches" in window) {
    window.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf(PAGES) === 0; })
        .map(function (name) { return window.caches.delete(name); }));
    }).catch(function () {});
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({type: "signed-out"});
    }
  }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  }
})();
