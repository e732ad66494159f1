// A <select class="autosubmit"> submits its form when changed (no inline handlers: CSP).
document.addEventListener("change", function (event) {
  "use strict";
  var field = event.target;
  if (field.classList && field.classList.contains("autosubmit") && field.form) {
    field.form.submit();
  }
});
