// A party member's contact households (/m/visits/party/): each contact is queued in the
// phone's outbox (mobile.js) and sent to the API when there is signal; without the outbox
// the form posts the page.
(function () {
  "use strict";

  function showError(text) {
    var box = document.getElementById("form-error");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }

  document.querySelectorAll("form.party-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fqOutbox || !window.fqOutbox.add) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var clientId = String(data.get("client_id"));
      var payload = {
        client_id: clientId,
        household_id: parseInt(data.get("household_id"), 10),
        note: String(data.get("note") || "").trim()
      };
      showError("");
      window.fqOutbox.add({
        client_id: clientId, endpoint: form.dataset.endpoint, title: form.dataset.title, payload: payload
      }).then(function () {
        var card = form.closest("[data-household]");
        var last = card && card.querySelector(".last-contact");
        if (last) { last.textContent = form.dataset.queued || last.textContent; }
        form.reset();
        form.querySelector("input[name=client_id]").value = window.fqOutbox.newId();
        var box = form.closest("details");
        if (box) { box.open = false; }
      }).catch(function (err) { showError(String(err)); });
    });
  });
})();
