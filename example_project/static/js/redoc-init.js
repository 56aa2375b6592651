// Starts ReDoc on the API reference page (templates/drf_spectacular/redoc.html) from the
// container's data attributes: the schema URL and REDOC_UI_SETTINGS as JSON. A static file,
// so the site's Content-Security-Policy needs no inline script.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || typeof Redoc === "undefined") {
    return;
  }
  var settings = {};
  try {
    settings = JSON.parse(container.dataset.settings || "{}");
  } catch (error) {
    settings = {};
  }
  Redoc.init(container.dataset.specUrl, settings, container);
})();
