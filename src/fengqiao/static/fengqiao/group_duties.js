// The group head's page (/m/visits/group/): marking a notice read or passed on, relaying a
// household's report and confirming a meeting are queued in the phone's outbox (mobile.js)
// and sent to the API when there is signal; without the outbox the forms post the page.
(function () {
  "use strict";

  function showError(text) {
    var box = document.getElementById("form-error");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }

  function queue(rec) {
    return window.fqOutbox.add(rec).catch(function (err) { showError(String(err)); });
  }

  document.querySelectorAll("form.receipt-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fqOutbox || !window.fqOutbox.add) { return; }
      event.preventDefault();
      var action = (event.submitter && event.submitter.value) || "relayed";
      var relayed = action === "relayed";
      var card = form.closest("[data-receipt]");
      queue({
        client_id: "receipt-" + card.dataset.receipt + "-" + action,
        endpoint: relayed ? form.dataset.endpointRelayed : form.dataset.endpointRead,
        title: form.dataset.title,
        payload: {}
      }).then(function () {
        var badge = card.querySelector(".badge.state");
        if (badge && event.submitter) { badge.textContent = event.submitter.textContent; }
        if (relayed) { form.remove(); } else if (event.submitter) { event.submitter.remove(); }
      });
    });
  });

  document.querySelectorAll("form.duty-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fqOutbox || !window.fqOutbox.add) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var clientId = String(data.get("client_id"));
      var payload = { client_id: clientId };
      if (data.get("action") === "report") {
        payload.household_id = parseInt(data.get("household_id"), 10);
        payload.category = String(data.get("category") || "");
        payload.title = String(data.get("title") || "").trim();
        payload.description = String(data.get("description") || "").trim();
      } else {
        payload.held_on = String(data.get("held_on") || "");
        payload.topic = String(data.get("topic") || "").trim();
        payload.attended = data.getAll("attended").map(function (v) { return parseInt(v, 10); });
      }
      showError("");
      queue({ client_id: clientId, endpoint: form.dataset.endpoint, title: form.dataset.title, payload: payload })
        .then(function () {
          form.reset();
          form.querySelector("input[name=client_id]").value = window.fqOutbox.newId();
          var box = form.closest("details");
          if (box) { box.open = false; }
        });
    });
  });
})();
