// Risk assessment page: show each hazard's risk level as it is chosen, and add hazard rows.
// The matrix mirrors safety.models.risk_level (policy 001 appendix 1); the server is the authority.
(function () {
  "use strict";
  var LEVELS = { low: "Low risk", medium: "Medium risk", high: "High risk" };

  function level(severity, likelihood) {
    var score = severity * likelihood;
    if (score >= 6) { return "high"; }
    if (score >= 3) { return "medium"; }
    return "low";
  }

  function update(card) {
    var sev = card.querySelector("select[name$='-severity']");
    var lik = card.querySelector("select[name$='-likelihood']");
    var badge = card.querySelector("[data-risk-level]");
    if (!sev || !lik || !badge) { return; }
    var s = parseInt(sev.value, 10), l = parseInt(lik.value, 10);
    if (!s || !l) { return; }
    var lv = level(s, l);
    badge.className = "badge fs-6 risk-" + lv;
    badge.textContent = LEVELS[lv];
  }

  document.addEventListener("change", function (event) {
    var card = event.target.closest("[data-hazard]");
    if (card) { update(card); }
  });

  var add = document.querySelector("[data-add-hazard]");
  var template = document.getElementById("hazard-template");
  var total = document.querySelector("input[name='hazards-TOTAL_FORMS']");
  if (add && template && total) {
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      document.getElementById("hazard-forms").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  }
  document.querySelectorAll("[data-hazard]").forEach(update);
})();
