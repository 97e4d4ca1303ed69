// Visit plan form: show a field only when it applies. The family search, the chosen family's
// children and "Going with" are drawn again by the server (htmx attributes on those fields).
// Progressive enhancement: without JavaScript every field shows, "Find" reloads the form with the
// families found, and the server checks it all.
(function () {
  "use strict";
  function wrapper(name) { return document.getElementById("div_id_" + name); }
  function value(name) {
    var checked = document.querySelector("input[name='" + name + "']:checked");
    if (checked) { return checked.value; }
    var field = document.querySelector("[name='" + name + "']");
    return field ? field.value : "";
  }
  function show(name, on) {
    var el = wrapper(name);
    if (el) { el.hidden = !on; }
  }
  function refresh() {
    show("unannounced_reason", value("announced") === "False");   // R-INFORM
    show("purpose_other", value("purpose") === "other");            // R-REASON
    show("vehicle_owner", value("transport") === "car");            // R-VEHICLE
  }
  var form = document.querySelector("form[data-visit-form]");
  if (!form) { return; }
  form.addEventListener("change", refresh);
  // Enter in the family search searches (htmx's "search" event); it must not save the plan.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.hasAttribute("data-family-search")) {
      event.preventDefault();
    }
  });
  // With JavaScript the search runs as you type: the "Find" button is not needed.
  document.querySelectorAll("[data-find-family]").forEach(function (button) { button.hidden = true; });
  refresh();
})();
