// flame_page.js: the page around the flame graph of scripts/profile, inlined
// into each flame.html after the vendored d3 (vendor/d3.min.js) and
// d3-flame-graph (vendor/d3-flamegraph.umd.min.js), which draw the graph,
// zoom and search. This file only feeds them our data and adds what the lab
// needs: origin colours, a tooltip with samples / % / self / module, the
// search rules below, breadcrumbs, the top-function tables and the status
// attributes the test reads.
//
// Data: <script id="flame-data" type="application/json"> holding
//   {kinds: [...], names: [...], dsos: [...], meta: {...}, tree: node}
// where a node is [nameIndex, kindIndex, dsoIndex, samples, selfSamples,
// [children, largest first]] and the root is the benchmark case.
//
// When drawn, <html> gets data-flame-status="ok" and data-flame-frames=N (the
// frames d3-flame-graph drew, updated on zoom); script errors are recorded in
// data-flame-errors by the page's head script.
(function () {
  "use strict";

  const ROW = 18;              // px per stack level
  const KIND_STYLE = {         // hue, saturation, lightness, legend label
    case: [0, 0, 82, "benchmark case"],
    evictlab: [12, 78, 64, "evictlab"],
    std: [46, 80, 60, "C++ standard library"],
    absl: [105, 45, 62, "Abseil"],
    torch: [268, 45, 72, "libtorch / c10"],
    gbench: [0, 0, 70, "Google Benchmark"],
    libc: [200, 60, 66, "libc / loader"],
    kernel: [28, 90, 58, "kernel"],
    other: [172, 45, 60, "other libraries"],
    unknown: [0, 0, 78, "unknown / truncated"],
  };
  const HIT = "#e040e0";       // search matches

  const raw = JSON.parse(document.getElementById("flame-data").textContent);
  const meta = raw.meta || {};

  // Template arguments and parameters collapsed: the label of a frame
  // (evictlab::LRUEvictor<…>::update_on_put). Mirrors short_name() in
  // evictlab_tools/profile.py.
  function shortName(name) {
    let out = "", depth = 0, start = 0, i = 0;
    const opRe = /^operator\s*(<=>|<<=|>>=|<<|>>|<=|>=|->\*|->|\(\)|\[\]|new\[\]|delete\[\]|[-+*/%^&|~!=<>,]=?|&&|\|\||\+\+|--)?/;
    while (i < name.length) {
      if (name.startsWith("operator", i) && (i === 0 || !/[\w]/.test(name[i - 1]))) {
        const m = opRe.exec(name.slice(i));
        if (depth === 0) out += m[0];
        i += m[0].length;
        continue;
      }
      if (name.startsWith("(anonymous namespace)", i)) {
        if (depth === 0) out += "(anonymous namespace)";
        i += "(anonymous namespace)".length;
        continue;
      }
      const c = name[i];
      if (c === "<" || c === "(") {
        if (depth === 0) start = i;
        depth++;
      } else if ((c === ">" || c === ")") && depth > 0) {
        depth--;
        if (depth === 0) {
          const inner = name.slice(start + 1, i).trim();
          out += name[start] + (inner ? "…" : "") + c;
        }
      } else if (depth === 0) {
        out += c;
      }
      i++;
    }
    return depth === 0 ? out : name;
  }

  // d3-flame-graph's input: {name, value (inclusive), children}, plus ours.
  let nFrames = 0;
  function convert(a) {
    nFrames++;
    const name = raw.names[a[0]];
    return {name: name, label: shortName(name), kind: raw.kinds[a[1]],
            dso: raw.dsos[a[2]], value: a[3], self: a[4],
            children: a[5].map(convert)};
  }
  const tree = convert(raw.tree);
  const total = tree.value || 1;

  function color(d) {
    const s = KIND_STYLE[d.kind] || KIND_STYLE.other;
    let h = 0;
    for (let i = 0; i < d.name.length; i++) h = (h * 31 + d.name.charCodeAt(i)) >>> 0;
    const dl = (h % 13) - 6, dh = s[1] ? ((h >>> 8) % 11) - 5 : 0;
    return "hsl(" + (s[0] + dh) + "," + s[1] + "%," + (s[2] + dl) + "%)";
  }

  function pct(v, of) {
    const p = 100 * v / of;
    return (p >= 10 ? p.toFixed(1) : p.toFixed(2)) + "%";
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- the page -----------------------------------------------------------
  const app = document.getElementById("flame-app");
  app.textContent = "";
  app.appendChild(el("h1", {class: "fg-title"}, meta.case || tree.name));
  app.appendChild(el("p", {class: "fg-sub"},
    (meta.subtitle || (total + " samples")) +
    (meta.date ? " · " + meta.date : "") + (meta.git ? " · git " + meta.git : "")));

  const toolbar = el("div", {class: "fg-toolbar"});
  const search = el("input", {type: "search",
                              placeholder: "Search functions (regex or text; / to focus)",
                              title: "Matches names without template arguments; " +
                                     "a query with < or ( matches the full name",
                              "aria-label": "search functions"});
  const resetBtn = el("button", {type: "button", title: "Zoom out to the whole case (Esc)"},
                      "Reset zoom");
  const invertLbl = el("label");
  const invert = el("input", {type: "checkbox"});
  invertLbl.appendChild(invert);
  invertLbl.appendChild(document.createTextNode(" root at bottom"));
  const matchInfo = el("span", {class: "fg-match"});
  [search, resetBtn, invertLbl, matchInfo].forEach(e => toolbar.appendChild(e));
  app.appendChild(toolbar);

  const legend = el("div", {class: "fg-legend"});
  const kindsPresent = new Set();
  (function walk(d) { kindsPresent.add(d.kind); d.children.forEach(walk); })(tree);
  for (const k of Object.keys(KIND_STYLE)) {
    if (!kindsPresent.has(k)) continue;
    const s = KIND_STYLE[k];
    const item = el("span", {}, s[3]);
    item.style.setProperty("--c", "hsl(" + s[0] + "," + s[1] + "%," + s[2] + "%)");
    legend.appendChild(item);
  }
  app.appendChild(legend);

  const crumbs = el("div", {class: "fg-crumbs"});
  app.appendChild(crumbs);
  const graph = el("div", {class: "fg-graph", id: "fg-graph", role: "img",
                           "aria-label": "flame graph of " + tree.name});
  app.appendChild(graph);
  const status = el("div", {class: "fg-status"},
                    "Hover a frame for details; click to zoom in.");
  app.appendChild(status);
  const tables = el("div", {class: "fg-tables"});
  app.appendChild(tables);
  app.appendChild(el("p", {class: "fg-help"},
    "Width = share of the samples taken in the benchmark (the case is 100%). " +
    "A frame's children are the functions it called. " +
    "Keys: / focuses the search, Esc zooms out. " +
    "[truncated stack …] holds samples taken in the benchmark whose stack walk " +
    "stopped in a library built without frame pointers (libc, Abseil, …): " +
    "their callers are unknown. Drawn with d3-flame-graph 5.0.0 (Apache-2.0) " +
    "and d3 7.9.2 (ISC), vendored."));
  const tipBox = el("div", {class: "fg-tip"});
  document.body.appendChild(tipBox);

  // ---- the chart ----------------------------------------------------------
  let zoomed = null;           // the d3 hierarchy node zoomed into, or null
  let searching = false;

  function describe(d) {
    const z = zoomed && zoomed !== d && zoomed.depth < d.depth ? zoomed : null;
    const lines = [
      ["samples", d.data.value + " (" + pct(d.data.value, total) + " of the case" +
        (z ? ", " + pct(d.data.value, z.data.value) + " of the zoomed frame" : "") + ")"],
      ["self", d.data.self + " (" + pct(d.data.self, total) + ")"],
    ];
    if (d.data.dso) lines.push(["module", d.data.dso]);
    return lines;
  }

  // d3-flame-graph's tooltip contract: a function called with the svg
  // selection, with show(event, d) and hide().
  function tooltip() {}
  tooltip.show = function (ev, d) {
    tipBox.textContent = "";
    tipBox.appendChild(el("b", {class: "fg-tip-name"}, d.data.name));
    for (const [k, v] of describe(d)) {
      tipBox.appendChild(el("br"));
      tipBox.appendChild(document.createTextNode(k + ": " + v));
    }
    tipBox.style.display = "block";
    const pad = 14, r = tipBox.getBoundingClientRect();
    let x = ev.clientX + pad, y = ev.clientY + pad;
    if (x + r.width > window.innerWidth) x = Math.max(4, ev.clientX - r.width - pad);
    if (y + r.height > window.innerHeight) y = Math.max(4, ev.clientY - r.height - pad);
    tipBox.style.left = x + "px";
    tipBox.style.top = y + "px";
    status.textContent = d.data.label + " — " +
      describe(d).map(([k, v]) => k + ": " + v).join(" · ");
  };
  tooltip.hide = function () { tipBox.style.display = "none"; };

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  // A regex (or plain text if it is not one), case-insensitive; template
  // arguments and parameters are not searched unless the query has a '<' or
  // '(': "hash" should not match OrderedDict<…KeyHash…>::pop.
  function queryRe(q) {
    try { return new RegExp(q, "i"); } catch (e) { return new RegExp(escapeRe(q), "i"); }
  }
  let re = null, fullNames = false;

  // Animated zoom for a person; none (and every d3 timer flushed at once)
  // when the reader asks for reduced motion, in a headless browser (whose
  // frames do not tick reliably: screenshots and the test must see the final
  // state) or with #static in the URL.
  const still = /(^|[#&])static\b/.test(location.hash) ||
    /HeadlessChrome/.test(navigator.userAgent) ||
    (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  function settle() {
    if (!still) return;
    // d3's timers run the transitions; with zero durations a pass for each
    // chained timer (start, tick, end, the delayed label) completes them.
    for (let i = 0; i < 8; i++) d3.timerFlush();
    // NOTE: d3-flame-graph 5.0.0 grows new frames' rects with a transition
    // of d3's default 250 ms whatever transitionDuration says; finish it here
    // (the <g> carries the final width).
    d3.select(graph).selectAll("g.frame").each(function () {
      const r = d3.select(this).select("rect").interrupt();
      r.attr("width", this.getAttribute("width"));
    });
  }

  const chart = flamegraph.default()
    .width(Math.max(400, graph.clientWidth || 1000))
    .cellHeight(ROW)
    .inverted(true)             // root on top, as the old page had it
    .sort((a, b) => b.value - a.value || (a.data.name < b.data.name ? -1 : 1))
    .minFrameSize(0.5)
    .transitionDuration(still ? 0 : 250)
    .getName(d => d.data.label)
    .tooltip(tooltip)
    .setColorMapper(d => (d.highlight ? HIT : color(d.data)))
    .setSearchMatch(d => re !== null && re.test(fullNames ? d.data.name : d.data.label))
    .setSearchHandler((results, sum) => {
      matchInfo.textContent = !searching ? "" : results.length
        ? "Matched: " + sum + " samples (" + pct(sum, total) + ") in " + results.length + " frames"
        : "No match";
    })
    .setDetailsHandler(() => {})
    .onClick(d => {
      zoomed = d.depth ? d : null;
      tooltip.hide();
      settle();
      showCrumbs();
      publish();
    });

  function showCrumbs() {
    crumbs.textContent = "";
    resetBtn.disabled = !zoomed;
    if (!zoomed) return;
    const path = zoomed.ancestors().reverse().map(a => a.data.label);
    crumbs.textContent = "Zoomed into: " + path.join(" › ");
  }

  // The frames d3-flame-graph keeps (it drops those under minFrameSize, so
  // the count falls on zoom), counted once its transitions have settled.
  let publishTimer = 0;
  function publish() {
    settle();
    clearTimeout(publishTimer);
    publishTimer = setTimeout(() => {
      const n = graph.querySelectorAll("g.frame").length;
      document.documentElement.setAttribute("data-flame-frames", String(n));
      document.documentElement.setAttribute("data-flame-status", "ok");
    }, still ? 0 : chart.transitionDuration() + 50);
  }

  function runSearch() {
    const q = search.value.trim();
    searching = q !== "";
    re = searching ? queryRe(q) : null;
    fullNames = /[<(]/.test(q);
    graph.classList.toggle("fg-searching", searching);
    if (searching) chart.search(q); else { chart.clear(); matchInfo.textContent = ""; }
    settle();
  }

  function resetZoom() {
    zoomed = null;
    chart.resetZoom();        // calls onClick with the root
  }

  d3.select(graph).datum(tree).call(chart);
  showCrumbs();
  publish();

  search.addEventListener("input", runSearch);
  resetBtn.addEventListener("click", resetZoom);
  invert.addEventListener("change", () => { chart.inverted(!invert.checked); chart.update(); publish(); });
  graph.addEventListener("mouseleave", tooltip.hide);
  document.addEventListener("keydown", ev => {
    if (ev.key === "Escape") {
      if (document.activeElement === search && search.value) { search.value = ""; runSearch(); }
      else resetZoom();
    } else if (ev.key === "/" && document.activeElement !== search) {
      ev.preventDefault();
      search.focus();
    }
  });

  // ---- top functions ------------------------------------------------------
  function topTable(title, byName, note) {
    const rows = Array.from(byName.entries()).sort((a, b) => b[1] - a[1]).slice(0, 15);
    const t = el("table");
    t.appendChild(el("caption", {title: note}, title));
    const head = el("tr");
    ["%", "samples", "function"].forEach(h => head.appendChild(el("th", {}, h)));
    t.appendChild(head);
    for (const [name, v] of rows) {
      if (!v) continue;
      const tr = el("tr");
      tr.appendChild(el("td", {class: "num"}, pct(v, total)));
      tr.appendChild(el("td", {class: "num"}, String(v)));
      const fn = el("td", {class: "fn", title: name + "\n(click to highlight)"}, shortName(name));
      fn.addEventListener("click", () => { search.value = "^" + escapeRe(name) + "$"; runSearch(); });
      tr.appendChild(fn);
      t.appendChild(tr);
    }
    return t;
  }
  const selfBy = new Map(), inclBy = new Map();
  (function walk(d, onStack, isRoot) {
    if (!isRoot) {
      selfBy.set(d.name, (selfBy.get(d.name) || 0) + d.self);
      if (!onStack.has(d.name)) inclBy.set(d.name, (inclBy.get(d.name) || 0) + d.value);
    }
    const added = !onStack.has(d.name);
    if (added) onStack.add(d.name);
    for (const c of d.children) walk(c, onStack, false);
    if (added) onStack.delete(d.name);
  })(tree, new Set(), true);
  tables.appendChild(topTable("Top functions by self samples", selfBy,
                              "samples whose innermost frame is the function"));
  tables.appendChild(topTable("Top functions by inclusive samples", inclBy,
                              "samples with the function anywhere on the stack"));

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { chart.width(Math.max(400, graph.clientWidth)); chart.update(); publish(); }, 100);
  });
})();
