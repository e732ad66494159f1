// Grid app visits (/m/visits/): the visit form, with its photos, is queued in the phone's outbox
// (mobile.js) and sent to the API when there is signal, with a client id made on the page, so a
// visit is recorded once however often it is sent; its photos follow to the visit's photos_url. The due list can be re-sorted nearest first.
(function () {
  "use strict";

  function locate(onFound, onFailed) {
    if (!navigator.geolocation) { onFailed(); return; }
    navigator.geolocation.getCurrentPosition(onFound, onFailed, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  var sortButton = document.getElementById("sort-near");
  if (sortButton) {
    sortButton.addEventListener("click", function () {
      sortButton.textContent = sortButton.dataset.locating;
      locate(function (pos) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
        url.searchParams.set("lng", pos.coords.longitude.toFixed(6));
        window.location.assign(url.toString());
      }, function () { sortButton.textContent = sortButton.dataset.failed; });
    });
  }

  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var gps = document.getElementById("gps-state");
  var accuracy = null;
  locate(function (pos) {
    document.getElementById("id_lat").value = pos.coords.latitude.toFixed(6);
    document.getElementById("id_lng").value = pos.coords.longitude.toFixed(6);
    accuracy = Math.round(pos.coords.accuracy || 0);
    if (gps) { gps.textContent = (gps.dataset.found || "").replace("%(m)s", accuracy); }
  }, function () { if (gps) { gps.textContent = gps.dataset.failed || ""; } });

  var photo = document.getElementById("id_photos");
  var preview = document.getElementById("photo-preview");
  var MAX_PHOTOS = 10;  // fieldwork.photos.MAX_VISIT_PHOTOS
  function showPreview() {
    preview.textContent = "";
    Array.prototype.forEach.call(photo.files, function (f) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(f);
      img.alt = f.name;
      preview.appendChild(img);
    });
  }
  if (photo && preview) { photo.addEventListener("change", showPreview); }

  function showError(text) {
    var box = document.getElementById("form-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  form.addEventListener("submit", function (event) {
    if (!window.fqOutbox || !window.fqOutbox.add) { return; }  // no outbox: post the page
    event.preventDefault();
    var data = new FormData(form);
    var category = String(data.get("case_category") || "");
    var caseTitle = String(data.get("case_title") || "").trim();
    if (category && !caseTitle) { showError(form.dataset.needCaseTitle); return; }
    var needKind = String(data.get("need_kind") || "");
    var needDetail = String(data.get("need_detail") || "").trim();
    if (needKind && !needDetail) { showError(form.dataset.needDetail); return; }
    var photos = photo ? Array.prototype.slice.call(photo.files) : [];
    if (photos.length > MAX_PHOTOS) { showError(form.dataset.tooManyPhotos); return; }
    var lat = parseFloat(data.get("lat")), lng = parseFloat(data.get("lng"));
    var clientId = String(data.get("client_id"));
    var payload = {
      target: form.dataset.target,
      target_id: parseInt(form.dataset.targetId, 10),
      purpose: String(data.get("purpose") || "routine"),
      findings: String(data.get("findings") || "").trim(),
      people: data.getAll("people").map(function (v) { return parseInt(v, 10); }),
      visited_at: new Date().toISOString(),
      client_id: clientId,
      case_category: category,
      case_title: caseTitle,
      need_kind: needKind,
      need_detail: needDetail
    };
    if (isFinite(lat) && isFinite(lng)) {
      payload.lat = lat;
      payload.lng = lng;
      if (accuracy !== null) { payload.accuracy_m = accuracy; }
    }
    var button = document.getElementById("submit-visit");
    button.disabled = true;
    showError("");
    window.fqOutbox.add({
      client_id: clientId,
      endpoint: form.dataset.endpoint,
      title: form.dataset.title,
      category_label: category ? caseTitle : "",
      payload: payload,
      photos: photos,
      photo_field: "photos"
    }).then(function () {
      form.reset();
      if (preview) { preview.textContent = ""; }
      // A new id for another visit from this page; the one sent stays with its record.
      form.querySelector("input[name=client_id]").value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now());
    }).catch(function (err) { showError(String(err)); }).then(function () { button.disabled = false; });
  });
})();
