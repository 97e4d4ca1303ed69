// Home Visits: our own scripts. No inline scripts anywhere, so a strict Content Security Policy holds.
(function () {
  "use strict";
  // Send Django's CSRF token with every htmx request.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });
})();
