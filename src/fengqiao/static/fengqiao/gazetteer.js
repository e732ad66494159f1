// Address search on a map that takes a point (_map_search.html): typing asks the gazetteer
// endpoint for suggestions near the map's centre; picking one sets the point exactly as a tap
// on the map would (case_map.js's el.fqSetPoint: fills the lat/lng fields, pans, draws the pin).
(function () {
  "use strict";

  function config() {
    var node = document.getElementById("fq-map-config");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (err) { return {}; }
  }

  function setup(box, cfg) {
    var input = box.querySelector("input");
    var list = box.querySelector("ul");
    var mapEl = document.getElementById(box.dataset.map);
    var words = cfg.words || {};
    var hits = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function mark(i) {
      var items = list.querySelectorAll("li[role=option]");
      for (var k = 0; k < items.length; k++) { items[k].setAttribute("aria-selected", k === i ? "true" : "false"); }
      active = i;
      if (items[i]) { input.setAttribute("aria-activedescendant", items[i].id); }
    }

    function pick(i) {
      var hit = hits[i];
      if (!hit) { return; }
      input.value = hit.name;
      close();
      if (mapEl && mapEl.fqSetPoint) { mapEl.fqSetPoint(hit.lat, hit.lng); }
      box.dataset.picked = hit.lat.toFixed(6) + "," + hit.lng.toFixed(6);
    }

    function note(text) {
      list.textContent = "";
      var li = document.createElement("li");
      li.className = "map-search-note";
      li.textContent = text;
      list.appendChild(li);
      list.hidden = false;
    }

    function show(found) {
      hits = found;
      list.textContent = "";
      if (!found.length) { note(words.none || "Nothing found."); return; }
      found.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = "map-search-hit-" + i;
        li.setAttribute("role", "option");
        var name = document.createElement("span");
        name.className = "hit-name";
        name.textContent = hit.name;
        var where = document.createElement("span");
        where.className = "hit-where";
        where.textContent = hit.kind_label + (hit.area ? " · " + hit.area : "");
        li.appendChild(name);
        li.appendChild(where);
        // mousedown, not click: it comes before the input's blur closes the list.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(-1);
    }

    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var params = "?limit=8&q=" + encodeURIComponent(q);
      var map = mapEl && mapEl.fqMap;
      if (map) {
        var c = map.getCenter();
        params += "&near=" + c.lat.toFixed(5) + "," + c.lng.toFixed(5);
      }
      var mine = ++seq;
      fetch((cfg.gazetteer || "/api/v1/gazetteer") + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.json().then(function (body) {
            if (!r.ok) { throw new Error(body.message || r.status); }
            return body;
          });
        })
        .then(function (found) { if (mine === seq) { show(found); } })
        .catch(function (err) { if (mine === seq) { note((words.failed || "%(error)s").replace("%(error)s", err.message)); } });
    }

    input.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden || !hits.length) { return; }
        e.preventDefault();
        var step = e.key === "ArrowDown" ? 1 : -1;
        mark((active + step + hits.length) % hits.length);
      } else if (e.key === "Enter") {
        // Enter in the search box picks a place; it never submits the report form.
        e.preventDefault();
        if (!list.hidden && hits.length) { pick(active >= 0 ? active : 0); }
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  var boxes = document.querySelectorAll(".map-search");
  if (!boxes.length) { return; }
  var cfg = config();
  for (var i = 0; i < boxes.length; i++) { setup(boxes[i], cfg); }
})();
