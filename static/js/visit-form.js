// Visit plan form: show a field only when it applies, and only the chosen family's children.
// Progressive enhancement: without JavaScript every field shows and the server checks it all.
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
    var family = document.getElementById("id_family");
    if (family && !family.disabled) {
      var option = family.options[family.selectedIndex];
      var name = option && option.value ? option.text : "";
      document.querySelectorAll("input[name='children']").forEach(function (box) {
        var holder = box.closest(".form-check") || box.parentElement;
        var label = holder.textContent.trim();
        holder.hidden = name !== "" && label.slice(-(name.length + 2)) !== "(" + name + ")";
        if (holder.hidden) { box.checked = false; }
      });
    }
  }
  var form = document.querySelector("form[data-visit-form]");
  if (!form) { return; }
  form.addEventListener("change", refresh);
  refresh();
})();
