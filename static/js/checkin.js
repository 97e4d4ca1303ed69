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
