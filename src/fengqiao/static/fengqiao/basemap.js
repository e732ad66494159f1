// The base layer under every map: the configured tile layers (天地图 or an XYZ/WMTS URL) and,
// always, our own data for the view from the base-map endpoint (outlines with their names,
// roads, and at street zoom dwellings, places and organisations), so a map is never blank.
// Config: <script type="application/json" id="fq-map-config"> ({% map_config %}).
// window.fqBasemap(map, el) adds both to a Leaflet map; el.dataset.base counts what was drawn.
(function () {
  "use strict";
  var STYLES = {
    county: { color: "#5b6770", weight: 2.5, fill: false, dashArray: "8 5" },
    township: { color: "#5b6770", weight: 2, fillColor: "#eef1ea", fillOpacity: 0.6, dashArray: "6 4" },
    village: { color: "#7a8b76", weight: 1.5, fillColor: "#f6f7f1", fillOpacity: 0.35 },
    grid: { color: "#9aa89a", weight: 1, fillColor: "#f7f8f4", fillOpacity: 0.25, dashArray: "3 3" },
    micro: { color: "#b9c2b5", weight: 0.8, fill: false, dashArray: "2 3" },
    road: { color: "#ffffff", weight: 6, opacity: 1 },
    roadCasing: { color: "#b5a071", weight: 9, opacity: 1 }
  };
  var POINTS = {
    dwelling: { radius: 3, color: "#8d7b68", weight: 1, fillColor: "#d8cbb8", fillOpacity: 1 },
    place: { radius: 5, color: "#ffffff", weight: 1.5, fillColor: "#1c5d99", fillOpacity: 1 },
    organization: { radius: 5, color: "#ffffff", weight: 1.5, fillColor: "#6b8e23", fillOpacity: 1 }
  };
  // From which zoom each kind of name is written on the map.
  var LABEL_ZOOM = { county: 0, township: 9, village: 12, grid: 15, micro: 17, road: 14, place: 17, organization: 17 };

  function config() {
    var node = document.getElementById("fq-map-config");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (err) { return null; }
  }

  function label(text, at, layer) {
    var span = document.createElement("span");
    span.textContent = text;
    return L.marker(at, {
      pane: "fqLabels",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "fq-label fq-label-" + layer, html: span, iconSize: null })
    });
  }

  // An area's name placed at the centre of the view would hide under a picked point's pin.
  // Each kind moves its own distance down, so two names moved do not land on each other.
  var BELOW = { county: 24, township: 24, village: 40, grid: 58, micro: 76 };
  function offCentre(map, at, layer) {
    var centre = map.latLngToContainerPoint(map.getCenter());
    var p = map.latLngToContainerPoint(at);
    return p.distanceTo(centre) < 30 ? map.containerPointToLatLng(centre.add([0, BELOW[layer] || 40])) : at;
  }

  // Where a road's name goes: on the road, near the middle of the view but off the centre
  // (where a picked point's pin sits), so the names of the streets in view can be read.
  function roadLabelAt(map, geometry) {
    var lines = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
    var centre = map.latLngToLayerPoint(map.getCenter());
    var best = null;
    lines.forEach(function (line) {
      for (var i = 1; i < line.length; i++) {
        var a = map.latLngToLayerPoint([line[i - 1][1], line[i - 1][0]]);
        var b = map.latLngToLayerPoint([line[i][1], line[i][0]]);
        var p = L.LineUtil.closestPointOnSegment(centre, a, b);
        var d = p.distanceTo(centre);
        if (!best || d < best.d) { best = { d: d, p: p, a: a, b: b }; }
      }
    });
    if (!best) { return null; }
    // Towards the farther end of the segment, so a crossing at a vertex still moves away.
    var to = best.b.distanceTo(best.p) >= best.a.distanceTo(best.p) ? best.b : best.a;
    var room = to.distanceTo(best.p);
    if (room < 1) { return map.layerPointToLatLng(best.p); }
    var at = best.p.add(to.subtract(best.p).multiplyBy(Math.min(120, room) / room));
    return map.layerPointToLatLng(at);
  }

  window.fqBasemap = function (map, el) {
    var cfg = config() || {};
    var layers = cfg.layers || [];
    layers.forEach(function (t) {
      L.tileLayer(t.url, {
        subdomains: t.subdomains || "abc", minZoom: t.minZoom || 0, maxZoom: t.maxZoom || 19, attribution: t.attribution || ""
      }).addTo(map);
    });
    map.createPane("fqBase").style.zIndex = 250;
    map.createPane("fqLabels").style.zIndex = 390;  // under the pin (overlay pane, 400)
    map.getPane("fqLabels").style.pointerEvents = "none";
    var renderer = L.svg({ pane: "fqBase" });
    var group = L.layerGroup().addTo(map);
    var url = cfg.basemap || "/api/v1/basemap";
    var pending = null;
    var seq = 0;
    if (el) { el.classList.add(layers.length ? "has-tiles" : "own-base"); }

    function draw(data, zoom) {
      group.clearLayers();
      var drawn = 0, labels = 0;
      var roads = [];
      data.features.forEach(function (f) {
        var p = f.properties;
        var g = f.geometry;
        if (p.layer === "road") { roads.push(f); return; }
        if (POINTS[p.layer]) {
          var c = g.coordinates;
          var dot = L.circleMarker([c[1], c[0]], L.extend({ renderer: renderer, pane: "fqBase", interactive: false }, POINTS[p.layer]));
          group.addLayer(dot);
          drawn++;
          if (zoom >= (LABEL_ZOOM[p.layer] || 99)) { group.addLayer(label(p.name, [c[1], c[0]], p.layer)); labels++; }
          return;
        }
        group.addLayer(L.geoJSON(f, { style: STYLES[p.layer] || STYLES.grid, renderer: renderer, pane: "fqBase", interactive: false }));
        drawn++;
        if (p.at && zoom >= (LABEL_ZOOM[p.layer] || 99)) { group.addLayer(label(p.name, offCentre(map, p.at, p.layer), p.layer)); labels++; }
      });
      // Casings first, then the white road bodies, so crossings read as joined streets.
      [STYLES.roadCasing, STYLES.road].forEach(function (style) {
        roads.forEach(function (f) {
          group.addLayer(L.geoJSON(f, { style: style, renderer: renderer, pane: "fqBase", interactive: false }));
        });
      });
      if (zoom >= LABEL_ZOOM.road) {
        var named = {};
        var centre = map.getCenter();
        roads.map(function (f) { return { name: f.properties.name, at: roadLabelAt(map, f.geometry) }; })
          .filter(function (r) { return r.at && map.getBounds().contains(r.at); })
          .sort(function (a, b) { return a.at.distanceTo(centre) - b.at.distanceTo(centre); })
          .forEach(function (r) {
            if (named[r.name]) { return; }
            named[r.name] = true;
            group.addLayer(label(r.name, r.at, "road"));
            labels++;
          });
      }
      drawn += roads.length;
      if (el) { el.dataset.base = String(drawn); el.dataset.baseLabels = String(labels); }
    }

    function load() {
      var b = map.getBounds();
      var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
      var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
      if (!(west < east && south < north)) { return; }
      var zoom = Math.max(0, Math.min(22, Math.round(map.getZoom())));
      var query = "?bbox=" + [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(",") + "&zoom=" + zoom;
      var mine = ++seq;
      fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { if (mine === seq) { draw(data, zoom); } })
        .catch(function (err) { if (el) { el.dataset.baseError = String(err); } });
    }

    function schedule() {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(load, 150);
    }
    map.on("moveend", schedule);
    map.whenReady(schedule);
  };
})();
