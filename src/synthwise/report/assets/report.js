/* synthwise report: the only script. Filters the column charts and marks the page as rendered.
   The report is complete without it: every chart is static SVG. */
(function () {
  "use strict";

  function setup() {
    var input = document.getElementById("column-filter");
    var count = document.getElementById("filter-count");
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure.marginal"));

    function applyFilter() {
      var query = input ? input.value.trim().toLowerCase() : "";
      var shown = 0;
      figures.forEach(function (figure) {
        var name = (figure.getAttribute("data-column") || "").toLowerCase();
        var match = query === "" || name.indexOf(query) !== -1;
        figure.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) { count.textContent = query === "" ? "" : shown + " of " + figures.length + " columns"; }
    }

    if (input) { input.addEventListener("input", applyFilter); }

    /* a link to a column's chart (from the worst-columns table) clears a filter that would hide it */
    window.addEventListener("hashchange", function () {
      var target = document.getElementById(window.location.hash.slice(1));
      if (target && target.hidden && input) { input.value = ""; applyFilter(); target.scrollIntoView(); }
    });

    document.body.setAttribute("data-svg-count", String(document.querySelectorAll("svg").length));
    document.body.setAttribute("data-rendered", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
