// Grid app patrol (/m/visits/patrol/): Start keeps the patrol in localStorage (it survives a
// reload and needs no signal) and follows the GPS with watchPosition; "Check in here" lists
// the places and facilities of the page, nearest first, and may take photos (scaled down and
// kept with the patrol); Stop puts the whole patrol into the phone's outbox (mobile.js), sent
// once to /api/v1/patrols when there is signal, its photos after it.
(function () {
  "use strict";
  var KEY = "fq-patrol";
  var MAX_ACCURACY = 100;     // metres; worse points are kept but not counted in the distance
  var MIN_STEP_M = 5;         // a new point when the phone moved this far…
  var MIN_STEP_S = 30;        // …or this long after the last one
  var MAX_POINTS = 20000;
  var MAX_PHOTOS = 10;        // a patrol's photos go up in one request (fieldwork.photos.MAX_UPLOAD)
  var MAX_CHECK_IN_PHOTOS = 5;
  var PHOTO_EDGE = 1280;      // photos are scaled down to fit the phone's storage while it walks
  var panel = document.getElementById("patrol");
  if (!panel) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var targets = JSON.parse(($("patrol-targets") || {}).textContent || "[]");
  var state = load();
  var watchId = null, timer = null, lastFix = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (err) { return null; }
  }
  function save() { localStorage.setItem(KEY, JSON.stringify(state)); }
  function newId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : "p-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }

  function haversine(a, b) {
    var R = 6371008.8, rad = Math.PI / 180;
    var dp = (b[0] - a[0]) * rad, dl = (b[1] - a[1]) * rad;
    var h = Math.pow(Math.sin(dp / 2), 2) + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * R * Math.asin(Math.sqrt(h));
  }
  function distance(points) {
    var good = points.filter(function (p) { return p[3] === null || p[3] <= MAX_ACCURACY; });
    var sum = 0;
    for (var i = 1; i < good.length; i++) { sum += haversine(good[i - 1], good[i]); }
    return sum;
  }
  function seconds() { return state ? (Date.now() - Date.parse(state.started_at)) / 1000 : 0; }
  function clockText(s) {
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }
  function metresText(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(2) + " km"; }

  function render() {
    var running = !!state;
    panel.dataset.state = running ? "running" : "idle";
    $("patrol-start").hidden = running;
    if ($("patrol-shift-box")) { $("patrol-shift-box").hidden = running; }
    $("patrol-running").hidden = !running;
    $("patrol-elapsed").textContent = clockText(seconds());
    $("patrol-distance").textContent = metresText(running ? distance(state.points) : 0);
    $("patrol-points").textContent = running ? String(state.points.length) : "0";
    var list = $("patrol-checkins");
    list.textContent = "";
    (running ? state.check_ins : []).forEach(function (c, i) {
      var li = document.createElement("li");
      li.className = c.result;
      var shots = (state.photos || []).filter(function (p) { return p.check_in === i; }).length;
      li.textContent = new Date(c.at).toLocaleTimeString() + " · " + c.label +
        (c.result === "problem" ? " · " + panel.dataset.problem + (c.case_title ? ": " + c.case_title : "") : " ✓") +
        (shots ? " · " + (panel.dataset.photoCount || "%(n)s").replace("%(n)s", shots) : "");
      list.appendChild(li);
    });
  }

  function onPosition(pos) {
    if (!state) { return; }
    var c = pos.coords;
    lastFix = [c.latitude, c.longitude];
    var point = [+c.latitude.toFixed(6), +c.longitude.toFixed(6), Math.round(seconds() * 10) / 10, Math.round(c.accuracy || 0)];
    var last = state.points[state.points.length - 1];
    if (!last || haversine(last, point) >= MIN_STEP_M || point[2] - last[2] >= MIN_STEP_S) {
      if (state.points.length < MAX_POINTS) { state.points.push(point); save(); }
    }
    $("patrol-gps").textContent = "±" + Math.round(c.accuracy || 0) + " m";
    render();
  }

  function follow() {
    if (timer === null) { timer = setInterval(function () { $("patrol-elapsed").textContent = clockText(seconds()); }, 1000); }
    if (watchId !== null) { return; }
    if (!navigator.geolocation) { $("patrol-gps").textContent = panel.dataset.noGps; return; }
    watchId = navigator.geolocation.watchPosition(onPosition, function () {
      $("patrol-gps").textContent = panel.dataset.noGps;
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }

  function stopFollowing() {
    if (watchId !== null) { navigator.geolocation.clearWatch(watchId); watchId = null; }
    if (timer !== null) { clearInterval(timer); timer = null; }
  }

  $("patrol-start").addEventListener("click", function () {
    state = { client_id: newId(), started_at: new Date().toISOString(), points: [], check_ins: [], photos: [] };
    var shift = $("patrol-shift");
    if (shift && shift.value) { state.shift_id = parseInt(shift.value, 10); }
    save();
    render();
    follow();
  });

  // --- check-ins -------------------------------------------------------------------------------

  var form = $("checkin-form");
  function here() {
    var last = state && state.points[state.points.length - 1];
    return lastFix || (last ? [last[0], last[1]] : null);
  }
  function showError(text) { var box = $("checkin-error"); box.textContent = text || ""; box.hidden = !text; }

  // A photo as a JPEG data URL no larger than PHOTO_EDGE (the patrol lives in localStorage).
  function shrink(file) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, PHOTO_EDGE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve({ name: (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg", data: canvas.toDataURL("image/jpeg", 0.8) });
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error(panel.dataset.notPhoto)); };
      img.src = url;
    });
  }
  var photoInput = $("checkin-photos");

  $("patrol-checkin-open").addEventListener("click", function () {
    var at = here();
    var box = $("checkin-targets");
    form.reset();
    box.textContent = "";
    var nearby = targets.map(function (t) {
      return { t: t, d: at ? haversine(at, [t.lat, t.lng]) : null };
    }).sort(function (a, b) { return (a.d === null ? 0 : a.d) - (b.d === null ? 0 : b.d); }).slice(0, 8);
    var options = nearby.map(function (n) {
      return { value: n.t.target + ":" + n.t.id, text: n.t.name + " · " + n.t.kind, d: n.d };
    });
    if (at) { options.push({ value: "", text: panel.dataset.freePoint, d: null }); }
    options.forEach(function (o, i) {
      var label = document.createElement("label");
      label.className = "check";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "where";
      input.value = o.value;
      input.checked = input.defaultChecked = i === 0;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + o.text));
      if (o.d !== null) {
        var span = document.createElement("span");
        span.className = "distance";
        span.textContent = metresText(o.d);
        label.appendChild(span);
      }
      box.appendChild(label);
    });
    $("checkin-case").hidden = true;
    showError("");
    form.hidden = false;
    $("patrol-running").hidden = true;
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "result") { $("checkin-case").hidden = event.target.value !== "problem"; }
  });
  $("checkin-cancel").addEventListener("click", function () { form.hidden = true; render(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var where = String(data.get("where") || "");
    var result = String(data.get("result") || "ok");
    var category = result === "problem" ? String(data.get("case_category") || "") : "";
    var title = category ? String(data.get("case_title") || "").trim() : "";
    if (category && !title) { showError(panel.dataset.needCaseTitle); return; }
    var at = here();
    var picked = where ? where.split(":") : null;
    var target = picked ? targets.filter(function (t) { return t.target === picked[0] && String(t.id) === picked[1]; })[0] : null;
    if (!target && !at) { showError(panel.dataset.noGps); return; }
    var entry = {
      at: new Date().toISOString(),
      target: target ? target.target : "",
      target_id: target ? target.id : null,
      label: target ? target.name : panel.dataset.freePoint,
      result: result,
      note: String(data.get("note") || "").trim(),
      case_category: category,
      case_title: title
    };
    if (at) { entry.lat = +at[0].toFixed(6); entry.lng = +at[1].toFixed(6); }
    var files = photoInput ? Array.prototype.slice.call(photoInput.files) : [];
    state.photos = state.photos || [];
    if (files.length > MAX_CHECK_IN_PHOTOS || state.photos.length + files.length > MAX_PHOTOS) {
      showError(panel.dataset.tooManyPhotos);
      return;
    }
    Promise.all(files.map(shrink)).then(function (shrunk) {
      var position = state.check_ins.length;
      state.check_ins.push(entry);
      shrunk.forEach(function (p) { state.photos.push({ name: p.name, data: p.data, check_in: position }); });
      try {
        save();
      } catch (err) {  // the phone's storage is full: keep the check-in, drop its photos
        state.photos = state.photos.filter(function (p) { return p.check_in !== position; });
        save();
        window.alert(panel.dataset.storageFull);
      }
      form.hidden = true;
      render();
    }).catch(function (err) { showError(String(err.message || err)); });
  });

  // --- stop: into the outbox ---------------------------------------------------------------------

  $("patrol-stop").addEventListener("click", function () {
    if (!window.fqOutbox || !window.fqOutbox.add) { return; }
    var ended = new Date();
    var payload = {
      client_id: state.client_id,
      started_at: state.started_at,
      ended_at: ended.toISOString(),
      points: state.points,
      check_ins: state.check_ins.map(function (c) {
        var copy = Object.assign({}, c);
        delete copy.label;
        return copy;
      })
    };
    if (state.shift_id) { payload.shift_id = state.shift_id; }
    var problems = state.check_ins.filter(function (c) { return c.case_category; });
    var record = {
      client_id: state.client_id,
      endpoint: panel.dataset.endpoint,
      title: panel.dataset.title + " " + new Date(state.started_at).toLocaleTimeString() + "–" + ended.toLocaleTimeString() +
        " · " + metresText(distance(state.points)),
      category_label: problems.length ? problems[0].case_title : "",
      payload: payload,
      // Sent after the patrol to its photos_url, each with its check-in's position.
      photos: (state.photos || []).map(function (p) { return { name: p.name, data: p.data }; }),
      photo_field: "photos",
      photo_form: { check_in: (state.photos || []).map(function (p) { return p.check_in; }) }
    };
    var button = $("patrol-stop");
    button.disabled = true;
    window.fqOutbox.add(record).then(function () {
      stopFollowing();
      localStorage.removeItem(KEY);
      state = null;
      lastFix = null;
      render();
    }).catch(function (err) { showError(String(err)); }).then(function () { button.disabled = false; });
  });

  render();
  if (state) { follow(); }
})();
