// The resident's report form (/h5/report/): the group picker shows that group's categories
// (choosing the first when it has only one), and once a group and a point are set the open
// public cases of that group near the point are fetched into #nearby for "me too".
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var map = document.getElementById("case-map");
  var nearby = document.getElementById("nearby");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var sets = form.querySelectorAll(".group-categories");

  function chosenGroup() {
    var picked = form.querySelector("input[name=group]:checked");
    return picked ? picked.value : "";
  }

  function showGroup() {
    var group = chosenGroup();
    for (var i = 0; i < sets.length; i++) {
      var mine = sets[i].dataset.group === group;
      sets[i].hidden = !mine;
      var radios = sets[i].querySelectorAll("input[name=category]");
      for (var j = 0; j < radios.length; j++) {
        radios[j].disabled = !mine;
        if (!mine) { radios[j].checked = false; }
      }
      if (mine && radios.length && !sets[i].querySelector("input:checked")) { radios[0].checked = true; }
    }
    var tiles = form.querySelectorAll(".group-tile");
    for (var k = 0; k < tiles.length; k++) { tiles[k].classList.toggle("chosen", tiles[k].dataset.group === group); }
  }

  function fetchNearby() {
    var group = chosenGroup();
    if (!group || !lat.value || !lng.value) { return; }
    var url = form.dataset.nearbyUrl + "?" + new URLSearchParams({ group: group, lat: lat.value, lng: lng.value });
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { nearby.innerHTML = html; nearby.dataset.loaded = group + "@" + lat.value + "," + lng.value; });
  }

  form.addEventListener("change", function (e) {
    if (e.target.name === "group") { showGroup(); fetchNearby(); }
  });
  if (map) { map.addEventListener("fq:point", fetchNearby); }
  showGroup();
  fetchNearby();
})();
