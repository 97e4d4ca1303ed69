// Alerts on this device: registers our service worker (/sw.js, the whole site as its scope) and
// subscribes this browser to web push with the server's VAPID public key. From the markup only (no
// inline script: strict CSP): an element with data-push-key="<public key>"; buttons inside it with
// data-push-subscribe / data-push-unsubscribe; optionally data-push-save-url, where the subscription
// is POSTed as JSON (with the page's CSRF token) and data-push-status, where the outcome is written.
(function () {
  "use strict";
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function register() {
    return navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function subscribe(publicKey) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("Notifications are blocked for this site in this browser."); }
      return register();
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({userVisibleOnly: true,
                                                                applicationServerKey: keyBytes(publicKey)});
      });
    });
  }

  function unsubscribe() {
    return register().then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      return subscription ? subscription.unsubscribe().then(function () { return subscription; }) : null;
    });
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function save(url, subscription) {
    return fetch(url, {method: "POST", credentials: "same-origin",
                       headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
                       body: JSON.stringify(subscription.toJSON())}).then(function (response) {
      if (!response.ok) { throw new Error("The server did not save this device (" + response.status + ")."); }
      return subscription;
    });
  }

  window.HomeVisitsPush = {supported: supported, register: register, subscribe: subscribe,
                           unsubscribe: unsubscribe, keyBytes: keyBytes};

  var box = document.querySelector("[data-push-key]");
  if (!box || !supported) { return; }
  var status = box.querySelector("[data-push-status]");
  function say(message) { if (status) { status.textContent = message; } }
  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-push-subscribe], [data-push-unsubscribe]");
    if (!button) { return; }
    event.preventDefault();
    var saveUrl = box.getAttribute("data-push-save-url");
    var work = button.hasAttribute("data-push-subscribe")
      ? subscribe(box.getAttribute("data-push-key")).then(function (subscription) {
        return saveUrl ? save(saveUrl, subscription) : subscription;
      }).then(function () { say("Alerts will come to this device."); })
      : unsubscribe().then(function () { say("Alerts no longer come to this device."); });
    work.catch(function (error) { say(error.message || String(error)); });
  });
  register().catch(function () { /* shown when the person subscribes */ });
})();
