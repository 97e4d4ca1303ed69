// Check-ins without signal. A check-in form sent with no connection (the phone says it is offline, or
// the request fails to reach us) is kept on this phone in IndexedDB: its fields (never a PIN), its
// idempotency key and the time it was tapped. The page then says plainly "NOT SENT: ring the office",
// with a call button and the kept taps. They are sent on every page load and when the phone is back
// online (no Background Sync: Safari has none), each with `tapped_at`, answered in JSON
// (safety.views.checkin); the idempotency key makes a tap sent twice count once.
// From the markup only (no inline script): a [data-offline-taps] element with data-user and, where
// the page knows it, data-office-phone / data-office-phone-text; the panels of templates/_not_sent.html.
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-taps]");
  window.HomeVisits = window.HomeVisits || {};
  if (!root || !("indexedDB" in window)) { return; }
  var DB_NAME = "home-visits", TAPS = "taps", META = "meta";
  var user = root.getAttribute("data-user") || "";
  var panel = document.querySelector("[data-not-sent]");
  var list = document.querySelector("[data-not-sent-list]");
  var sentBox = document.querySelector("[data-sent]");
  var sentList = document.querySelector("[data-sent-list]");
  var refusedBox = document.querySelector("[data-refused-taps]");
  var refusedList = document.querySelector("[data-refused-list]");
  var database = null;

  // --- A minimal IndexedDB wrapper: one database, two stores, promises ---------------------------
  function db() {
    if (database) { return database; }
    database = new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(TAPS, {keyPath: "key"});
        request.result.createObjectStore(META, {keyPath: "name"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return database;
  }

  function run(store, mode, work) {
    return db().then(function (handle) {
      return new Promise(function (resolve, reject) {
        var tx = handle.transaction(store, mode);
        var request = work(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function allTaps() { return run(TAPS, "readonly", function (s) { return s.getAll(); }); }
  function keepTap(tap) { return run(TAPS, "readwrite", function (s) { return s.put(tap); }); }
  function dropTap(key) { return run(TAPS, "readwrite", function (s) { return s.delete(key); }); }
  function getMeta(name) { return run(META, "readonly", function (s) { return s.get(name); }); }
  function putMeta(record) { return run(META, "readwrite", function (s) { return s.put(record); }); }

  // --- What the page shows -----------------------------------------------------------------------
  function hhmm(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit", timeZone: "Europe/London"});
  }

  function line(target, words) {
    var item = document.createElement("li");
    item.textContent = words;
    target.appendChild(item);
  }

  function mine(taps) {
    return taps.filter(function (tap) { return !user || tap.user === user; })
      .sort(function (a, b) { return a.tapped_at < b.tapped_at ? -1 : 1; });
  }

  function show() {
    return allTaps().then(function (taps) {
      taps = mine(taps);
      if (!panel) { return taps; }
      list.textContent = "";
      taps.forEach(function (tap) {
        line(list, tap.label + ", tapped " + hhmm(tap.tapped_at) + (tap.needs_signal ? ": not kept (it needs your PIN), tap it again with signal" : ""));
      });
      panel.hidden = taps.length === 0;
      return taps;
    });
  }

  function said(box, target, words) {
    if (!box) { return; }
    line(target, words);
    box.hidden = false;
  }

  // The school's number, remembered from a page that knows it, for the page shown without signal.
  function rememberPhone() {
    var tel = root.getAttribute("data-office-phone");
    if (tel) {
      return putMeta({name: "office", tel: tel, text: root.getAttribute("data-office-phone-text") || tel});
    }
    return getMeta("office").then(function (office) {
      if (!office) { return; }
      Array.prototype.forEach.call(document.querySelectorAll("[data-not-sent-call], [data-office-call]"), function (link) {
        link.href = "tel:" + office.tel;
        link.textContent = "Call school: " + office.text;
        link.hidden = false;
      });
    });
  }

  // --- Keeping a tap, and sending it ------------------------------------------------------------
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = window.crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i += 1) { h.push((b[i] + 256).toString(16).slice(1)); }
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" +
      h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function labelOf(form) {
    var button = form.querySelector("button[type=submit]");
    return (button ? button.textContent : "Check-in").replace(/\s+/g, " ").trim();
  }

  function keep(form) {
    var keyField = form.querySelector("input[name=idempotency_key]");
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "pin" && name !== "csrfmiddlewaretoken" && typeof value === "string") { fields[name] = value; }
    });
    var pinField = form.querySelector("input[name=pin]");
    var tap = {key: keyField.value, user: user, action: new URL(form.action || window.location.href).pathname,
               label: labelOf(form), fields: fields, tapped_at: new Date().toISOString(),
               needs_signal: Boolean(pinField)};
    // The next tap on this page (a page from the phone's cache has the same keys) is a new tap.
    keyField.value = newKey();
    return keepTap(tap).then(show).then(function () {
      if (panel) { panel.scrollIntoView({block: "start"}); }
    });
  }

  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // One kept tap: true when the server has it (or has said no: then it is not kept any longer).
  function sendTap(tap) {
    var body = new URLSearchParams();
    Object.keys(tap.fields).forEach(function (name) { body.append(name, tap.fields[name]); });
    body.append("tapped_at", tap.tapped_at);
    body.append("csrfmiddlewaretoken", csrf());
    return fetch(tap.action, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                              headers: {"X-Kept-Tap": "1", "Accept": "application/json"}})
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 403 || response.status >= 500) {
          return false;  // signed out, or the server could not take it: kept, and tried again later
        }
        var answered = response.status === 404 ? Promise.resolve({recorded: false, errors: ["This visit is not yours to check in."]})
          : response.json();
        return answered.then(function (answer) {
          return dropTap(tap.key).then(function () {
            if (answer.recorded) {
              said(sentBox, sentList, "Sent (tapped " + hhmm(tap.tapped_at) + "): " + answer.message);
            } else {
              said(refusedBox, refusedList, "Not recorded: " + tap.label + " (tapped " + hhmm(tap.tapped_at) + "). " +
                   (answer.errors || []).join(" ") + " Ring the office.");
            }
            return true;
          });
        });
      }, function () { return false; });
  }

  var sending = null;
  function sendKept() {
    if (sending || !user) { return sending || Promise.resolve(); }
    sending = allTaps().then(function (taps) {
      // One after another, oldest first, so they reach the office in the order they were tapped.
      return mine(taps).filter(function (tap) { return !tap.needs_signal; }).reduce(function (chain, tap) {
        return chain.then(function () { return sendTap(tap); });
      }, Promise.resolve());
    }).catch(function () {}).then(function () {
      sending = null;
      return show();
    }).then(function (left) {
      left.filter(function (tap) { return tap.needs_signal && navigator.onLine; }).forEach(function (tap) {
        dropTap(tap.key);
      });
    });
    return sending;
  }

  // A check-in sent from this page: straight to the server; without signal, kept.
  function send(form) {
    if (!navigator.onLine) { return keep(form); }
    var body = new FormData(form);
    return fetch(form.action || window.location.href, {method: "POST", body: body, credentials: "same-origin",
                                                       redirect: "manual"}).then(function (response) {
      if (response.type === "opaqueredirect") {
        window.location.assign(window.location.href.split("#")[0]);  // recorded: the page says so
      } else {
        // Refused (the message beside the field): the page the server draws for it, as without us.
        // Nothing was recorded, so sending it once more, the ordinary way, records nothing twice.
        HTMLFormElement.prototype.submit.call(form);
      }
    }, function () { return keep(form); });
  }
  window.HomeVisits.sendForm = send;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelector("input[name=idempotency_key]")) { return; }
    var pin = form.querySelector("input[name=pin]");
    if (pin && navigator.onLine) { return; }  // a PIN is never kept on the phone: sent the ordinary way
    if (document.querySelector("[data-share-location]") && !form.dataset.located && navigator.onLine) {
      return;  // static/js/checkin.js asks for the location first, then sends it through sendForm
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    send(form);
  }, true);

  window.addEventListener("online", sendKept);
  rememberPhone().catch(function () {});
  show().then(function () { if (navigator.onLine) { return sendKept(); } return undefined; }).catch(function () {});
})();
