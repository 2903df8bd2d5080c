// Follow the system's light or dark preference with Material's own palettes.
(function () {
  "use strict";
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.body.setAttribute("data-md-color-scheme", query.matches ? "slate" : "default");
  }
  function start() {
    apply();
    if (query.addEventListener) { query.addEventListener("change", apply); }
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
