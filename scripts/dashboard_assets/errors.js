// Loaded first on every page: records uncaught exceptions, unhandled promise
// rejections, failed resource loads and console.error/console.warn calls in
// <html data-errors="[...]">, and shows them in a red bar, so that neither a
// reader nor the end-to-end test (tests/dashboard/e2e.sh, which reads the DOM
// with chromium --dump-dom) can miss a broken page.
(function () {
  "use strict";
  var errors = [];
  function record(kind, msg) {
    errors.push(kind + ": " + String(msg));
    try {
      document.documentElement.setAttribute("data-errors",
                                            JSON.stringify(errors));
      var bar = document.getElementById("error-bar");
      if (!bar && document.body) {
        bar = document.createElement("div");
        bar.id = "error-bar";
        bar.className = "error-bar";
        document.body.insertBefore(bar, document.body.firstChild);
      }
      if (bar) bar.textContent = "Page errors: " + errors.join(" | ");
    } catch (e) { /* recording must never throw */ }
  }
  window.EVICTLAB_ERRORS = errors;
  window.EVICTLAB_RECORD_ERROR = record;
  document.documentElement.setAttribute("data-errors", "[]");
  window.addEventListener("error", function (ev) {
    var t = ev.target;
    if (t && t !== window && (t.src || t.href)) {
      record("resource", "failed to load " + (t.src || t.href));
    } else {
      record("uncaught", (ev.message || "error") +
             (ev.filename ? " at " + ev.filename + ":" + ev.lineno : ""));
    }
  }, true);
  window.addEventListener("unhandledrejection", function (ev) {
    record("unhandledrejection", ev.reason && ev.reason.stack || ev.reason);
  });
  ["error", "warn"].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      var parts = [];
      for (var i = 0; i < arguments.length; i++) parts.push(String(arguments[i]));
      record("console." + level, parts.join(" "));
      return orig.apply(console, arguments);
    };
  });
})();
