// Draws the outline and child polygons of a region or grid page over the base layer (basemap.js).
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { return; }
  if (typeof L === "undefined") {
    el.textContent = el.dataset.missing || "Map library not installed (run make demo).";
    return;
  }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: true });
  if (window.fqBasemap) { window.fqBasemap(map, el); }
  var palette = ["#0b6e4f", "#1c5d99", "#b3261e", "#8e44ad", "#c47f00", "#2d7d9a", "#6b8e23", "#a0522d"];
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var i = 0;
      var layer = L.geoJSON(data, {
        style: function (f) {
          if (f.properties.role === "outline") {
            return { color: "#333", weight: 2.5, fill: false, dashArray: "6 4" };
          }
          var c = palette[i++ % palette.length];
          return { color: c, weight: 1.5, fillColor: c, fillOpacity: 0.12 };
        },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(f.properties.name + " " + f.properties.code, { sticky: true });
          if (f.properties.role === "child") {
            lyr.on("click", function () { window.location.href = f.properties.url; });
          }
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([27.5, 110.0], 9); }
      el.dataset.loaded = String(data.features.length);
    })
    .catch(function (err) { el.dataset.error = String(err); el.textContent = "Map data could not be loaded: " + err; });
})();
