// Follow the system's light or dark preference with Material's own palettes.
// Loaded without defer as the body's first child, so a dark screen never paints the
// light palette first (no flash, no colour transition running on every page load).
(function () {
  "use strict";
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.body.setAttribute("data-md-color-scheme", query.matches ? "slate" : "default");
  }
  apply();
  if (query.addEventListener) { query.addEventListener("change", apply); }
})();
