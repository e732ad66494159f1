// Grid app (/m/): reports (and visits and patrols, queued by visit_form.js and patrol.js) are kept in an outbox on the phone (IndexedDB, or localStorage when
// there is none) and sent to the API when there is signal: on load, when the phone comes back
// online, and on "Send now". Each report carries a client id made here, and the server answers a
// repeated client id with the case it already made, so a report is never filed twice.
(function () {
  "use strict";

  var DB_NAME = "fengqiao-outbox";
  var STORE = "reports";
  var LS_KEY = "fengqiao-outbox";
  var API = "/api/v1/cases";
  var KEEP_DONE_MS = 7 * 24 * 3600 * 1000;

  // --- ids and tokens -----------------------------------------------------------------------

  function newId() {
    if (window.crypto && typeof crypto.randomUUID === "function") { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- the outbox store ---------------------------------------------------------------------

  var store = (function () {
    var opened = null;

    function openDb() {
      if (!opened) {
        opened = new Promise(function (resolve) {
          if (!("indexedDB" in window)) { resolve(null); return; }
          var req;
          try { req = indexedDB.open(DB_NAME, 1); } catch (err) { resolve(null); return; }
          req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_id" }); };
          req.onsuccess = function () { resolve(req.result); };
          req.onerror = function () { resolve(null); };
        });
      }
      return opened;
    }

    function idb(mode, work) {
      return openDb().then(function (db) {
        if (!db) { return null; }
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(STORE, mode);
          var req = work(tx.objectStore(STORE));
          tx.oncomplete = function () { resolve(req ? req.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error); };
        });
      });
    }

    // localStorage keeps photos as data URLs.
    function lsRead() {
      try { return JSON.parse(localStorage.getItem(LS_KEY) || "[]"); } catch (err) { return []; }
    }
    function lsWrite(list) { localStorage.setItem(LS_KEY, JSON.stringify(list)); }
    function toDataUrl(blob) {
      return new Promise(function (resolve) {
        var reader = new FileReader();
        reader.onload = function () { resolve({ name: blob.name || "photo.jpg", data: reader.result }); };
        reader.onerror = function () { resolve(null); };
        reader.readAsDataURL(blob);
      });
    }

    return {
      all: function () {
        return openDb().then(function (db) {
          if (db) { return idb("readonly", function (s) { return s.getAll(); }); }
          return lsRead();
        }).then(function (list) {
          return (list || []).sort(function (a, b) { return a.created_at - b.created_at; });
        });
      },
      put: function (rec) {
        return openDb().then(function (db) {
          if (db) { return idb("readwrite", function (s) { return s.put(rec); }); }
          return Promise.all((rec.photos || []).map(function (p) {
            return p instanceof Blob ? toDataUrl(p) : p;
          })).then(function (photos) {
            var copy = Object.assign({}, rec, { photos: photos.filter(Boolean) });
            var list = lsRead().filter(function (r) { return r.client_id !== rec.client_id; });
            list.push(copy);
            lsWrite(list);
          });
        });
      },
      remove: function (id) {
        return openDb().then(function (db) {
          if (db) { return idb("readwrite", function (s) { return s["delete"](id); }); }
          lsWrite(lsRead().filter(function (r) { return r.client_id !== id; }));
        });
      }
    };
  })();

  // A photo kept as a data URL back into a file (decoded here: the CSP's connect-src does not
  // allow fetching data: URLs).
  function photoBlob(photo) {
    if (photo instanceof Blob) { return Promise.resolve(photo); }
    var comma = photo.data.indexOf(",");
    var type = (photo.data.slice(5, comma).split(";")[0]) || "application/octet-stream";
    var raw = atob(photo.data.slice(comma + 1));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return Promise.resolve(new File([bytes], photo.name, { type: type }));
  }

  // --- sending ------------------------------------------------------------------------------

  var outbox = document.getElementById("outbox");
  var label = function (key, fallback) { return (outbox && outbox.dataset[key]) || fallback; };
  var note = "";
  var sending = null;
  var again = false;

  function readJson(resp) {
    return resp.json().catch(function () { return null; });
  }

  // Resolves true to go on with the next report, false to stop (no signal, signed out).
  function postReport(rec) {
    rec.state = "sending";
    render();
    return fetch(rec.endpoint || API, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(rec.payload)
    }).then(function (resp) {
      return readJson(resp).then(function (body) {
        if (resp.status === 200 || resp.status === 201) {
          // A report answers with its case; a visit with the case its finding raised, if any.
          rec.code = body && (rec.endpoint ? body.case_code : body.code);
          // A record of another form names where its photos go (`photos_url` in the answer).
          rec.photos_url = (body && body.photos_url) || null;
          rec.state = rec.photos && rec.photos.length ? "photos" : "done";
          rec.sent_at = Date.now();
          return store.put(rec).then(function () { return true; });
        }
        if (resp.status === 401 || (resp.status === 403 && !(body && body.code))) {
          rec.state = "queued";
          note = label("signin", "Sign in again to send.");
          return store.put(rec).then(function () { return false; });
        }
        if (resp.status >= 400 && resp.status < 500) {
          rec.state = "failed";
          rec.error = (body && body.message) || ("HTTP " + resp.status);
          return store.put(rec).then(function () { return true; });
        }
        rec.state = "queued";
        return store.put(rec).then(function () { return false; });
      });
    }, function () {
      rec.state = "queued";  // no signal: try again later
      return store.put(rec).then(function () { return false; });
    });
  }

  // The photos go in one multipart request: to the case's attachments, or to the `photos_url`
  // the record's answer named, as `photo_field` with the record's `photo_form` fields beside
  // them. The server keeps a photo once per record, so sending them again is harmless.
  function postPhotos(rec) {
    return Promise.all(rec.photos.map(photoBlob)).then(function (blobs) {
      var form = new FormData();
      blobs.forEach(function (b) { form.append(rec.photo_field || "files", b, b.name || "photo.jpg"); });
      Object.keys(rec.photo_form || {}).forEach(function (name) {
        [].concat(rec.photo_form[name]).forEach(function (v) { form.append(name, String(v)); });
      });
      var url = rec.photos_url || (API + "/" + encodeURIComponent(rec.code) + "/attachments");
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
        body: form
      });
    }).then(function (resp) {
      if (resp.status === 201 || resp.status === 200) {
        rec.state = "done";
        rec.photos = [];
        return store.put(rec).then(function () { return true; });
      }
      if (resp.status >= 400 && resp.status < 500 && resp.status !== 401) {
        return readJson(resp).then(function (body) {
          rec.state = "done";  // the case is in; a refused photo is not worth retrying forever
          rec.photos = [];
          rec.error = (body && body.message) || ("HTTP " + resp.status);
          return store.put(rec).then(function () { return true; });
        });
      }
      return false;
    }, function () { return false; });
  }

  function sendOne(rec) {
    if (rec.state === "done" || rec.state === "failed") { return Promise.resolve(true); }
    var sent = rec.state === "photos" && (rec.code || rec.photos_url);
    var step = sent ? Promise.resolve(true) : postReport(rec);
    return step.then(function (goOn) {
      if (goOn && rec.state === "photos") { return postPhotos(rec); }
      return goOn;
    });
  }

  function sendAll() {
    if (sending) { again = true; return sending; }
    sending = store.all().then(function (list) {
      return list.reduce(function (chain, rec) {
        return chain.then(function (goOn) { return goOn ? sendOne(rec) : false; });
      }, Promise.resolve(true));
    }).catch(function (err) {
      note = String(err);
    }).then(function () {
      sending = null;
      render();
      if (again) { again = false; return sendAll(); }
    });
    return sending;
  }

  // --- showing the outbox -------------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render() {
    renderNet();
    return store.all().then(function (list) {
      var now = Date.now();
      list.forEach(function (r) {
        if (r.state === "done" && now - (r.sent_at || now) > KEEP_DONE_MS) { store.remove(r.client_id); }
      });
      var waiting = list.filter(function (r) { return r.state !== "done" && r.state !== "failed"; });
      var summary = document.getElementById("outbox-summary");
      if (summary) {
        summary.hidden = waiting.length === 0;
        summary.textContent = (summary.dataset.template || "%(n)s").replace("%(n)s", waiting.length);
      }
      var ul = document.getElementById("outbox-list");
      if (!ul) { return; }
      outbox.dataset.waiting = String(waiting.length);
      if (!waiting.length && note === label("signin", "")) { note = ""; }
      var noteEl = document.getElementById("outbox-note");
      if (noteEl) { noteEl.textContent = note; }
      ul.textContent = "";
      if (!list.length) {
        ul.appendChild(el("li", "muted empty", outbox.dataset.empty || ""));
        return;
      }
      list.slice().reverse().forEach(function (r) {
        var li = el("li", "outbox-item state-" + r.state);
        li.dataset.clientId = r.client_id;
        li.dataset.state = r.state;
        var head = el("div", "outbox-line");
        head.appendChild(el("b", "", r.title || r.payload.title));
        var badge = el("span", "badge outbox-state", {
          queued: label("queued", "queued"), sending: label("sending", "sending"),
          photos: label("photos", "photos"), done: label("sent", "sent"), failed: label("failed", "failed")
        }[r.state] || r.state);
        head.appendChild(badge);
        li.appendChild(head);
        var meta = el("div", "muted small");
        meta.textContent = new Date(r.created_at).toLocaleString() + (r.category_label ? " · " + r.category_label : "");
        if (r.code) {
          meta.appendChild(document.createTextNode(" · "));
          var a = el("a", "mono case-code", r.code);
          a.href = (outbox.dataset.caseUrl || "/m/tasks/") + encodeURIComponent(r.code) + "/";
          meta.appendChild(a);
        }
        li.appendChild(meta);
        if (r.error) { li.appendChild(el("div", "field-error", r.error)); }
        if (r.state === "done" || r.state === "failed") {
          var rm = el("button", "btn small secondary", label("remove", "Remove"));
          rm.type = "button";
          rm.addEventListener("click", function () { store.remove(r.client_id).then(render); });
          li.appendChild(rm);
        }
        ul.appendChild(li);
      });
    });
  }

  function renderNet() {
    var net = document.getElementById("net-state");
    if (!net) { return; }
    var online = navigator.onLine;
    net.textContent = online ? net.dataset.online : net.dataset.offline;
    net.className = "ph-net " + (online ? "online" : "offline");
  }

  // --- the report form ----------------------------------------------------------------------

  var form = document.getElementById("report-form");
  var mapEl = document.getElementById("case-map");
  function showError(text) {
    var box = document.getElementById("form-error");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }

  function setupForm() {
    var select = document.getElementById("id_category");
    var buttons = form.querySelectorAll(".catbtn");
    function mark() {
      Array.prototype.forEach.call(buttons, function (b) {
        b.classList.toggle("selected", b.dataset.category === select.value);
        b.setAttribute("aria-pressed", b.dataset.category === select.value ? "true" : "false");
      });
    }
    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener("click", function () { select.value = b.dataset.category; mark(); showError(""); });
    });
    select.addEventListener("change", mark);
    mark();

    var photo = document.getElementById("id_photo");
    var preview = document.getElementById("photo-preview");
    if (photo && preview) {
      photo.addEventListener("change", function () {
        preview.textContent = "";
        Array.prototype.forEach.call(photo.files, function (f) {
          var img = el("img");
          img.src = URL.createObjectURL(f);
          img.alt = f.name;
          preview.appendChild(img);
        });
      });
    }

    if (mapEl) { mapEl.addEventListener("fq:point", function () { showError(""); }); }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var category = data.get("category");
      if (!category) { showError(form.dataset.needCategory); return; }
      var lat = parseFloat(data.get("lat")), lng = parseFloat(data.get("lng"));
      if (!isFinite(lat) || !isFinite(lng)) { showError(form.dataset.needPoint); return; }
      var categoryLabel = select.options[select.selectedIndex].text.trim();
      var id = newId();
      var title = String(data.get("title") || "").trim() || categoryLabel;
      var rec = {
        client_id: id,
        created_at: Date.now(),
        state: "queued",
        category_label: categoryLabel,
        payload: {
          category: category,
          title: title,
          description: String(data.get("description") || "").trim(),
          lat: lat,
          lng: lng,
          address: String(data.get("address") || "").trim(),
          channel: "grid_app",
          priority: "normal",
          client_id: id
        },
        photos: photo ? Array.prototype.slice.call(photo.files) : []
      };
      var button = document.getElementById("submit-report");
      button.disabled = true;
      store.put(rec).then(function () {
        ["id_title", "id_description", "id_address"].forEach(function (name) { document.getElementById(name).value = ""; });
        if (photo) { photo.value = ""; }
        if (preview) { preview.textContent = ""; }
        select.value = "";
        mark();
        showError("");
        note = label("saved", "");
        return render();
      }).then(function () {
        var item = document.querySelector("#outbox-list li[data-client-id='" + id + "']");
        if (item && item.scrollIntoView) { item.scrollIntoView({ block: "center" }); }
        return sendAll();
      }).catch(function (err) {
        showError(String(err));
      }).then(function () { button.disabled = false; });
    });
  }

  // --- sign-out forgets the cached pages (they show this user's tasks) ---------------------

  Array.prototype.forEach.call(document.querySelectorAll("form[action$='/accounts/logout/']"), function (f) {
    f.addEventListener("submit", function () {
      if (window.caches) {
        caches.keys().then(function (keys) {
          keys.forEach(function (k) { if (k.indexOf("fq-m-") === 0) { caches.delete(k); } });
        });
      }
    });
  });

  if (form) { setupForm(); }
  var sendNow = document.getElementById("send-now");
  if (sendNow) { sendNow.addEventListener("click", function () { sendAll(); }); }
  window.addEventListener("online", function () { renderNet(); sendAll(); });
  window.addEventListener("offline", renderNet);
  render().then(sendAll);

  // For tests and the curious: the outbox, and a way to resend a report already sent (the
  // server must answer with the same case).
  window.fqOutbox = {
    all: store.all,
    newId: newId,  // a fresh client id for the next record of a form
    // Another form of the app (a visit, a patrol) queues its record here: { client_id,
    // endpoint, title, payload, photos, photo_field, photo_form, ... }; it is sent like a
    // report, once, when there is signal, and its photos after it (see postPhotos).
    add: function (rec) {
      rec.state = "queued";
      rec.created_at = rec.created_at || Date.now();
      rec.photos = rec.photos || [];
      return store.put(rec).then(render).then(sendAll);
    },
    send: sendAll,
    resend: function (clientId) {
      return store.all().then(function (list) {
        var rec = list.filter(function (r) { return r.client_id === clientId; })[0];
        if (!rec) { return null; }
        var before = rec.code;
        rec.code = null;
        rec.state = "queued";
        return store.put(rec).then(sendAll).then(function () { return { before: before }; });
      });
    }
  };
})();
