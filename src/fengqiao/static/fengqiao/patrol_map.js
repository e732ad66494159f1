// A patrol on the workbench: its track and check-ins over the base layer (basemap.js).
// <div id="patrol-map" data-drawing="<json_script id>">; sets data-drawn when done.
(function () {
  "use strict";
  var el = document.getElementById("patrol-map");
  if (!el || typeof L === "undefined") { return; }
  var drawing = JSON.parse(document.getElementById(el.dataset.drawing).textContent);
  var map = L.map(el, { zoomSnap: 0.25 });
  if (window.fqBasemap) { window.fqBasemap(map, el); }
  var layers = [];
  if (drawing.track.length) {
    layers.push(L.polyline(drawing.track, { color: "#1f5fa8", weight: 4, opacity: 0.85 }).addTo(map));
    layers.push(L.circleMarker(drawing.track[0], { radius: 6, color: "#fff", weight: 2, fillColor: "#0b6e4f", fillOpacity: 1 }).addTo(map).bindTooltip(el.dataset.start || "start"));
    layers.push(L.circleMarker(drawing.track[drawing.track.length - 1], { radius: 6, color: "#fff", weight: 2, fillColor: "#52606d", fillOpacity: 1 }).addTo(map).bindTooltip(el.dataset.end || "end"));
  }
  drawing.check_ins.forEach(function (c) {
    layers.push(L.circleMarker([c.lat, c.lng], {
      radius: 8, color: "#fff", weight: 2, fillColor: c.problem ? "#b3261e" : "#c47f00", fillOpacity: 1
    }).addTo(map).bindTooltip(c.label || "", { permanent: true, direction: "right", offset: [8, 0] }));
  });
  var bounds = L.featureGroup(layers).getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 }); } else { map.setView([27.5, 110.0], 9); }
  el.dataset.drawn = String(drawing.track.length);
})();
