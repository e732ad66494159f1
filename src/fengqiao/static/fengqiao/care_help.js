// Grid app care needs (/m/visits/care/): "record help" is queued in the phone's outbox
// (mobile.js) and sent to the need's help endpoint when there is signal, with a client id
// made on the page, so the help is recorded once however often it is sent.
(function () {
  "use strict";

  Array.prototype.forEach.call(document.querySelectorAll("form.help-form"), function (form) {
    var box = form.querySelector(".form-error");
    function showError(text) { box.textContent = text || ""; box.hidden = !text; }
    form.addEventListener("submit", function (event) {
      if (!window.fqOutbox || !window.fqOutbox.add) { return; }  // no outbox: post the page
      event.preventDefault();
      var data = new FormData(form);
      var what = String(data.get("what") || "").trim();
      if (!what) { showError(form.dataset.needWhat); return; }
      var clientId = String(data.get("client_id"));
      var payload = { what: what, client_id: clientId, given_on: new Date().toISOString().slice(0, 10) };
      var cost = String(data.get("cost") || "").trim();
      if (cost) { payload.cost = cost; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      showError("");
      window.fqOutbox.add({
        client_id: clientId,
        endpoint: form.dataset.endpoint,
        title: form.dataset.title,
        payload: payload
      }).then(function () {
        form.reset();
        form.querySelector("input[name=client_id]").value = window.fqOutbox.newId();
      }).catch(function (err) { showError(String(err)); }).then(function () { button.disabled = false; });
    });
  });
})();
