// Case maps: a pin for a case page, or a picker that writes a tapped point into lat/lng inputs,
// over the base layer of basemap.js.
// <div class="case-map" data-lat data-lng data-outline="<json_script id>"
//      data-pick="1" data-lat-input="<id>" data-lng-input="<id>" data-center-lat data-center-lng>
// A picker exposes el.fqSetPoint(lat, lng) and fires "fq:point". With data-gps-button="<id>"
// and data-gps-state="<id>" it finds the phone's position (at once when data-gps-auto="1" and
// no point is set); the state element carries the messages in data-locating/-found/-failed/-tapped.
(function () {
  "use strict";

  function num(v) {
    var n = parseFloat(v);
    return isFinite(n) ? n : null;
  }

  function setup(el) {
    var pick = el.dataset.pick === "1";
    var latInput = pick ? document.getElementById(el.dataset.latInput) : null;
    var lngInput = pick ? document.getElementById(el.dataset.lngInput) : null;
    var map = null;
    var pin = null;

    function draw(lat, lng) {
      if (!map) { return; }
      if (pin) {
        pin.setLatLng([lat, lng]);
      } else {
        pin = L.circleMarker([lat, lng], {
          radius: 9, color: "#fff", weight: 3, fillColor: "#b3261e", fillOpacity: 1
        }).addTo(map);
      }
    }

    el.fqSetPoint = function (lat, lng, opts) {
      if (latInput) { latInput.value = lat.toFixed(6); }
      if (lngInput) { lngInput.value = lng.toFixed(6); }
      if (map && !(opts && opts.keepView)) { map.setView([lat, lng], Math.max(map.getZoom() || 0, 16), { animate: false }); }
      draw(lat, lng);
      el.dataset.point = lat.toFixed(6) + "," + lng.toFixed(6);
      el.dispatchEvent(new CustomEvent("fq:point", { detail: { lat: lat, lng: lng } }));
    };

    setupGps(el);
    if (typeof L === "undefined") {
      el.classList.add("nomap");
      el.textContent = el.dataset.missing || "";
      el.dataset.ready = "0";
      return;
    }
    map = L.map(el, { zoomSnap: 0.25 });
    if (window.fqBasemap) { window.fqBasemap(map, el); }
    var outline = null;
    var source = el.dataset.outline && document.getElementById(el.dataset.outline);
    if (source) {
      try {
        outline = L.geoJSON(JSON.parse(source.textContent), {
          style: { color: "#1c5d99", weight: 2, fillColor: "#1c5d99", fillOpacity: 0.08, dashArray: "6 4" },
          interactive: false
        }).addTo(map);
      } catch (err) { outline = null; }
    }
    var lat = num(el.dataset.lat), lng = num(el.dataset.lng);
    if (pick && latInput && lngInput && num(latInput.value) !== null && num(lngInput.value) !== null) {
      lat = num(latInput.value); lng = num(lngInput.value);
    }
    if (lat !== null && lng !== null) {
      map.setView([lat, lng], 16);  // before the pin: Leaflet draws nothing on a map with no view
      draw(lat, lng);
    } else if (outline && outline.getBounds().isValid()) {
      map.fitBounds(outline.getBounds(), { padding: [8, 8] });
    } else if (num(el.dataset.centerLat) !== null) {
      map.setView([num(el.dataset.centerLat), num(el.dataset.centerLng)], 14);
    } else {
      map.setView([27.5, 110.0], 9);
    }
    if (pick) {
      el.classList.add("picking");
      map.on("click", function (e) { el.fqSetPoint(e.latlng.lat, e.latlng.lng, { keepView: true }); });
      var typed = function () {
        var a = num(latInput.value), b = num(lngInput.value);
        if (a === null || b === null) { return; }
        // The first pin makes Leaflet build its vector layer, which can scroll the page; keep
        // the page still, or the click that blurred the field misses the button under it.
        var x = window.scrollX, y = window.scrollY;
        draw(a, b);
        map.panTo([a, b], { animate: false });
        window.scrollTo(x, y);
      };
      if (latInput) { latInput.addEventListener("change", typed); }
      if (lngInput) { lngInput.addEventListener("change", typed); }
    }
    // A map laid out while hidden (tabs, collapsed sections) needs to measure itself again.
    window.addEventListener("resize", function () { map.invalidateSize(); });
    el.fqMap = map;
    el.dataset.ready = "1";
  }

  function setupGps(el) {
    var button = el.dataset.gpsButton && document.getElementById(el.dataset.gpsButton);
    var state = el.dataset.gpsState && document.getElementById(el.dataset.gpsState);
    var fromGps = false;
    function say(key, meters) {
      if (!state) { return; }
      state.textContent = (state.dataset[key] || "").replace("%(m)s", meters === undefined ? "" : meters);
      state.dataset.state = key;
    }
    function locate() {
      if (!navigator.geolocation) { say("failed"); return; }
      say("locating");
      navigator.geolocation.getCurrentPosition(function (pos) {
        fromGps = true;
        el.fqSetPoint(pos.coords.latitude, pos.coords.longitude);
        fromGps = false;
        say("found", Math.round(pos.coords.accuracy || 0));
      }, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }
    el.addEventListener("fq:point", function () { if (!fromGps) { say("tapped"); } });
    if (button) { button.addEventListener("click", locate); }
    var latInput = document.getElementById(el.dataset.latInput || "");
    if (el.dataset.gpsAuto === "1" && !(latInput && latInput.value)) { locate(); }
    el.fqLocate = locate;
  }

  var maps = document.querySelectorAll(".case-map");
  for (var i = 0; i < maps.length; i++) { setup(maps[i]); }
})();
