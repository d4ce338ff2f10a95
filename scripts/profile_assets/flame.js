// flame.js: the interactive flame graph of scripts/profile, inlined into each
// flame.html (no dependencies, nothing fetched).
//
// Data: <script id="flame-data" type="application/json"> holding
//   {kinds: [...], names: [...], dsos: [...], meta: {...}, tree: node}
// where a node is [nameIndex, kindIndex, dsoIndex, samples, selfSamples,
// [children, largest first]] and the root is the benchmark case.
//
// The page: the root on top (a checkbox puts it at the bottom); hover a frame
// for its full name, samples and percentages; click to zoom into it (click
// an ancestor, "Reset zoom" or press Escape to zoom out); the search box
// highlights frames whose name matches a regex (or plain text; template
// arguments are searched only when the query has '<' or '(') and sums their
// samples; two tables list the top functions by self and inclusive samples.
// When rendered, <html> gets data-flame-status="ok" and data-flame-frames=N
// (errors are recorded in data-flame-errors by the page's head script).
(function () {
  "use strict";

  const ROW = 18;              // px per stack level
  const MIN_PX = 0.5;          // frames narrower than this are not drawn
  const LABEL_PX = 26;         // frames narrower than this get no text
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

  const raw = JSON.parse(document.getElementById("flame-data").textContent);
  const meta = raw.meta || {};

  // ---- the tree -----------------------------------------------------------
  const nodes = [];
  let maxDepth = 0;
  function build(a, parent, depth, x) {
    const n = {
      id: nodes.length, name: raw.names[a[0]], kind: raw.kinds[a[1]],
      dso: raw.dsos[a[2]], value: a[3], self: a[4], parent: parent,
      depth: depth, x: x, children: [],
    };
    n.label = shortName(n.name);
    nodes.push(n);
    if (depth > maxDepth) maxDepth = depth;
    let cx = x;
    for (const c of a[5]) {
      const child = build(c, n, depth + 1, cx);
      n.children.push(child);
      cx += child.value;
    }
    return n;
  }

  // Template arguments and parameters collapsed: the label of a frame
  // (evictlab::LRUEvictor<…>::update_on_put). Mirrors short_name() in
  // scripts/profile.
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

  function color(n) {
    const s = KIND_STYLE[n.kind] || KIND_STYLE.other;
    let h = 0;
    for (let i = 0; i < n.name.length; i++) h = (h * 31 + n.name.charCodeAt(i)) >>> 0;
    const dl = (h % 13) - 6, dh = s[1] ? ((h >>> 8) % 11) - 5 : 0;
    return "hsl(" + (s[0] + dh) + "," + s[1] + "%," + (s[2] + dl) + "%)";
  }

  function pct(v, total) {
    const p = 100 * v / total;
    return (p >= 10 ? p.toFixed(1) : p.toFixed(2)) + "%";
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const root = build(raw.tree, null, 0, 0);
  const total = root.value || 1;

  // ---- the page -----------------------------------------------------------
  const app = document.getElementById("flame-app");
  app.textContent = "";
  app.appendChild(el("h1", {class: "fg-title"}, meta.case || root.name));
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
  const kindsPresent = new Set(nodes.map(n => n.kind));
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
  const graph = el("div", {class: "fg-graph", role: "img",
                           "aria-label": "flame graph of " + root.name});
  app.appendChild(graph);
  const status = el("div", {class: "fg-status"},
                    "Hover a frame for details; click to zoom in.");
  app.appendChild(status);
  const tables = el("div", {class: "fg-tables"});
  app.appendChild(tables);
  app.appendChild(el("p", {class: "fg-help"},
    "Width = share of the samples taken in the benchmark (the case is 100%). " +
    "A frame's children are the functions it called, largest first. " +
    "Keys: / focuses the search, Esc zooms out. " +
    "[truncated stack …] holds samples taken in the benchmark whose stack walk " +
    "stopped in a library built without frame pointers (libc, Abseil, …): " +
    "their callers are unknown."));
  const tip = el("div", {class: "fg-tip"});
  document.body.appendChild(tip);

  // ---- state --------------------------------------------------------------
  let zoom = root;
  let hits = null;             // Set of node ids matching the search, or null

  function top(depth) {
    return (invert.checked ? maxDepth - depth : depth) * ROW;
  }

  function render() {
    const W = graph.clientWidth || 1000;
    graph.style.height = (maxDepth + 1) * ROW + "px";
    graph.classList.toggle("fg-searching", hits !== null);
    const frag = document.createDocumentFragment();
    let count = 0;
    function add(n, left, width, cls) {
      const d = el("div", {class: "fg-frame" + (cls ? " " + cls : ""), "data-id": n.id});
      if (hits && hits.has(n.id)) d.classList.add("fg-hit");
      d.style.left = (100 * left) + "%";
      d.style.width = (100 * width) + "%";
      d.style.top = top(n.depth) + "px";
      d.style.background = color(n);
      if (width * W >= LABEL_PX) d.textContent = n.label;
      frag.appendChild(d);
      count++;
    }
    for (let a = zoom.parent; a; a = a.parent) add(a, 0, 1, "fg-ancestor");
    (function walk(n) {
      const width = n.value / zoom.value;
      if (width * W < MIN_PX) return;
      add(n, (n.x - zoom.x) / zoom.value, width, "");
      for (const c of n.children) walk(c);
    })(zoom);
    graph.textContent = "";
    graph.appendChild(frag);
    resetBtn.disabled = zoom === root;
    crumbs.textContent = "";
    if (zoom !== root) {
      const path = [];
      for (let a = zoom; a; a = a.parent) path.unshift(a.label);
      crumbs.textContent = "Zoomed into: " + path.join(" › ");
    }
    document.documentElement.setAttribute("data-flame-frames", String(count));
    document.documentElement.setAttribute("data-flame-status", "ok");
  }

  function describe(n) {
    const lines = [
      ["samples", n.value + " (" + pct(n.value, total) + " of the case" +
        (zoom !== root && zoom !== n ? ", " + pct(n.value, zoom.value) + " of the zoomed frame" : "") + ")"],
      ["self", n.self + " (" + pct(n.self, total) + ")"],
    ];
    if (n.dso) lines.push(["module", n.dso]);
    return lines;
  }

  function showTip(n, ev) {
    tip.textContent = "";
    tip.appendChild(el("b", {class: "fg-tip-name"}, n.name));
    for (const [k, v] of describe(n)) {
      tip.appendChild(el("br"));
      tip.appendChild(document.createTextNode(k + ": " + v));
    }
    tip.style.display = "block";
    const pad = 14, r = tip.getBoundingClientRect();
    let x = ev.clientX + pad, y = ev.clientY + pad;
    if (x + r.width > window.innerWidth) x = Math.max(4, ev.clientX - r.width - pad);
    if (y + r.height > window.innerHeight) y = Math.max(4, ev.clientY - r.height - pad);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
    status.textContent = n.label + " — " + describe(n).map(([k, v]) => k + ": " + v).join(" · ");
  }

  function nodeOf(ev) {
    const f = ev.target.closest && ev.target.closest(".fg-frame");
    return f ? nodes[Number(f.getAttribute("data-id"))] : null;
  }

  graph.addEventListener("mousemove", ev => {
    const n = nodeOf(ev);
    if (n) showTip(n, ev); else tip.style.display = "none";
  });
  graph.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  graph.addEventListener("click", ev => {
    const n = nodeOf(ev);
    if (!n) return;
    zoom = n;
    tip.style.display = "none";
    render();
  });
  resetBtn.addEventListener("click", () => { zoom = root; render(); });
  invert.addEventListener("change", render);

  // ---- search -------------------------------------------------------------
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function runSearch() {
    const q = search.value.trim();
    if (!q) {
      hits = null;
      matchInfo.textContent = "";
      render();
      return;
    }
    let re;
    try { re = new RegExp(q, "i"); } catch (e) { re = new RegExp(escapeRe(q), "i"); }
    // Template arguments and parameters are not searched unless the query
    // has a '<' or '(': "hash" should not match OrderedDict<…KeyHash…>::pop.
    const full = /[<(]/.test(q);
    hits = new Set();
    for (const n of nodes) if (re.test(full ? n.name : n.label)) hits.add(n.id);
    // Samples under a match, each counted once (nested matches not again).
    let matched = 0;
    (function walk(n) {
      if (hits.has(n.id)) { matched += n.value; return; }
      for (const c of n.children) walk(c);
    })(root);
    matchInfo.textContent = hits.size
      ? "Matched: " + matched + " samples (" + pct(matched, total) + ") in " + hits.size + " frames"
      : "No match";
    render();
  }
  search.addEventListener("input", runSearch);

  document.addEventListener("keydown", ev => {
    if (ev.key === "Escape") {
      if (document.activeElement === search && search.value) { search.value = ""; runSearch(); }
      else { zoom = root; render(); }
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
  (function walk(n, onStack) {
    if (n !== root) {
      selfBy.set(n.name, (selfBy.get(n.name) || 0) + n.self);
      if (!onStack.has(n.name)) inclBy.set(n.name, (inclBy.get(n.name) || 0) + n.value);
    }
    const added = !onStack.has(n.name);
    if (added) onStack.add(n.name);
    for (const c of n.children) walk(c, onStack);
    if (added) onStack.delete(n.name);
  })(root, new Set());
  tables.appendChild(topTable("Top functions by self samples", selfBy,
                              "samples whose innermost frame is the function"));
  tables.appendChild(topTable("Top functions by inclusive samples", inclBy,
                              "samples with the function anywhere on the stack"));

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 100);
  });
  render();
})();
