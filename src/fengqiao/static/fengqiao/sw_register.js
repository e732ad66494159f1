// Registers the grid app's service worker (offline use); the URLs come from the script tag.
(function () {
  "use strict";
  var tag = document.currentScript;
  if (!tag || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(tag.dataset.worker, { scope: tag.dataset.scope })
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function () { document.body.dataset.sw = "ready"; })
    .catch(function (err) { document.body.dataset.sw = "failed: " + err; });
})();
