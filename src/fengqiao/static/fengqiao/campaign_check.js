// Grid app campaigns (/m/visits/campaigns/): ticking an item queues its check in the phone's
// outbox (mobile.js) with the client id made by the page, and marks the card done at once, so
// many items can be ticked with no signal; the outbox sends them once when there is signal.
(function () {
  "use strict";

  var ENDPOINT = /^\/api\/v1\/campaign-items\/(\d+)\/check$/;

  function mark(card, label) {
    card.classList.add("ticked");
    var state = card.querySelector(".state");
    state.textContent = label;
    state.hidden = false;
    Array.prototype.forEach.call(card.querySelectorAll("button, input, select"), function (el) { el.disabled = true; });
  }

  function labelOf(card, result) {
    var button = card.querySelector("button[value=" + result + "]");
    return button ? button.textContent : result;
  }

  function showError(card, text) {
    var box = card.querySelector(".form-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  var cards = document.querySelectorAll("form.check-card");
  Array.prototype.forEach.call(cards, function (card) {
    card.addEventListener("submit", function (event) {
      if (!window.fqOutbox || !window.fqOutbox.add) { return; }  // no outbox: post the page
      event.preventDefault();
      var result = (event.submitter && event.submitter.value) || "done";
      var data = new FormData(card);
      var category = String(data.get("case_category") || "");
      var caseTitle = String(data.get("case_title") || "").trim();
      if (result === "problem" && (!category || !caseTitle)) {
        card.querySelector("details.raise-case").open = true;
        showError(card, card.dataset.needCase);
        return;
      }
      showError(card, "");
      var answers = {};
      Array.prototype.forEach.call(card.querySelectorAll("input[name=yes]"), function (box) {
        answers[box.value] = box.checked;
      });
      var payload = {
        result: result,
        answers: answers,
        note: String(data.get("note") || "").trim(),
        checked_at: new Date().toISOString(),
        client_id: String(data.get("client_id")),
        case_category: result === "problem" ? category : "",
        case_title: result === "problem" ? caseTitle : ""
      };
      mark(card, labelOf(card, result));
      window.fqOutbox.add({
        client_id: payload.client_id,
        endpoint: card.dataset.endpoint,
        title: card.dataset.title,
        category_label: payload.case_title,
        payload: payload
      }).catch(function (err) { showError(card, String(err)); });
    });
  });

  // A check still on the phone (not yet sent, or sent) keeps its card ticked after a reload.
  if (window.fqOutbox && window.fqOutbox.all) {
    window.fqOutbox.all().then(function (list) {
      (list || []).forEach(function (rec) {
        var found = ENDPOINT.exec(rec.endpoint || "");
        var card = found && document.querySelector("form.check-card[data-item='" + found[1] + "']");
        if (card && rec.state !== "failed") { mark(card, labelOf(card, rec.payload.result)); }
      });
    });
  }
})();
