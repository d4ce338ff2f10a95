// Injected by tests/profile/test_profile.sh into a copy of flame.html: hovers,
// searches, zooms and resets the d3-flame-graph page with synthetic DOM
// events and records what it saw as data-t-* attributes on <html> (read back
// with chromium --dump-dom). The page renders without animation in headless
// Chromium, so every step's result is there synchronously.
(function () {
  const d = document.documentElement;
  const fail = msg => d.setAttribute("data-t-error", msg);
  const frames = () => Array.from(document.querySelectorAll("#fg-graph g.frame"));
  const put = () => frames().find(g => /update_on_put$/.test(g.getAttribute("name") || ""));
  try {
    let f = put();
    if (!f) { fail("no update_on_put frame"); return; }
    const r = f.getBoundingClientRect();
    f.dispatchEvent(new MouseEvent("mouseover",
      {bubbles: true, clientX: r.left + 4, clientY: r.top + 4}));
    const tip = document.querySelector(".fg-tip");
    d.setAttribute("data-t-tip", tip.style.display === "block" ? tip.textContent : "hidden");
    f.dispatchEvent(new MouseEvent("mouseout", {bubbles: true}));

    const s = document.querySelector(".fg-toolbar input[type=search]");
    s.value = "update_on_put";
    s.dispatchEvent(new Event("input"));
    const hit = frames().filter(g => {
      const rect = g.querySelector("rect");
      return rect && rect.getAttribute("fill") === "#e040e0";
    });
    d.setAttribute("data-t-hits", String(hit.length));
    d.setAttribute("data-t-hit-names", hit.every(g => /update_on_put/.test(g.getAttribute("name"))) ? "all" : "other");
    d.setAttribute("data-t-match", document.querySelector(".fg-match").textContent);
    s.value = "";
    s.dispatchEvent(new Event("input"));
    d.setAttribute("data-t-cleared", String(frames().filter(g =>
      g.querySelector("rect").getAttribute("fill") === "#e040e0").length));

    const before = Number(d.getAttribute("data-flame-frames"));
    const svgWidth = document.querySelector("#fg-graph svg").getAttribute("width");
    put().dispatchEvent(new MouseEvent("click", {bubbles: true}));
    d.setAttribute("data-t-crumbs", document.querySelector(".fg-crumbs").textContent);
    const z = put();
    d.setAttribute("data-t-zoom-width",
      z && z.querySelector("rect").getAttribute("width") === svgWidth ? "full" : "not full");
    d.setAttribute("data-t-zoom-frames", String(frames().length < before));
    document.querySelector(".fg-toolbar button").click();
    d.setAttribute("data-t-reset", document.querySelector(".fg-crumbs").textContent === "" &&
      frames().length === before ? "yes" : "no");
  } catch (e) {
    fail(String(e));
  }
})();
