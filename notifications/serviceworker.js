// Home Visits service worker, served from our own origin at /sw.js (scope: the whole site). It shows
// the alerts pushed to this device (JSON: title, body, url, tag, receipt), tells the server when one
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

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
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
