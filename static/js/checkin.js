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

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    display.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
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
