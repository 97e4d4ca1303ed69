// The check-in page: the R-WAIT countdown from arrival to the school's max_wait_minutes.
// The server renders the seconds left, so a phone whose clock is wrong still counts correctly.
(function () {
  "use strict";
  var box = document.querySelector("[data-wait-countdown]");
  if (!box) { return; }
  var display = box.querySelector("[data-wait-display]");
  var over = box.querySelector("[data-wait-over]");
  var button = box.querySelector("[data-wait-button]");
  var deadline = Date.now() + parseInt(box.getAttribute("data-left-seconds"), 10) * 1000;

  // In words, never like a clock time: "19 min 58 s left" (as safety.presenters.wait_left_text says it).
  function words(left) {
    var mins = Math.floor(left / 60), secs = left % 60;
    return mins ? mins + " min " + secs + " s left" : secs + " s left";
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    display.textContent = words(left);
    if (left === 0) {
      over.hidden = false;
      button.classList.remove("btn-outline-warning", "text-dark");
      button.classList.add("btn-warning");
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();

// SOS (R-CODEWORD): held for 2 seconds (touch, mouse, or Space/Enter held on a keyboard), with the fill
// growing across the button; then a 3-second countdown that can still be cancelled; then the form is
// sent, and nothing on the phone can take it back. Without this script the page keeps its second-tap
// confirmation (the <details> form), which is the same form.
/* The phone's location with a check-in, an SOS or a PIN, for staff who opted in (safety.location):
   asked for at the moment of the tap only, never in between; a refusal or no fix within 4 seconds
   sends the check-in without it. */
(function () {
  "use strict";
  var page = document.querySelector("[data-share-location]");
  var WAIT_MS = 4000;
  window.HomeVisits = window.HomeVisits || {};

  function put(form, name, value) {
    var input = form.querySelector("input[name=" + name + "]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = String(value);
  }

  // Sent through static/js/offline-taps.js where it is on the page, which keeps it without signal.
  function submitNow(form) {
    (window.HomeVisits.sendForm || function (f) { f.submit(); })(form);
  }

  function submitWithLocation(form) {
    if (!page || !navigator.geolocation || form.dataset.located) { submitNow(form); return; }
    form.dataset.located = "1";
    var done = false;
    function go(position) {
      if (done) { return; }
      done = true;
      if (position && position.coords) {
        put(form, "location_lat", position.coords.latitude);
        put(form, "location_lon", position.coords.longitude);
        put(form, "location_accuracy", position.coords.accuracy);
      }
      submitNow(form);
    }
    var timer = window.setTimeout(function () { go(null); }, WAIT_MS);
    navigator.geolocation.getCurrentPosition(
      function (position) { window.clearTimeout(timer); go(position); },
      function () { window.clearTimeout(timer); go(null); },
      {enableHighAccuracy: true, timeout: WAIT_MS, maximumAge: 30000});
  }
  window.HomeVisits.submitWithLocation = submitWithLocation;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!page || form.dataset.located || !form.querySelector("input[name=kind]")) { return; }
    event.preventDefault();
    submitWithLocation(form);
  });
})();

(function () {
  "use strict";
  var box = document.querySelector("[data-sos]");
  if (!box) { return; }
  var fallback = box.querySelector("[data-sos-fallback]");
  var hold = box.querySelector("[data-sos-hold]");
  var form = box.querySelector("[data-sos-form]");
  var button = box.querySelector("[data-sos-button]");
  var fill = box.querySelector("[data-sos-fill]");
  var label = box.querySelector("[data-sos-label]");
  var countdown = box.querySelector("[data-sos-countdown]");
  var status = box.querySelector("[data-sos-status]");
  var cancel = box.querySelector("[data-sos-cancel]");
  var HOLD_MS = 2000, CANCEL_SECONDS = 3;
  var idle = label.textContent;
  var heldSince = null, frame = null, timer = null, left = 0, sent = false;

  fallback.hidden = true;
  hold.hidden = false;

  function setFill(part) { fill.style.transform = "scaleX(" + part + ")"; }

  function reset() {
    heldSince = null;
    if (frame) { window.cancelAnimationFrame(frame); frame = null; }
    setFill(0);
    label.textContent = idle;
  }

  function grow() {
    var part = Math.min(1, (Date.now() - heldSince) / HOLD_MS);
    setFill(part);
    if (part >= 1) { frame = null; heldSince = null; startCountdown(); return; }
    frame = window.requestAnimationFrame(grow);
  }

  function start(event) {
    if (sent || heldSince !== null || !countdown.hidden) { return; }
    if (event) { event.preventDefault(); }
    heldSince = Date.now();
    label.textContent = "Keep holding…";
    frame = window.requestAnimationFrame(grow);
  }

  function stop() {
    if (heldSince !== null) { reset(); }
  }

  function tick() {
    if (left <= 0) { send(); return; }
    status.textContent = "Sending SOS in " + left + " s";
    left -= 1;
    timer = window.setTimeout(tick, 1000);
  }

  function startCountdown() {
    label.textContent = "SOS";
    button.disabled = true;
    countdown.hidden = false;
    left = CANCEL_SECONDS;
    tick();
    cancel.focus();
  }

  function send() {
    sent = true;
    countdown.hidden = true;
    label.textContent = "Sending…";
    (window.HomeVisits && window.HomeVisits.submitWithLocation || function (f) { f.submit(); })(form);
  }

  cancel.addEventListener("click", function () {
    if (sent) { return; }
    window.clearTimeout(timer);
    countdown.hidden = true;
    button.disabled = false;
    reset();
    button.focus();
  });

  button.addEventListener("pointerdown", function (event) {
    if (event.button !== undefined && event.button !== 0) { return; }
    if (button.setPointerCapture) { button.setPointerCapture(event.pointerId); }
    start(event);
  });
  ["pointerup", "pointercancel", "lostpointercapture"].forEach(function (name) {
    button.addEventListener(name, stop);
  });
  button.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  button.addEventListener("keydown", function (event) {
    if (event.key !== " " && event.key !== "Enter") { return; }
    event.preventDefault();
    if (!event.repeat) { start(); }
  });
  button.addEventListener("keyup", function (event) {
    if (event.key === " " || event.key === "Enter") { stop(); }
  });
  button.addEventListener("blur", stop);
})();
