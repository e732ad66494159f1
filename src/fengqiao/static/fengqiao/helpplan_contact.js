// Grid app help plans (/m/visits/help/): a contact is queued in the phone's outbox (mobile.js)
// and sent to the API when there is signal, with a client id made on the page, so it is
// recorded once however often it is sent. The outbox title names the person, never the kind.
(function () {
  "use strict";
  var forms = document.querySelectorAll(".help-contact-form");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fqOutbox || !window.fqOutbox.add) { return; }  // no outbox: post the page
      event.preventDefault();
      var data = new FormData(form);
      var clientId = String(data.get("client_id"));
      var button = form.querySelector("button");
      button.disabled = true;
      window.fqOutbox.add({
        client_id: clientId,
        endpoint: form.dataset.endpoint,
        title: form.dataset.title,
        payload: {
          mode: String(data.get("mode") || "visit"),
          note: String(data.get("note") || "").trim(),
          done_at: new Date().toISOString(),
          client_id: clientId
        }
      }).then(function () {
        form.reset();
        form.querySelector("input[name=client_id]").value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now());
        form.querySelector(".queued-note").hidden = false;
      }).then(function () { button.disabled = false; }, function () { button.disabled = false; });
    });
  });
})();
