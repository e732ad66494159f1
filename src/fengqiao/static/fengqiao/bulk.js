// Queue pages: "select all" in the table head, the count of selected rows beside the bulk
// form, and the export of the selected rows. Delegated from the document, so rows swapped in by HTMX (filters) work too.
(function () {
  "use strict";
  function boxes() { return document.querySelectorAll("input[name=codes][form=bulk]"); }
  function recount() {
    var n = 0;
    boxes().forEach(function (b) { if (b.checked) { n += 1; } });
    var out = document.getElementById("bulk-count");
    if (out) { out.textContent = String(n); }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("pick-all")) {
      boxes().forEach(function (b) { b.checked = target.checked; });
    }
    if (target.matches && target.matches("input[name=codes], .pick-all")) { recount(); }
  });
  document.addEventListener("htmx:afterSwap", recount);

  // "Export selected": the case ledger of the checked rows (a download, not a step).
  var exportButton = document.getElementById("bulk-export");
  if (exportButton) {
    exportButton.hidden = false;
    exportButton.addEventListener("click", function () {
      var codes = [];
      boxes().forEach(function (b) { if (b.checked) { codes.push(b.value); } });
      if (!codes.length) { return; }
      window.location.assign(exportButton.dataset.url + "?codes=" + encodeURIComponent(codes.join(",")));
    });
  }
})();
