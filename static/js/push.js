// Alerts on this device: registers our service worker (/sw.js, the whole site as its scope) and
// subscribes this browser to web push with the server's VAPID public key. From the markup only (no
// inline script: strict CSP): an element with data-push-key="<public key>"; buttons inside it with
// data-push-subscribe / data-push-unsubscribe; optionally data-push-save-url, where the subscription
// is POSTed as JSON (with the page's CSRF token); data-push-status, where the outcome is written (an
// aria-live region); data-push-list-url and data-push-list, a list of the person's devices fetched
// again once this one is saved, whose rows carry data-push-endpoint (this device's row is marked).
(function () {
  "use strict";
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  var BLOCKED = "Notifications are blocked for this site in this browser, so no alert can show here. " +
    "Allow notifications for this site in the browser's settings, then reload this page.";
  var UNSUPPORTED = "This browser cannot take alerts: it has no web push. Use Chrome, Edge, Firefox or Safari; " +
    "on an iPhone or iPad, add Home Visits to the home screen first and open it from there.";

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
      if (permission === "denied") { throw new Error(BLOCKED); }
      if (permission !== "granted") {
        throw new Error("You did not allow notifications, so alerts cannot show here. Press the button again and choose Allow.");
      }
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
      if (!response.ok) {
        throw new Error("The server did not save this device (" + response.status + "). Reload the page and try again.");
      }
      return subscription;
    });
  }

  window.HomeVisitsPush = {supported: supported, register: register, subscribe: subscribe,
                           unsubscribe: unsubscribe, keyBytes: keyBytes};

  var box = document.querySelector("[data-push-key]");
  if (!box) { return; }
  var status = box.querySelector("[data-push-status]");
  var button = box.querySelector("[data-push-subscribe]");
  function say(message) { if (status) { status.textContent = message; } }
  if (!supported) { say(UNSUPPORTED); return; }
  if (Notification.permission === "denied") { say(BLOCKED); return; }
  if (button) { button.hidden = false; }

  // Marks this browser's own row in the list; answers whether it is there.
  function markThisDevice(subscription) {
    var found = false;
    var rows = box.querySelectorAll("[data-push-endpoint]");
    for (var i = 0; i < rows.length; i += 1) {
      var mine = !!subscription && rows[i].getAttribute("data-push-endpoint") === subscription.endpoint;
      var badge = rows[i].querySelector("[data-push-this-device]");
      if (badge) { badge.hidden = !mine; }
      found = found || mine;
    }
    return found;
  }

  function refreshList(subscription) {
    var url = box.getAttribute("data-push-list-url");
    var list = box.querySelector("[data-push-list]");
    if (!url || !list) { return Promise.resolve(subscription); }
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error("Alerts are on, but the list did not load: reload the page to see it."); }
      return response.text();
    }).then(function (html) {
      list.innerHTML = html;
      markThisDevice(subscription);
      return subscription;
    });
  }

  box.addEventListener("click", function (event) {
    var clicked = event.target.closest("[data-push-subscribe], [data-push-unsubscribe]");
    if (!clicked) { return; }
    event.preventDefault();
    var saveUrl = box.getAttribute("data-push-save-url");
    var work;
    if (clicked.hasAttribute("data-push-subscribe")) {
      say("Turning on alerts on this device...");
      work = subscribe(box.getAttribute("data-push-key")).then(function (subscription) {
        return saveUrl ? save(saveUrl, subscription) : subscription;
      }).then(refreshList).then(function () { say("Alerts will come to this device."); });
    } else {
      work = unsubscribe().then(function () { say("Alerts no longer come to this device."); });
    }
    work.catch(function (error) {
      // Our own errors say what to do; the browser's (a DOMException: no push service, say) are named.
      var ours = error && error.name === "Error" && error.message;
      say(ours ? error.message : "This browser could not turn on alerts (" + ((error && error.name) || "an error") +
          "). Try again, or use another browser.");
    });
  });

  register().then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    say(markThisDevice(subscription) ? "Alerts come to this device." : "Alerts do not come to this device yet.");
  }).catch(function () { say("Alerts do not come to this device yet."); });
})();
