// The office's live board (safety:board). htmx polls the board's body; this script, from the data
// attributes the server renders (no inline script: strict CSP), keeps the countdowns and progress
// bars moving every second, puts the number of open alerts in the tab title, and announces a new
// alert with a short beep (when the office has turned sound on) and a desktop notification (when
// the browser allows them). It also says so when the board has stopped updating. Polls are
// conditional: an unchanged board is answered 304 and the page keeps what it shows.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) { return; }
  var pollMs = (parseInt(live.getAttribute("data-poll-seconds"), 10) || 10) * 1000;
  var soundButton = document.querySelector("[data-sound-toggle]");
  var notifyButton = document.querySelector("[data-notify-toggle]");
  var staleBox = document.querySelector("[data-board-stale]");
  var skew = 0;            // the server's clock minus this browser's clock
  var lastUpdate = Date.now();
  var known = null;        // alert keys at the previous update (null: nothing to compare with yet)
  var audio = null;
  var soundOn = remembered("hv-board-sound");
  var notifyOn = remembered("hv-board-notify");
  live.dataset.beeps = "0";
  live.dataset.notified = "0";

  function remembered(key) {
    try { return window.localStorage.getItem(key) === "on"; } catch (e) { return false; }
  }
  function remember(key, on) {
    try { window.localStorage.setItem(key, on ? "on" : "off"); } catch (e) { /* private mode: this page only */ }
  }
  function minutesText(ms) {  // as safety.board.duration_text: "7 min", "1 h 05 min"
    var total = Math.max(0, Math.floor(ms / 60000));
    var hours = Math.floor(total / 60), mins = total % 60;
    return hours ? hours + " h " + (mins < 10 ? "0" : "") + mins + " min" : mins + " min";
  }
  function londonTime(ms) {
    return new Date(ms).toLocaleTimeString("en-GB", { timeZone: "Europe/London" });
  }

  // --- Every second: countdowns, progress bars, ages, staleness ------------------------------
  function tick() {
    var now = Date.now() + skew;
    live.querySelectorAll("[data-countdown]").forEach(function (box) {
      var start = Number(box.dataset.start), soon = Number(box.dataset.soon), due = Number(box.dataset.due);
      var late = Number(box.dataset.late), chase = Number(box.dataset.chase);
      // R-LATE-15 amber, R-RETURN-30 red (the school's late_call_minutes / office_chase_minutes).
      var state = now >= chase ? "chase" : now >= late ? "late" : now >= due ? "over" : now >= soon ? "soon" : "ok";
      var percent = (now >= due || due <= start) ? 100 : Math.max(0, Math.min(100, (now - start) * 100 / (due - start)));
      var bar = box.querySelector("[data-bar]");
      bar.className = "progress-bar hv-bar-" + state;
      bar.style.width = percent.toFixed(1) + "%";  // CSSOM, not a style attribute: allowed by the CSP
      box.querySelector("[role=progressbar]").setAttribute("aria-valuenow", String(Math.floor(percent)));
      box.querySelector("[data-countdown-label]").textContent =
        now >= due ? "overdue by " + minutesText(now - due) : "due back in " + minutesText(due - now);
    });
    live.querySelectorAll("[data-ago]").forEach(function (span) {
      var age = now - Number(span.dataset.ago);
      span.textContent = age < 60000 ? "just now" : minutesText(age) + " ago";
    });
    if (staleBox) {
      var stale = Date.now() - lastUpdate > 3 * pollMs;
      if (stale && staleBox.hidden) {
        staleBox.querySelector("[data-board-updated]").textContent = londonTime(lastUpdate + skew);
      }
      staleBox.hidden = !stale;
    }
  }

  // --- After each update: clock, title, new alerts --------------------------------------------
  function updated() {
    var body = live.querySelector("[data-board-body]");
    if (!body) { return; }
    lastUpdate = Date.now();
    skew = Number(body.dataset.serverNow) - lastUpdate;
    var count = parseInt(body.dataset.alertCount, 10) || 0;
    document.title = (count ? "(" + count + ") " : "") + document.title.replace(/^\(\d+\) /, "");
    var keys = (body.dataset.alertKeys || "").split(" ").filter(Boolean);
    if (known !== null) {
      var fresh = keys.filter(function (key) { return known.indexOf(key) === -1; });
      if (fresh.length) { announce(fresh); }
    }
    known = keys;
    tick();
  }

  function announce(keys) {
    if (soundOn) { beep(); }
    if (notifyOn && "Notification" in window && Notification.permission === "granted") {
      keys.slice(0, 3).forEach(function (key) {
        var source = live.querySelector('[data-alert-ids~="' + key + '"]');
        try {
          new Notification("Home Visits: new alert", {
            body: source ? source.dataset.alertText : "A new alert is on the board.", tag: key,
          });
          live.dataset.notified = String(Number(live.dataset.notified) + 1);
        } catch (e) { /* some browsers only notify from a service worker: the beep and the title remain */ }
      });
    }
  }

  // --- Sound: a short two-tone beep from the Web Audio API (no audio file) ---------------------
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return false; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "suspended") { audio.resume(); }
    return true;
  }
  function beep() {
    live.dataset.beeps = String(Number(live.dataset.beeps) + 1);
    if (!audio) { return; }
    if (audio.state === "suspended") { audio.resume(); }
    var t0 = audio.currentTime + 0.01;
    [0, 0.28].forEach(function (offset, i) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = i ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, t0 + offset);
      gain.gain.exponentialRampToValueAtTime(0.35, t0 + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + offset + 0.22);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t0 + offset);
      osc.stop(t0 + offset + 0.25);
    });
  }
  function showSound() {
    if (!soundButton) { return; }
    var waiting = soundOn && (!audio || audio.state !== "running");
    soundButton.textContent = soundOn ? (waiting ? "Sound: on (click the page once to allow)" : "Sound: on") : "Sound: off";
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundButton.classList.toggle("btn-success", soundOn);
    soundButton.classList.toggle("btn-outline-secondary", !soundOn);
  }
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      soundOn = !soundOn;
      remember("hv-board-sound", soundOn);
      if (soundOn && unlockAudio()) { beep(); }  // a test beep: the office hears that sound works
      showSound();
    });
  }
  // Browsers allow sound only after a click on the page: a remembered "on" waits for the first one.
  function firstGesture() {
    if (soundOn) { unlockAudio(); window.setTimeout(showSound, 100); }
    document.removeEventListener("pointerdown", firstGesture, true);
    document.removeEventListener("keydown", firstGesture, true);
  }
  document.addEventListener("pointerdown", firstGesture, true);
  document.addEventListener("keydown", firstGesture, true);

  // --- Desktop notifications: asked for on a click ---------------------------------------------
  function showNotify() {
    if (!notifyButton) { return; }
    if (!("Notification" in window)) {
      notifyButton.textContent = "Desktop alerts: not available";
      notifyButton.disabled = true;
      return;
    }
    var blocked = Notification.permission === "denied";
    var on = notifyOn && Notification.permission === "granted";
    notifyButton.textContent = blocked ? "Desktop alerts: blocked in the browser" : on ? "Desktop alerts: on" : "Desktop alerts: off";
    notifyButton.setAttribute("aria-pressed", on ? "true" : "false");
    notifyButton.classList.toggle("btn-success", on);
    notifyButton.classList.toggle("btn-outline-secondary", !on);
  }
  if (notifyButton) {
    notifyButton.addEventListener("click", function () {
      if (!("Notification" in window)) { return; }
      if (Notification.permission === "granted") {
        notifyOn = !notifyOn;
        remember("hv-board-notify", notifyOn);
        showNotify();
        return;
      }
      Notification.requestPermission().then(function (permission) {
        notifyOn = permission === "granted";
        remember("hv-board-notify", notifyOn);
        showNotify();
      });
    });
  }

  // Keep the keyboard where it was: each poll replaces the body, and with it the focused link or
  // button (htmx itself only restores elements that have an id).
  var focusKey = null;
  function keyOf(el) {
    var row = el.closest("[data-visit]");
    return [row ? row.getAttribute("data-visit") : "", el.tagName, el.getAttribute("href") || "",
      el.id || "", el.textContent.trim()].join("|");
  }
  // --- The conditional poll --------------------------------------------------------------------
  // Each poll sends the version of the board shown (safety.board_version); an unchanged board is
  // answered 304 with no body, which htmx would swap in as an empty board: keep the one shown, and
  // count it as an update (the board is known to be current, so it is not out of date).
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt !== live) { return; }
    var body = live.querySelector("[data-board-body]");
    if (body && body.dataset.version) { event.detail.headers["If-None-Match"] = '"' + body.dataset.version + '"'; }
  });
  function unchanged() {
    lastUpdate = Date.now();
    var checked = live.querySelector("[data-board-checked]");
    if (checked) { checked.textContent = londonTime(lastUpdate + skew); }
    tick();
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target === live && event.detail.xhr.status === 304) {
      event.detail.shouldSwap = false;
      focusKey = null;
      unchanged();
      return;
    }
    var active = document.activeElement;
    focusKey = (event.detail.target === live && active && active !== document.body && live.contains(active))
      ? keyOf(active) : null;
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== live) { return; }
    updated();
    if (focusKey && !live.contains(document.activeElement)) {
      var match = Array.prototype.find.call(live.querySelectorAll("a, button"), function (el) {
        return keyOf(el) === focusKey;
      });
      if (match) { match.focus({ preventScroll: true }); }
    }
  });
  updated();
  showSound();
  showNotify();
  window.setInterval(tick, 1000);
})();
