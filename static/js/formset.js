// "Add another" for inline formsets: copies the formset's empty form from a <template> and bumps
// its TOTAL_FORMS. Markup: <div data-formset-rows="PREFIX">, <template id="PREFIX-template">,
// <button data-formset-add="PREFIX">. Without JavaScript, saving gives a new blank row instead.
(function () {
  "use strict";
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    var prefix = button.getAttribute("data-formset-add");
    var template = document.getElementById(prefix + "-template");
    var rows = document.querySelector("[data-formset-rows='" + prefix + "']");
    var total = document.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    if (!template || !rows || !total) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      var first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select");
      if (first) { first.focus(); }
    });
  });
})();
