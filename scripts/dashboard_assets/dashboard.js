// evictlab perf dashboard: renders the data embedded by scripts/dashboard
// (window.EVICTLAB_DATA, from data.js) into one of five pages, chosen by
// <body data-page>: cost (index.html), ratios, policies, history, profiles.
//
// State lives in the URL hash so views can be linked:
//   #case=<benchmark name>   select / highlight one case
//   #run=<run id>            which run (cost and ratios pages; default latest)
//   #q=<regex>               the filter box
//   #policy=a,b&dict=..&kv=..&key=..   the selectors (absent: the default
//                            view, at most D.max_series series per chart)
// For tests, every page publishes <html data-report='{...}'> (charts with
// their expected and drawn series counts, table row counts) and sets
// <html data-ready="1"> once rendered. #selftest=hover moves the mouse over
// every chart; #selftest=select clicks a selector chip (both for
// tests/dashboard/e2e.py).
(function () {
  "use strict";

  var D = window.EVICTLAB_DATA;
  var page = document.body.getAttribute("data-page");
  var report = {page: page, charts: {}, tables: {}};
  var runs = (D && D.runs) || [];
  var runById = {};
  runs.forEach(function (r) { runById[r.id] = r; });
  var latest = runs.length ? runs[runs.length - 1] : null;
  var profileByCase = {};
  ((D && D.profiles) || []).forEach(function (p) {
    if (p.case) profileByCase[p.case] = p;
  });

  // ---------------------------------------------------------------- utils
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null || v === false) return;
        if (k === "text") e.textContent = v;
        else if (k === "html") e.innerHTML = v;
        else if (k === "class") e.className = v;
        else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? "" : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x != null) e.appendChild(typeof x === "string" ? document.createTextNode(x) : x); });
      else e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function publish() {
    document.documentElement.setAttribute("data-report", JSON.stringify(report));
  }

  function sig(v, digits) {
    if (v == null || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(digits > 2 ? 1 : 0);
    if (a >= 1) return v.toFixed(digits > 2 ? 2 : 1);
    return v.toPrecision(digits || 3);
  }
  function fmtNs(v) {
    if (v == null || !isFinite(v)) return "–";
    if (v >= 1e6) return sig(v / 1e6, 3) + " ms";
    if (v >= 1e3) return sig(v / 1e3, 3) + " µs";
    return sig(v, 3) + " ns";
  }
  function fmtX(v) { return v == null || !isFinite(v) ? "–" : sig(v, 3) + "×"; }
  function fmtCount(v) {
    if (v == null || !isFinite(v)) return "–";
    return v >= 100 ? Math.round(v).toLocaleString("en-US") : sig(v, 3);
  }
  var SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  function pow2(v) {
    if (Math.round(v) !== v) return "";
    return "2" + String(v).split("").map(function (d) { return SUP[+d]; }).join("");
  }
  // A benchmark name that may wrap after its "/" separators.
  function caseText(name) {
    var out = [];
    String(name).split("/").forEach(function (part, i) {
      if (i) { out.push("/"); out.push(document.createElement("wbr")); }
      out.push(part);
    });
    return out;
  }
  function shortDate(iso) { return iso ? iso.slice(0, 10) : ""; }
  function runLabel(r) {
    return "#" + r.seq + " " + r.sha7 + (r.dirty ? "+dirty" : "") + " · " +
      shortDate(r.commit_date || r.run_date) + " · " + (r.message || "").split("\n")[0];
  }

  // ---------------------------------------------------------------- hash
  function getHash() {
    var out = {};
    var s = location.hash.replace(/^#/, "");
    if (!s) return out;
    if (/^BM_/.test(decodeURIComponent(s))) { out["case"] = decodeURIComponent(s); return out; }
    s.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }
  function setHash(patch) {
    var h = getHash();
    Object.keys(patch).forEach(function (k) {
      if (patch[k] == null || patch[k] === "") delete h[k]; else h[k] = patch[k];
    });
    var s = Object.keys(h).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(h[k]).replace(/%2F/g, "/").replace(/%3A/g, ":").replace(/%2C/g, ",");
    }).join("&");
    history.replaceState(null, "", s ? "#" + s : location.pathname + location.search);
  }
  function caseLink(file, name, extra) {
    var h = "case=" + encodeURIComponent(name).replace(/%2F/g, "/").replace(/%3A/g, ":");
    if (extra) h += "&" + extra;
    return file + "#" + h;
  }

  // ---------------------------------------------------------------- filter
  function matcher(q) {
    q = (q || "").trim();
    if (!q) return function () { return true; };
    try {
      var re = new RegExp(q, "i");
      return function (s) { return s != null && re.test(s); };
    } catch (e) {
      var lq = q.toLowerCase();
      return function (s) { return s != null && s.toLowerCase().indexOf(lq) >= 0; };
    }
  }
  var search = document.getElementById("search");
  var onFilter = null;
  var rerender = null;
  var state = getHash();
  if (search) {
    search.value = state.q || "";
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        setHash({q: search.value});
        if (onFilter) onFilter(matcher(search.value));
      }, 150);
    });
  }

  // ---------------------------------------------------------------- context
  function renderContext(run, note) {
    var box = document.getElementById("context");
    box.innerHTML = "";
    if (!run) {
      box.appendChild(el("p", {class: "muted"}, "No runs in results/runs yet: run scripts/run.sh, then scripts/dashboard."));
      return;
    }
    var facts = el("dl", {class: "facts"});
    run.highlights.forEach(function (kv) {
      var dd = el("dd", {title: kv[1]}, kv[1]);
      if (kv[0] === "library_build_type" && /debug/i.test(kv[1])) {
        dd = el("dd", {class: "warn", title: "Google Benchmark reports a DEBUG build of itself (a Debian packaging quirk); recorded, not hidden. It does not change the timed code."}, kv[1] + " ⚠");
      }
      facts.appendChild(el("div", null, el("dt", null, kv[0]), dd));
    });
    var all = el("table", {class: "kv"});
    Object.keys(run.context).sort().forEach(function (k) {
      all.appendChild(el("tr", null, el("th", null, k), el("td", null, String(run.context[k]))));
    });
    box.appendChild(el("div", {class: "context-head"},
      el("strong", null, "Run " + run.id), " ", el("span", {class: "muted"}, note || ""),
      run.has_python ? null : el("span", {class: "badge"}, "no python.json"),
      run.has_gate ? null : el("span", {class: "badge"}, "no gate.json"),
      Object.keys(run.errors || {}).length ? el("span", {class: "badge bad"}, Object.keys(run.errors).length + " cases skipped with errors") : null));
    box.appendChild(facts);
    box.appendChild(el("details", null, el("summary", null, "all context fields (" + Object.keys(run.context).length + ")"), all));
  }

  function runSelect(current, onChange) {
    var sel = el("select", {id: "run-select", "aria-label": "run"});
    runs.slice().reverse().forEach(function (r) {
      var o = el("option", {value: r.id}, runLabel(r));
      if (r.id === current.id) o.selected = true;
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () { onChange(runById[sel.value]); });
    return el("label", {class: "run-select"}, "Run ", sel);
  }

  // ---------------------------------------------------------------- selection
  // Selectors for policy, dict, KV kind and key kind. Their values and order
  // are the runs' case lists (registry order, D.axes); the default view
  // (D.defaults, chosen by scripts/dashboard) draws at most D.max_series
  // series per chart. The selection lives in the URL hash
  // (#policy=lru,fifo&dict=flat,naive&kv=kvobj&key=hcek), so a link
  // reproduces the view; an axis at its default is left out of the hash.
  var AX = (D && D.axes) || {policies: [], dicts: [], kv_kinds: [], key_kinds: []};
  var AXES = [["policy", "policies", "policy"], ["dict", "dicts", "dict"],
              ["kv", "kv_kinds", "KV kind"], ["key", "key_kinds", "key kind"]];
  var MAX_SERIES = (D && D.max_series) || 8;
  var PY_KEY_FOR = (D && D.py_key_for) || {};
  var sel = {};
  function axisValues(a) { return AX[a[1]] || []; }
  function defaultsOf(axis) { return ((D && D.defaults && D.defaults[axis]) || []).slice(); }
  function readSelection() {
    AXES.forEach(function (a) {
      var all = axisValues(a), v = state[a[0]];
      if (v == null) sel[a[0]] = defaultsOf(a[0]);
      else sel[a[0]] = v === "" ? [] : v.split(",").filter(function (x) { return all.indexOf(x) >= 0; });
    });
  }
  function sameSet(a, b) {
    return a.length === b.length && a.every(function (x) { return b.indexOf(x) >= 0; });
  }
  function writeSelection() {
    var patch = {};
    AXES.forEach(function (a) {
      var v = sel[a[0]];
      // Registry order in the URL, whatever the click order.
      var ordered = axisValues(a).filter(function (x) { return v.indexOf(x) >= 0; });
      patch[a[0]] = sameSet(ordered, defaultsOf(a[0])) ? null : ordered.join(",");
      state[a[0]] = patch[a[0]] == null ? undefined : patch[a[0]];
    });
    setHash(patch, true);
  }
  function inSel(axis, value) { return value == null || (sel[axis] || []).indexOf(value) >= 0; }
  function pyKeySelected(key) {
    return (sel.key || []).some(function (k) { return (PY_KEY_FOR[k] || k) === key; });
  }
  // A chart series: C++ by all four axes; the Python model (one dict) by
  // policy, KV kind and the key kind its C++ keys are compared with; the
  // memory floor always.
  function seriesSelected(s) {
    if (s.source === "floor") return true;
    if (s.source === "py") return inSel("policy", s.policy) && inSel("kv", s.kv) && pyKeySelected(s.key);
    return inSel("policy", s.policy) && inSel("dict", s.dict) && inSel("kv", s.kv) && inSel("key", s.key);
  }
  // A case record (ratio rows, history cases): the axes it has.
  function recordSelected(r) {
    return inSel("policy", r.policy) && inSel("dict", r.dict) && inSel("kv", r.kv) && inSel("key", r.key);
  }
  function selectionText() {
    return AXES.map(function (a) { return a[2] + ": " + ((sel[a[0]] || []).join(", ") || "none"); }).join(" · ");
  }
  function selectorBar(onChange) {
    var box = el("div", {class: "selectors", id: "selectors"});
    AXES.forEach(function (a) {
      var values = axisValues(a);
      if (!values.length) return;
      var group = el("div", {class: "sel-group", "data-axis": a[0]}, el("span", {class: "sel-label"}, a[2]));
      values.forEach(function (v) {
        var on = sel[a[0]].indexOf(v) >= 0;
        var title = a[0] === "dict" && v === AX.default_dict ? "the default dict" : null;
        var tr = a[0] === "policy" && AX.policy_traits && AX.policy_traits[v];
        if (tr && tr.reproduces) title = "reproduces " + tr.reproduces;
        group.appendChild(el("button", {type: "button", class: "chip" + (on ? " on" : ""), "aria-pressed": on ? "true" : "false",
          "data-axis": a[0], "data-value": v, title: title,
          onclick: function () {
            var cur = sel[a[0]], i = cur.indexOf(v);
            if (i >= 0) cur.splice(i, 1); else cur.push(v);
            writeSelection();
            onChange();
          }}, v));
      });
      group.appendChild(el("button", {type: "button", class: "chip-all", "data-axis": a[0], title: "select every " + a[2],
        onclick: function () { sel[a[0]] = values.slice(); writeSelection(); onChange(); }}, "all"));
      box.appendChild(group);
    });
    box.appendChild(el("button", {type: "button", class: "chip-all", id: "sel-reset", title: "the default view",
      onclick: function () { AXES.forEach(function (a) { sel[a[0]] = defaultsOf(a[0]); }); writeSelection(); onChange(); }}, "default view"));
    report.selection = {};
    AXES.forEach(function (a) { report.selection[a[0]] = (sel[a[0]] || []).slice(); });
    return box;
  }

  // ---------------------------------------------------------------- colours
  // By position in registry order: the shown C++ series of a chart come in
  // registry order (scripts/dashboard sorts them) and take the palette in
  // that order; a Python series takes the colour of the C++ series it is
  // compared with (same policy, KV kind and key, the default dict) and is
  // dashed; the memory floor is black.
  var PALETTE = ["#1f6fb4", "#d4502a", "#2f9e44", "#8e4fc2", "#c28a00", "#17a2b8", "#d6336c", "#6c757d",
                 "#5c3d1e", "#7aa116"];
  function seriesColors(series, visible) {
    var n = 0, byKey = {};
    var cols = series.map(function (s, i) {
      if (s.source === "floor") return "#222";
      if (s.source !== "cpp") return null;
      if (!visible[i]) return "#bbb";
      var c = PALETTE[n++ % PALETTE.length];
      if (s.dict === AX.default_dict) byKey[s.policy + "/" + s.kv + "/" + (PY_KEY_FOR[s.key] || s.key)] = byKey[s.policy + "/" + s.kv + "/" + (PY_KEY_FOR[s.key] || s.key)] || c;
      return c;
    });
    return cols.map(function (c, i) {
      if (c) return c;
      var s = series[i];
      return byKey[s.policy + "/" + s.kv + "/" + s.key] || PALETTE[n++ % PALETTE.length];
    });
  }

  // ---------------------------------------------------------------- uPlot helpers
  var tip = document.getElementById("tooltip");
  function showTip(u, htmlNodes) {
    tip.innerHTML = "";
    htmlNodes.forEach(function (n) { tip.appendChild(n); });
    tip.hidden = false;
    var r = u.over.getBoundingClientRect();
    var x = r.left + window.scrollX + u.cursor.left + 14;
    var y = r.top + window.scrollY + u.cursor.top + 14;
    var w = tip.offsetWidth;
    if (x + w > window.scrollX + document.documentElement.clientWidth - 8) x = x - w - 28;
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }

  // Draws min..max whiskers for every shown series; spread[i][idx] = [lo, hi].
  function whiskerPlugin(spread, colors) {
    return {hooks: {draw: function (u) {
      var ctx = u.ctx, px = uPlot.pxRatio || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      ctx.lineWidth = 1.2 * px;
      for (var i = 1; i < u.series.length; i++) {
        if (!u.series[i].show || !spread[i]) continue;
        ctx.strokeStyle = colors[i];
        for (var j = 0; j < u.data[0].length; j++) {
          var s = spread[i][j];
          if (!s || s[0] == null || s[1] == null) continue;
          var x = Math.round(u.valToPos(u.data[0][j], "x", true));
          var y0 = u.valToPos(s[0], "y", true), y1 = u.valToPos(s[1], "y", true);
          ctx.beginPath();
          ctx.moveTo(x, y0); ctx.lineTo(x, y1);
          ctx.moveTo(x - 3 * px, y0); ctx.lineTo(x + 3 * px, y0);
          ctx.moveTo(x - 3 * px, y1); ctx.lineTo(x + 3 * px, y1);
          ctx.stroke();
        }
      }
      ctx.restore();
    }}};
  }

  // Counts the series uPlot actually drew, for the report.
  function countPlugin(id, expected) {
    var drawn = {};
    report.charts[id] = {expected: expected, drawn: 0};
    return {hooks: {
      drawClear: function () { drawn = {}; },
      drawSeries: function (u, si) {
        var d = u.data[si];
        for (var k = 0; k < d.length; k++) if (d[k] != null) { drawn[si] = 1; break; }
      },
      draw: function () {
        report.charts[id].drawn = Object.keys(drawn).length;
        publish();
      }
    }};
  }

  function nearestSeries(u, idx) {
    var best = -1, bestD = Infinity;
    for (var i = 1; i < u.series.length; i++) {
      if (!u.series[i].show) continue;
      var v = u.data[i][idx];
      if (v == null) continue;
      var d = Math.abs(u.valToPos(v, u.series[i].scale || "y") - u.cursor.top);
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }

  function chartWidth(container) {
    return Math.max(320, Math.min(container.clientWidth || 900, 1400) - 4);
  }
  var allPlots = [];
  window.addEventListener("resize", function () {
    allPlots.forEach(function (p) { p.u.setSize({width: chartWidth(p.box), height: p.height}); });
  });

  // A detected level drawn as flat steps that change half-way between runs,
  // where the change marker is.
  function levelPaths(u, si, i0, i1) {
    var p = new Path2D(), xs = u.data[0], ys = u.data[si], open = false;
    for (var i = i0; i <= i1; i++) {
      var v = ys[i];
      if (v == null) { open = false; continue; }
      var xl = u.valToPos(xs[i] - 0.5, "x", true), xr = u.valToPos(xs[i] + 0.5, "x", true);
      var y = u.valToPos(v, "y", true);
      if (open) p.lineTo(xl, y); else p.moveTo(xl, y);
      p.lineTo(xr, y);
      open = true;
    }
    return {stroke: p, fill: null, clip: null, band: null, gaps: null, flags: 0};
  }

  // y range over the shown series including their whiskers, with a margin
  // (not snapped to decades, so a narrow spread of values stays readable).
  function logRange(spread) {
    return function (u) {
      var lo = Infinity, hi = -Infinity;
      for (var i = 1; i < u.series.length; i++) {
        if (!u.series[i].show) continue;
        for (var j = 0; j < u.data[i].length; j++) {
          var v = u.data[i][j];
          if (v == null || !(v > 0)) continue;
          var s = spread && spread[i] && spread[i][j];
          lo = Math.min(lo, s ? s[0] : v, v);
          hi = Math.max(hi, s ? s[1] : v, v);
        }
      }
      if (!isFinite(lo)) return [1, 10];
      var pad = Math.max(1.25, Math.pow(hi / lo, 0.06));
      return [lo / pad, hi * pad];
    };
  }
  // Ticks at 1-2-5 × 10^k (only decades when the range is wide).
  function logSplits(u, axisIdx, min, max) {
    var e0 = Math.floor(Math.log10(min)), e1 = Math.ceil(Math.log10(max));
    var sets = e1 - e0 > 3 ? [[1]] : [[1, 2, 5], [1, 1.5, 2, 3, 5, 7]];
    var out = [];
    for (var s = 0; s < sets.length; s++) {
      out = [];
      for (var e = e0; e <= e1; e++) {
        sets[s].forEach(function (m) {
          var v = m * Math.pow(10, e);
          if (v >= min && v <= max) out.push(+v.toPrecision(6));
        });
      }
      if (out.length >= 3) break;
    }
    return out;
  }
  // uPlot thins log-axis labels to decades by default; our splits are chosen.
  function keepAll(u, splits) { return splits; }
  function trim(v) { return String(+v.toPrecision(3)); }
  function axisNs(u, splits) {
    return splits.map(function (v) {
      if (v == null) return "";
      if (v >= 1e6) return trim(v / 1e6) + " ms";
      if (v >= 1e3) return trim(v / 1e3) + " µs";
      return trim(v) + " ns";
    });
  }
  function axisCount(u, splits) {
    return splits.map(function (v) { return v == null ? "" : (v >= 1e4 ? trim(v / 1e3) + "k" : trim(v)); });
  }

  // ---------------------------------------------------------------- cost page
  var FAMILY_NOTE = {
    "UpdateOnGet": "update_on_get(key, d) on a full cache, every key a hit",
    "UpdateOnPut": "the local backend's blocking put (evictor + dict work)"
  };

  function renderCost() {
    var main = document.getElementById("main");
    if (!latest) { renderContext(null); finish(); return; }
    var run = runById[state.run] || latest;
    var M = matcher(state.q);

    function draw() {
      main.innerHTML = "";
      allPlots.forEach(function (p) { p.u.destroy(); });
      allPlots = [];
      report.charts = {};
      renderContext(run, "(charts below are from this run)");
      main.appendChild(el("div", {class: "toolbar"},
        runSelect(run, function (r) { run = r; setHash({run: r.id === latest.id ? null : r.id}); draw(); }),
        el("span", {class: "muted"}, "x: log₂(entries) · y: " + (D.time_field || "real_time").replace("_", " ") + " per op, log scale · whiskers: min–max of repetitions · click a legend entry to toggle it, hover for values, click a point for its history")));
      main.appendChild(selectorBar(draw));
      var charts = D.charts[run.id] || [];
      var shown = 0;
      charts.forEach(function (spec) {
        var visible = spec.series.map(function (s) {
          return seriesSelected(s) && (s.source === "floor" || s.cases.some(function (c) { return c && M(c); }));
        });
        var anyMain = spec.series.some(function (s, i) { return visible[i] && s.source !== "floor"; });
        if (!anyMain) return;
        shown++;
        main.appendChild(costChart(spec, visible, run));
      });
      if (!shown && charts.length) main.appendChild(el("p", {class: "muted", id: "no-chart"}, "No chart matches the selection (" + selectionText() + ")" + (state.q ? " and the filter." : ".")));
      main.appendChild(getSizeTable(run, M));
      var sel1 = state["case"];
      if (sel1) {
        var card = document.querySelector('[data-cases~="' + CSS.escape(sel1) + '"]');
        if (card) { card.classList.add("selected"); card.scrollIntoView(); }
      }
      finish();
    }
    onFilter = function (m) { M = m; state.q = search.value; draw(); };
    rerender = draw;
    draw();
  }

  function costChart(spec, visible, run) {
    var colors = [null].concat(seriesColors(spec.series, visible));
    var data = [spec.x];
    var spread = [null];
    var series = [{label: "entries", value: function (u, v) { return v == null ? "" : pow2(v); }}];
    var idx = [];   // spec series index of each uPlot series
    spec.series.forEach(function (s, i) {
      // Only the selected series are handed to uPlot (the legend stays short).
      if (!visible[i]) return;
      idx.push(i);
      data.push(s.data.map(function (p) { return p ? p[0] : null; }));
      spread.push(s.data.map(function (p) { return p ? [p[1], p[2]] : null; }));
      var py = s.source === "py", fl = s.source === "floor";
      series.push({
        label: s.label, stroke: colors[i + 1], width: fl ? 2.5 : (py ? 1.5 : 2),
        dash: py ? [7, 4] : (fl ? [2, 3] : undefined),
        points: {show: true, size: fl ? 4 : 6, fill: py ? "#fff" : colors[i + 1], width: 1.5},
        spanGaps: true,
        value: function (u, v) { return fmtNs(v); }
      });
    });
    var shownColors = [null].concat(idx.map(function (i) { return colors[i + 1]; }));
    var cases = spec.series.reduce(function (a, s) { return a.concat(s.cases.filter(Boolean)); }, []);
    var box = el("div", {class: "plot"});
    var expected = idx.filter(function (i) { return spec.series[i].data.some(Boolean); }).length;
    var card = el("section", {class: "card", id: "chart-" + spec.id, "data-cases": cases.join(" "), "data-series": String(expected)},
      el("h2", null, spec.title),
      el("p", {class: "muted"}, FAMILY_NOTE[spec.family] || ""),
      expected > MAX_SERIES ? el("p", {class: "warn crowded"}, expected + " series: more than " + MAX_SERIES + " are hard to tell apart; narrow the selectors above.") : null,
      box);
    // Attach first so the container has a width.
    document.getElementById("main").appendChild(card);
    var hover = null;
    var opts = {
      width: chartWidth(box), height: 340,
      scales: {x: {time: false, range: function () { return [Math.min.apply(null, spec.x) - 0.5, Math.max.apply(null, spec.x) + 0.5]; }},
               y: {distr: 3, log: 10, range: logRange(spread)}},
      axes: [
        {label: "entries", splits: function () { return spec.x; }, values: function (u, sp) { return sp.map(pow2); }},
        {label: "ns / op", size: 70, splits: logSplits, filter: keepAll, values: axisNs}
      ],
      series: series,
      legend: {live: false},
      cursor: {focus: {prox: 24}, drag: {x: true, y: false}},
      focus: {alpha: 0.35},
      plugins: [whiskerPlugin(spread, shownColors), countPlugin("cost-" + spec.id, expected), {hooks: {
        setCursor: function (u) {
          var ix = u.cursor.idx;
          if (ix == null || u.cursor.left < 0) { hideTip(); hover = null; return; }
          var si = nearestSeries(u, ix);
          if (si < 0) { hideTip(); hover = null; return; }
          var s = spec.series[idx[si - 1]], p = s.data[ix];
          hover = s.cases[ix];
          var floorS = spec.series.filter(function (x) { return x.source === "floor"; })[0];
          var fl = floorS ? floorS.data[ix] : null;
          showTip(u, [
            el("div", {class: "tip-title"}, el("span", {class: "swatch", style: "background:" + shownColors[si]}), s.label),
            el("div", {class: "mono"}, hover || ""),
            el("div", null, pow2(spec.x[ix]) + " entries: " + fmtNs(p[0]) + " (min " + fmtNs(p[1]) + ", max " + fmtNs(p[2]) + ")"),
            fl && s.source !== "floor" ? el("div", {class: "muted"}, fmtX(p[0] / fl[0]) + " MemoryFloor") : null,
            profileByCase[hover] ? el("div", {class: "muted"}, "has a profile") : null,
            el("div", {class: "muted"}, "click: history of this case")
          ].filter(Boolean));
        }
      }}]
    };
    var u = new uPlot(opts, data, box);
    u.over.addEventListener("click", function () { if (hover) location.href = caseLink("history.html", hover); });
    u.over.addEventListener("mouseleave", hideTip);
    allPlots.push({u: u, box: box, height: 340});
    var selCase = state["case"];
    if (selCase) {
      idx.forEach(function (i) {
        var s = spec.series[i];
        if (s.cases.indexOf(selCase) >= 0) card.appendChild(el("p", {class: "selected-note"}, "Selected: " + selCase + " (series “" + s.label + "”)"));
      });
    }
    return card;
  }

  function getSizeTable(run, M) {
    var all = D.getsize[run.id] || [];
    var rows = all.filter(function (r) { return M(r["case"]) && inSel("kv", r.kv); });
    var sec = el("section", {class: "card", id: "getsize"}, el("h2", null, "GetSize · get_size(obj) per object"));
    report.tables.getsize = rows.length;
    if (!rows.length) { sec.appendChild(el("p", {class: "muted"}, "No GetSize cases in this run" + (all.length ? " match the KV kind selector or the filter." : "."))); return sec; }
    var ref = all.filter(function (r) { return r["case"] === "BM_GetSize/field_read"; })[0];
    var max = Math.max.apply(null, rows.map(function (r) { return r.hi || r.ns; }));
    var t = el("table", {class: "data"}, el("thead", null, el("tr", null,
      el("th", null, "case"), el("th", {class: "bar-col"}, "ns / op (bar: median, line: min–max)"),
      el("th", {class: "num"}, "× field_read"), el("th", {class: "num"}, "Python"))));
    var tb = el("tbody");
    rows.slice().sort(function (a, b) { return a.ns - b.ns; }).forEach(function (r) {
      var w = 100 * r.ns / max;
      var bar = el("div", {class: "bar-wrap"},
        el("div", {class: "bar" + (r["case"] === "BM_GetSize/field_read" ? " ref" : ""), style: "width:" + w.toFixed(1) + "%"}),
        el("div", {class: "range", style: "left:" + (100 * r.lo / max).toFixed(1) + "%;width:" + Math.max(0.3, 100 * (r.hi - r.lo) / max).toFixed(1) + "%"}),
        el("span", {class: "bar-label"}, fmtNs(r.ns)));
      tb.appendChild(el("tr", {id: "row-" + r["case"], "data-case": r["case"], class: r["case"] === state["case"] ? "selected" : null},
        el("td", {class: "mono"}, el("a", {href: caseLink("history.html", r["case"])}, r["case"])),
        el("td", null, bar),
        el("td", {class: "num"}, ref ? fmtX(r.ns / ref.ns) : "–"),
        el("td", {class: "num"}, fmtNs(r.py_ns))));
    });
    t.appendChild(tb);
    sec.appendChild(t);
    return sec;
  }
  // ---------------------------------------------------------------- ratios page
  // Rows and target checks are evictlab_tools/derive.py's (the derivation of
  // summary.md); a cell is a number, null (does not apply) or the reason it
  // could not be computed ("n/a": the other case is missing, "error").
  function cellX(v) { return typeof v === "string" ? v : fmtX(v); }
  function cellNs(v) { return typeof v === "string" ? v : fmtNs(v); }
  function targetText(id) { return (D.targets.filter(function (t) { return t.id === id; })[0] || {}).text; }
  function checkBadge(c) {
    return el("span", {class: "badge " + (c.met ? "good" : "bad"), title: targetText(c.target)},
      (c.met ? "✔ " : "✘ ") + sig(c.value, 3) + " " + c.what + " (target " + (c.op === ">=" ? "≥ " : "≤ ") + c.threshold + ")");
  }

  function renderRatios() {
    var main = document.getElementById("main");
    if (!latest) { renderContext(null); finish(); return; }
    var run = runById[state.run] || latest;
    var M = matcher(state.q);
    function draw() {
      main.innerHTML = "";
      renderContext(run, "(ratios below are from this run)");
      main.appendChild(el("div", {class: "toolbar"},
        runSelect(run, function (r) { run = r; setHash({run: r.id === latest.id ? null : r.id}); draw(); }),
        el("span", {class: "muted"}, "speed-up = other / this (higher is better); /floor (dependent; 'ind.': the independent-access floor of the hit's lines), ×field_read, ×kvobj, ×get = this / reference (lower is better); medians of repetitions; the same derivation as summary.md")));
      var sum = D.summary[run.id] || [];
      var st = el("table", {class: "data targets", id: "target-table"}, el("thead", null, el("tr", null,
        el("th", null, "target (targets.json)"), el("th", null, "status"), el("th", null, "worst case"))));
      var stb = el("tbody");
      sum.forEach(function (t) {
        var status = t.n === 0 ? el("span", {class: "badge"}, "not checked") :
          el("span", {class: "badge " + (t.met === t.n ? "good" : "bad")}, (t.met === t.n ? "met " : "not met ") + t.met + "/" + t.n);
        var miss = (t.missing || []).length ? el("span", {class: "badge", title: "an operand is missing from the run:\n" + t.missing.join("\n")}, t.missing.length + " not checked") : null;
        stb.appendChild(el("tr", {class: t.n && t.met < t.n ? "fail" : null},
          el("td", null, t.text), el("td", null, status, " ", miss),
          el("td", {class: "mono"}, t.worst_case ? [el("a", {href: "#case=" + t.worst_case, onclick: function (ev) { ev.preventDefault(); state["case"] = t.worst_case; setHash({"case": t.worst_case}); draw(); }}, t.worst_case), " " + sig(t.worst_value, 3) + " (" + (t.op === ">=" ? "≥ " : "≤ ") + t.threshold + ")"] : "")));
      });
      st.appendChild(stb);
      report.tables.targets = sum.length;
      main.appendChild(el("section", {class: "card"}, el("h2", null, "Targets · run #" + run.seq + " " + run.sha7), st));

      main.appendChild(selectorBar(draw));
      var all = D.ratios[run.id] || [];
      var rows = all.filter(function (r) { return M(r.name) && recordSelected(r); });
      var t = el("table", {class: "data ratios", id: "ratio-table"}, el("thead", null, el("tr", null,
        el("th", null, "case (worst first)"), el("th", {class: "num"}, "C++"), el("th", {class: "num"}, "Python"),
        el("th", {class: "num"}, "× vs Python"), el("th", {class: "num"}, "× vs naive dict"),
        el("th", {class: "num"}, "/ floor"), el("th", {class: "num"}, "vs ref"), el("th", {class: "num"}, "B/entry"),
        el("th", {class: "num", title: "callgrind instructions per op (gate.json of this run)"}, "Ir/op"),
        el("th", {class: "num"}, "cycles/op"), el("th", null, "targets"))));
      var tb = el("tbody");
      rows.forEach(function (r) {
        var fail = r.checks.some(function (c) { return !c.met; });
        var ref = [];
        if (r.ratio_to_field_read != null) ref.push(el("div", null, cellX(r.ratio_to_field_read) + " field_read"));
        if (r.ratio_to_kvobj != null) ref.push(el("div", null, cellX(r.ratio_to_kvobj) + " kvobj"));
        if (r.ratio_to_get != null) ref.push(el("div", null, cellX(r.ratio_to_get) + " UpdateOnGet"));
        if (r.ratio_to_lru != null) ref.push(el("div", null, cellX(r.ratio_to_lru) + " lru"));
        if (typeof r.bytes_over_lru === "number") ref.push(el("div", null, (r.bytes_over_lru >= 0 ? "+" : "") + sig(r.bytes_over_lru, 3) + " B over lru"));
        var prof = profileByCase[r.name];
        tb.appendChild(el("tr", {"data-case": r.name, class: [fail ? "fail" : "", r.name === state["case"] ? "selected" : ""].join(" ").trim() || null},
          el("td", {class: "mono"}, el("a", {href: caseLink("history.html", r.name), title: "history"}, caseText(r.name)),
            prof ? [" ", el("a", {class: "badge", href: "profiles/" + prof.dir + "/" + prof.files[0]}, "profile")] : null),
          r.error ? el("td", {colspan: "9", class: "bad"}, "skipped: " + r.error) : [
            el("td", {class: "num", title: "min " + fmtNs(r.cpp_min_ns) + ", max " + fmtNs(r.cpp_max_ns) + ", n=" + r.n}, cellNs(r.cpp_median_ns)),
            el("td", {class: "num"}, cellNs(r.python_median_ns)),
            el("td", {class: "num"}, cellX(r.speedup_vs_python)),
            el("td", {class: "num"}, cellX(r.speedup_vs_naive)),
            el("td", {class: "num"}, r.ratio_to_ind_floor != null ? [el("div", {title: "÷ the dependent floor (one cache-missing load)"}, cellX(r.ratio_to_floor)), el("div", {title: "÷ the independent-access floor of the lines this hit touches"}, cellX(r.ratio_to_ind_floor) + " ind.")] : cellX(r.ratio_to_floor)),
            el("td", {class: "num"}, ref.length ? ref : "–"),
            el("td", {class: "num"}, r.bytes_per_entry == null ? "–" : sig(r.bytes_per_entry, 3)),
            el("td", {class: "num ir"}, fmtCount(r.ir_per_op)),
            el("td", {class: "num"}, fmtCount(r.est_cycles_per_op))],
          el("td", {class: "checks"}, r.checks.map(checkBadge), (r.missing || []).map(function (m) {
            return el("span", {class: "badge", title: "not checked: a case this target compares with is missing from the run"}, "? " + targetText(m.target) + ": n/a");
          }))));
      });
      t.appendChild(tb);
      report.tables.ratios = rows.length;
      report.tables.ratios_ir = rows.filter(function (r) { return typeof r.ir_per_op === "number"; }).length;
      main.appendChild(el("section", {class: "card"}, el("h2", null, "Cases · run #" + run.seq + " (" + rows.length + " of " + all.length + " rows: " + selectionText() + ")"),
        rows.length ? t : el("p", {class: "muted"}, "No case matches the selection" + (state.q ? " and the filter." : "."))));
      var selRow = state["case"] && document.querySelector('tr[data-case="' + CSS.escape(state["case"]) + '"]');
      if (selRow) selRow.scrollIntoView({block: "center"});
      finish();
    }
    onFilter = function (m) { M = m; state.q = search.value; draw(); };
    rerender = draw;
    draw();
  }
  // ---------------------------------------------------------------- history page
  // Runs are grouped by machine (CPU model, cores, compiler: D.machines);
  // each machine is its own series and change detection ran within one
  // machine's runs (scripts/dashboard), so a run on another machine is never
  // a change. Ir/op is grouped by compiler.
  var machineById = {};
  ((D && D.machines) || []).forEach(function (m, i) { m.color = PALETTE[i % PALETTE.length]; machineById[m.id] = m; });
  var compilerColor = {};
  function irColor(comp) {
    if (!compilerColor[comp]) compilerColor[comp] = ["hsl(150,60%,32%)", "hsl(30,80%,40%)", "hsl(280,50%,45%)", "hsl(190,70%,35%)"][Object.keys(compilerColor).length % 4];
    return compilerColor[comp];
  }
  function shortCompiler(c) { return String(c || "").replace(/\s*\(.*?\)\s*/g, " ").trim(); }

  function renderHistory() {
    var main = document.getElementById("main");
    renderContext(latest, "(latest run; each point's commit is in its tooltip)");
    if (!latest) { finish(); return; }
    var H = D.history;
    var names = Object.keys(H);
    var multi = (D.machines || []).length > 1;
    function flags(name) {
      var h = H[name], f = [];
      h.ns.forEach(function (g) { (g.changes || []).forEach(function (c) { f.push(["ns/op", c, machineById[g.machine].label]); }); });
      h.ir.forEach(function (g) { (g.changes || []).forEach(function (c) { f.push(["Ir/op", c, shortCompiler(g.compiler)]); }); });
      return f;
    }
    function pendings(name) {
      var h = H[name], f = [];
      h.ns.forEach(function (g) { if (g.pending) f.push(["ns/op", g.pending, machineById[g.machine].label]); });
      h.ir.forEach(function (g) { if (g.pending) f.push(["Ir/op", g.pending, shortCompiler(g.compiler)]); });
      return f;
    }
    function rank(name) {
      var f = flags(name);
      if (f.some(function (x) { return x[1].kind === "regression"; })) return 0;
      if (pendings(name).length) return 1;
      if (f.length) return 2;
      return 3;
    }
    names.sort(function (a, b) { return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0); });
    var M = matcher(state.q);
    function shownNames() { return names.filter(function (n) { return M(n) && recordSelected(H[n]); }); }
    var selected = state["case"] && H[state["case"]] ? state["case"] : (shownNames()[0] || names[0]);

    var changes = [];
    names.forEach(function (n) {
      flags(n).forEach(function (x) { changes.push({"case": n, metric: x[0], c: x[1], group: x[2], pending: false}); });
      pendings(n).forEach(function (x) { changes.push({"case": n, metric: x[0], c: x[1], group: x[2], pending: true}); });
    });
    changes.sort(function (a, b) {
      return (a.pending - b.pending) || ((a.c.kind === "regression" ? 0 : 1) - (b.c.kind === "regression" ? 0 : 1)) ||
        (Math.abs(Math.log(b.c.ratio)) - Math.abs(Math.log(a.c.ratio)));
    });

    var selBox = el("div");
    var listBox = el("div", {class: "case-list", id: "case-list"});
    var detail = el("div", {class: "case-detail", id: "case-detail"});
    var changesBox = el("section", {class: "card", id: "changes"});
    main.appendChild(changesBox);
    main.appendChild(selBox);
    main.appendChild(el("div", {class: "history-layout"}, listBox, detail));

    function drawChanges() {
      changesBox.innerHTML = "";
      var rows = changes.filter(function (x) { return M(x["case"]) && recordSelected(H[x["case"]]); });
      changesBox.appendChild(el("h2", null, "Detected changes (" + rows.filter(function (x) { return !x.pending; }).length + ")"));
      changesBox.appendChild(el("p", {class: "muted"}, "Step detection over one machine's runs in commit order (Ir/op: one compiler's), never across machines: penalised least-squares segmentation of log values, segments ≥ 2 runs, steps ≥ 5 % and beyond the case's noise, confirmed by the runs after the step — one noisy run is never flagged. ‘unconfirmed’: the machine's latest run is off its level; one more run decides."));
      report.tables.changes = rows.length;
      if (!rows.length) { changesBox.appendChild(el("p", {class: "muted"}, "None.")); return; }
      var t = el("table", {class: "data"}, el("thead", null, el("tr", null,
        el("th", null, "case"), el("th", null, "metric"), el("th", null, "machine / compiler"), el("th", null, "first run at new level"),
        el("th", {class: "num"}, "before → after"), el("th", {class: "num"}, "ratio"), el("th", null, ""))));
      var tb = el("tbody");
      rows.forEach(function (x) {
        var r = runs[x.c.index];
        var cls = x.pending ? "warn" : (x.c.kind === "regression" ? "bad" : "good");
        tb.appendChild(el("tr", {class: x.c.kind === "regression" && !x.pending ? "fail" : null},
          el("td", {class: "mono"}, el("a", {href: caseLink("history.html", x["case"]), onclick: function (ev) { ev.preventDefault(); select(x["case"]); }}, x["case"])),
          el("td", null, x.metric), el("td", null, x.group),
          el("td", null, r ? runLabel(r) : ""),
          el("td", {class: "num"}, x.pending ? "–" : (x.metric === "ns/op" ? fmtNs(x.c.before) + " → " + fmtNs(x.c.after) : fmtCount(x.c.before) + " → " + fmtCount(x.c.after))),
          el("td", {class: "num"}, fmtX(x.c.ratio)),
          el("td", null, el("span", {class: "badge " + cls}, x.pending ? "unconfirmed " + x.c.kind : x.c.kind))));
      });
      t.appendChild(tb);
      changesBox.appendChild(t);
    }

    function drawList() {
      listBox.innerHTML = "";
      var shown = shownNames();
      report.tables.cases = shown.length;
      listBox.appendChild(el("div", {class: "muted"}, shown.length + " of " + names.length + " cases"));
      var ul = el("ul");
      shown.slice(0, 800).forEach(function (n) {
        var badges = [];
        flags(n).forEach(function (x) {
          badges.push(el("span", {class: "badge " + (x[1].kind === "regression" ? "bad" : "good"), title: x[0] + " " + x[1].kind + " " + fmtX(x[1].ratio) + " on " + x[2]}, (x[1].kind === "regression" ? "▲" : "▼") + x[0]));
        });
        if (pendings(n).length) badges.push(el("span", {class: "badge warn", title: "latest run off its level, unconfirmed"}, "?"));
        ul.appendChild(el("li", {class: n === selected ? "active" : null},
          el("a", {href: caseLink("history.html", n), onclick: function (ev) { ev.preventDefault(); select(n); }}, caseText(n)), badges));
      });
      listBox.appendChild(ul);
    }

    function select(name) {
      selected = name;
      state["case"] = name;
      setHash({"case": name});
      drawList();
      drawDetail();
      finish();
    }

    // series: [{label, data (per run), color, ...}]; marks: [{changes, pending, data}]
    function historyChart(id, title, unit, series, spread, marks, fmt) {
      var xs = runs.map(function (r) { return r.seq; });
      var colors = [null].concat(series.map(function (s) { return s.color; }));
      var box = el("div", {class: "plot"});
      detail.appendChild(el("h3", null, title));
      detail.appendChild(box);
      var expected = series.filter(function (s) { return s.data.some(function (v) { return v != null; }); }).length;
      var opts = {
        width: chartWidth(box), height: 280,
        scales: {x: {time: false, range: [0.5, runs.length + 0.5]}, y: {distr: 3, log: 10, range: logRange(spread)}},
        axes: [{label: "run (commit order)", incrs: [1, 2, 5, 10, 20, 50, 100, 200],
                values: function (u, sp) { return sp.map(function (v) { var r = runs[v - 1]; return r && Math.round(v) === v ? r.sha7 : ""; }); }},
               {label: unit, size: 70, splits: logSplits, filter: keepAll, values: unit === "ns / op" ? axisNs : axisCount}],
        series: [{label: "run"}].concat(series.map(function (s) {
          return {label: s.label, stroke: s.color, width: s.width || 2, dash: s.dash, spanGaps: true,
                  paths: s.stepped ? levelPaths : undefined,
                  points: {show: s.points !== false, size: 7, fill: s.fill || s.color}, value: function (u, v) { return fmt(v); }};
        })),
        legend: {live: false},
        cursor: {drag: {x: true, y: false}},
        plugins: [whiskerPlugin(spread, colors), countPlugin(id, expected), {hooks: {
          draw: function (u) {
            var ctx = u.ctx, px = uPlot.pxRatio || 1;
            ctx.save();
            marks.forEach(function (m) {
              (m.changes || []).forEach(function (c) {
                var x = u.valToPos(runs[c.index].seq - 0.5, "x", true);
                ctx.strokeStyle = c.kind === "regression" ? "rgba(200,30,30,.8)" : "rgba(20,140,60,.8)";
                ctx.lineWidth = 2 * px;
                ctx.setLineDash([5 * px, 4 * px]);
                ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
                ctx.setLineDash([]);
                ctx.fillStyle = ctx.strokeStyle;
                ctx.font = (11 * px) + "px sans-serif";
                ctx.fillText((c.kind === "regression" ? "▲ " : "▼ ") + fmtX(c.ratio), x + 4 * px, u.bbox.top + 12 * px);
              });
              if (m.pending && m.data[m.pending.index] != null) {
                var x = u.valToPos(runs[m.pending.index].seq, "x", true);
                var y = u.valToPos(m.data[m.pending.index], "y", true);
                ctx.strokeStyle = "#d98200"; ctx.lineWidth = 2 * px;
                ctx.beginPath(); ctx.arc(x, y, 9 * px, 0, 2 * Math.PI); ctx.stroke();
              }
            });
            ctx.restore();
          },
          setCursor: function (u) {
            var idx = u.cursor.idx;
            if (idx == null || u.cursor.left < 0) { hideTip(); return; }
            var r = runs[idx];
            var lines = [el("div", {class: "tip-title"}, "#" + r.seq + " " + r.sha7 + (r.dirty ? " (dirty)" : "")),
                         el("div", {class: "muted"}, (r.commit_date || r.run_date || "") + (r.profile ? " · profile " + r.profile : "")),
                         el("div", {class: "muted"}, (machineById[r.machine] || {}).label || ""),
                         el("div", {class: "tip-msg"}, r.message || "")];
            series.forEach(function (s, i) {
              var v = s.data[idx];
              if (v == null || s.points === false) return;
              var sp = spread[i + 1] && spread[i + 1][idx];
              lines.push(el("div", null, el("span", {class: "swatch", style: "background:" + s.color}), s.label + ": " + fmt(v) + (sp ? " (min " + fmt(sp[0]) + ", max " + fmt(sp[1]) + ")" : "")));
            });
            showTip(u, lines);
          }
        }}]
      };
      var data = [xs].concat(series.map(function (s) { return s.data; }));
      var u = new uPlot(opts, data, box);
      u.over.addEventListener("mouseleave", hideTip);
      allPlots.push({u: u, box: box, height: 280});
    }

    function LEVEL(data, label) {
      return {label: label || "detected level", data: data, color: "rgba(120,130,150,.35)", width: 7, points: false, stepped: true};
    }

    function drawDetail() {
      allPlots.forEach(function (p) { p.u.destroy(); });
      allPlots = [];
      report.charts = {};
      detail.innerHTML = "";
      if (!selected) { detail.appendChild(el("p", {class: "muted"}, "No cases.")); return; }
      var h = H[selected];
      var prof = profileByCase[selected];
      var sigmas = h.ns.map(function (g) { return (multi ? machineById[g.machine].cpu_model + ": " : "") + (100 * g.sigma).toFixed(1) + " %"; });
      detail.appendChild(el("h2", {class: "mono", id: "selected-case"}, selected));
      detail.appendChild(el("p", {class: "links"},
        el("a", {href: caseLink("index.html", selected)}, "cost chart"), " · ",
        el("a", {href: caseLink("ratios.html", selected)}, "ratios"),
        prof ? [" · ", el("a", {href: "profiles/" + prof.dir + "/" + prof.files[0]}, "profile: " + prof.files[0])] : null,
        sigmas.length ? " · noise σ ≈ " + sigmas.join(", ") : ""));
      // Per machine: its detected level first (drawn under), its C++ median,
      // its Python model; one colour per machine.
      var nsSeries = [], nsSpread = [null];
      h.ns.forEach(function (g) {
        var m = machineById[g.machine], tag = multi ? " · " + m.label : "";
        nsSeries.push(LEVEL(g.level, "detected level" + tag)); nsSpread.push(null);
        nsSeries.push({label: "C++ median" + tag, data: g.ns, color: m.color});
        nsSpread.push(g.ns.map(function (v, i) { return v == null ? null : [g.lo[i], g.hi[i]]; }));
        if (g.py) { nsSeries.push({label: "Python median" + tag, data: g.py, color: m.color, dash: [7, 4], fill: "#fff"}); nsSpread.push(null); }
      });
      if (nsSeries.length) {
        historyChart("history-ns", "ns / op" + (multi ? " · one series per machine" : ""), "ns / op", nsSeries, nsSpread,
          h.ns.map(function (g) { return {changes: g.changes, pending: g.pending, data: g.ns}; }), fmtNs);
      } else {
        detail.appendChild(el("p", {class: "muted"}, "No timing for this case (only gate.json has it)."));
      }
      if (h.ir.length) {
        var irSeries = [], irSpread = [null];
        h.ir.forEach(function (g) {
          var tag = h.ir.length > 1 ? " · " + shortCompiler(g.compiler) : "";
          irSeries.push(LEVEL(g.level, "detected level" + tag)); irSpread.push(null);
          irSeries.push({label: "Ir/op" + tag, data: g.ir, color: irColor(g.compiler)}); irSpread.push(null);
        });
        historyChart("history-ir", "Ir / op (callgrind instructions, gate.json; machine-independent, per compiler)", "Ir / op",
          irSeries, irSpread, h.ir.map(function (g) { return {changes: g.changes, pending: g.pending, data: g.ir}; }), fmtCount);
      } else {
        detail.appendChild(el("p", {class: "muted"}, "No Ir/op for this case (gate.json absent or the case is not gated)."));
      }
    }

    function redraw() {
      selBox.innerHTML = "";
      selBox.appendChild(selectorBar(redraw));
      var shown = shownNames();
      if (shown.length && shown.indexOf(selected) < 0 && !state["case"]) selected = shown[0];
      drawChanges();
      drawList();
      drawDetail();
      finish();
    }
    onFilter = function (m) { M = m; drawChanges(); drawList(); publish(); };
    rerender = redraw;
    redraw();

    var mt = el("table", {class: "data", id: "machines"}, el("thead", null, el("tr", null,
      el("th", null, ""), el("th", null, "CPU"), el("th", {class: "num"}, "cores"), el("th", null, "compiler"), el("th", {class: "num"}, "runs"))));
    var mtb = el("tbody");
    (D.machines || []).forEach(function (m) {
      mtb.appendChild(el("tr", {"data-machine": m.id}, el("td", null, el("span", {class: "swatch", style: "background:" + m.color})),
        el("td", null, m.cpu_model), el("td", {class: "num"}, String(m.num_cpus == null ? "?" : m.num_cpus)), el("td", null, m.compiler),
        el("td", {class: "num"}, String(m.runs.length))));
    });
    mt.appendChild(mtb);
    report.tables.machines = (D.machines || []).length;
    main.appendChild(el("section", {class: "card"}, el("h2", null, "Machines (" + (D.machines || []).length + ")"),
      el("p", {class: "muted"}, "Runs are compared only with runs of the same machine: CPU model, core count and compiler, from each run's context.json."), mt));
    var runsTable = el("table", {class: "data"}, el("thead", null, el("tr", null,
      el("th", null, "#"), el("th", null, "commit"), el("th", null, "date"), el("th", null, "message"), el("th", null, "machine"),
      el("th", null, "profile"), el("th", null, "benchmark lib"), el("th", {class: "num"}, "C++ / Python cases"), el("th", null, "gate"))));
    var tb = el("tbody");
    runs.forEach(function (r) {
      var m = machineById[r.machine] || {};
      tb.appendChild(el("tr", null, el("td", null, String(r.seq)), el("td", {class: "mono", title: r.sha}, r.sha7 + (r.dirty ? "+dirty" : "")),
        el("td", null, r.commit_date || r.run_date || ""), el("td", null, r.message),
        el("td", null, el("span", {class: "swatch", style: "background:" + m.color}), m.label || ""), el("td", null, r.profile),
        el("td", {class: /debug/i.test(r.library_build_type) ? "warn" : null}, r.library_build_type), el("td", {class: "num"}, r.n_cpp + " / " + r.n_py),
        el("td", null, r.has_gate ? "gate.json" : "–")));
    });
    runsTable.appendChild(tb);
    main.appendChild(el("section", {class: "card"}, el("h2", null, "Runs (" + runs.length + ")"), runsTable));
    finish();
  }
  // ---------------------------------------------------------------- policies page
  // The policy sweep of the run (scripts/run.sh writes sim/<trace>.json with
  // `evictlab simulate --policy all --json`; scripts/dashboard reads it
  // through evictlab_tools/simresults.py into D.sim[run]). Per trace: the hit
  // ratio (token hit ratio in KV mode, 1 - miss ratio in classic mode) and the
  // simulation's time per request against the cache size, one series per
  // policy; a policy that needs future knowledge (the registry's trait) is
  // drawn dashed in black as the offline reference. Then a scatter of hit
  // ratio at one cache size (a selector) against the policy's cost per
  // operation in the same run's benchmark matrix (D.sim[run].cost).
  // Below the sweep, the run's Python boundary (scripts/run.sh writes
  // boundary/pyboundary.json with scripts/pyboundary; scripts/dashboard reads
  // it through evictlab_tools/boundary.py into D.boundary[run]): per trace
  // and cache size, a grouped bar chart of each policy's ns per block
  // reference four ways (Python model, binding per block, binding batched,
  // C++), log scale, with issue 15's two targets marked on the batched bar
  // as dashed ticks at the time that would just meet them, and a table of
  // the ratios, met or not.
  // URL state: #run=<id>&op=get|put&entries=<n>&at.<trace>=<cache bytes>.
  function policyColors(series) {
    var n = 0;
    return series.map(function (s) { return s.offline ? "#222" : PALETTE[n++ % PALETTE.length]; });
  }
  function fmtRatio(v) { return v == null || !isFinite(v) ? "–" : v.toFixed(4); }
  function fmtBytes(v) {
    var units = [["TiB", 40], ["GiB", 30], ["MiB", 20], ["KiB", 10]];
    for (var i = 0; i < units.length; i++) {
      var d = Math.pow(2, units[i][1]);
      if (v >= d) return trim(v / d) + " " + units[i][0];
    }
    return String(v) + " B";
  }
  function linRange(u, min, max) {
    if (min == null || !isFinite(min)) return [0, 1];
    var pad = Math.max((max - min) * 0.06, 0.005);
    return [Math.max(0, min - pad), Math.min(1, max + pad)];
  }

  function renderPolicies() {
    var main = document.getElementById("main");
    if (!latest) { renderContext(null); finish(); return; }
    var withSim = runs.filter(function (r) { return r.has_sim || r.has_boundary; });
    var fallback = withSim.length ? withSim[withSim.length - 1] : latest;
    var run = runById[state.run] || fallback;

    function draw() {
      main.innerHTML = "";
      allPlots.forEach(function (p) { p.u.destroy(); });
      allPlots = [];
      report.charts = {};
      report.sim = {};
      renderContext(run, "(the policy sweep below is from this run)");
      main.appendChild(el("div", {class: "toolbar"},
        runSelect(run, function (r) { run = r; setHash({run: r.id === fallback.id ? null : r.id}); draw(); }),
        el("span", {class: "muted"}, "every policy of the run's sweep (sim/*.json: evictlab simulate --policy all --json) · dashed black: the offline reference (needs future knowledge) · click a legend entry to toggle it")));
      var S = (D.sim || {})[run.id] || {present: false, traces: [], errors: []};
      var notes = [];
      if (!S.present) notes.push("This run has no policy sweep (no sim/ directory: a run from before the sweep, or scripts/run.sh --no-sweep). Pick a run with one above, or run scripts/run.sh.");
      else if (!S.traces.length && !S.errors.length) notes.push("This run's sim/ directory has no results.");
      S.errors.forEach(function (e) { notes.push("Missing " + e.id + ": " + e.message); });
      report.tables.sim_notices = notes.length;
      report.tables.sim_traces = S.traces.length;
      if (notes.length) {
        main.appendChild(el("section", {class: "card notice", id: "sim-notice"}, el("h2", null, "Not in this run"),
          notes.map(function (n) { return el("p", {class: "warn"}, n); })));
      }
      if (S.traces.length) main.appendChild(scatterControls(S));
      S.traces.forEach(function (t) { traceCard(t, S); });
      boundarySection((D.boundary || {})[run.id] || {present: false, tables: [], errors: [], ways: [], targets: []});
      finish();
    }

    // ---- the Python boundary (boundary/)
    function boundarySection(B) {
      report.boundary = {};
      report.tables.boundary_rows = 0;
      var notes = [];
      if (!B.present) notes.push("This run has no Python boundary measurement (no boundary/ directory: scripts/run.sh --no-python, or a run from before that step).");
      B.errors.forEach(function (e) { notes.push("Missing Python boundary: " + e); });
      report.tables.boundary_notices = notes.length;
      report.tables.boundary_traces = B.tables.length;
      var head = el("section", {class: "card", id: "boundary"}, el("h2", null, "The Python boundary (" + B.file + ")"),
        el("p", {class: "muted"}, "Every policy's KV-mode replay of the trace four ways, ns of the calling thread's CPU time per block reference (" +
          (B.runs > 1 ? "the median of " + B.runs + " replays" : "one replay") + " per way" +
          (B.loadavg ? "; load average at the end " + B.loadavg.map(function (x) { return x.toFixed(1); }).join(" ") : "") +
          "): CPU time, so that the ratios within a policy hold on a loaded machine; compare ratios, not times across runs." +
          (B.command && B.command.length ? " Command: " : "")),
        B.command && B.command.length ? el("p", {class: "mono"}, B.command.join(" ")) : null,
        notes.map(function (n) { return el("p", {class: "warn boundary-notice"}, n); }));
      main.appendChild(head);
      B.tables.forEach(function (t) { boundaryCard(t, B); });
    }

    // Bars from the bottom of the plot to the value, half-width w in x units.
    function barPaths(w) {
      return function (u, si, i0, i1) {
        var p = new Path2D(), xs = u.data[0], ys = u.data[si], bottom = u.bbox.top + u.bbox.height;
        for (var i = i0; i <= i1; i++) {
          if (ys[i] == null) continue;
          var xl = u.valToPos(xs[i] - w, "x", true), xr = u.valToPos(xs[i] + w, "x", true), y = u.valToPos(ys[i], "y", true);
          p.rect(xl, y, xr - xl, bottom - y);
        }
        return {stroke: p, fill: p, clip: null, band: null, gaps: null, flags: 0};
      };
    }
    // A short horizontal tick per value, half-width w in x units.
    function tickPaths(w) {
      return function (u, si, i0, i1) {
        var p = new Path2D(), xs = u.data[0], ys = u.data[si];
        for (var i = i0; i <= i1; i++) {
          if (ys[i] == null) continue;
          var y = u.valToPos(ys[i], "y", true);
          p.moveTo(u.valToPos(xs[i] - w, "x", true), y);
          p.lineTo(u.valToPos(xs[i] + w, "x", true), y);
        }
        return {stroke: p, fill: null, clip: null, band: null, gaps: null, flags: 0};
      };
    }

    function metBadge(v, met, t) {
      if (v == null) return el("span", {class: "badge", title: t.text}, "no model");
      return el("span", {class: "badge " + (met ? "good" : "bad"), title: t.text + " (" + (t.op === ">=" ? "≥ " : "≤ ") + t.threshold + ")"},
        (met ? "✔ " : "✘ ") + sig(v, 3) + "×");
    }

    function boundaryCard(t, B) {
      var id = "boundary-" + t.id + "-" + t.cache_size;
      var P = t.policies.length, W = B.ways.length;
      var bw = 0.8 / W;                       // one bar's width, x units
      var batched = -1;
      B.ways.forEach(function (w, k) { if (w.way === "batched") batched = k; });
      var xs = [], data, series, colors = [];
      for (var i = 0; i < P; i++) for (var k = 0; k < W; k++) xs.push(i + (k - (W - 1) / 2) * bw);
      function place(values, k) {
        var out = xs.map(function () { return null; });
        values.forEach(function (v, i) { if (v != null) out[i * W + k] = v; });
        return out;
      }
      data = [xs];
      series = [{label: "policy", value: function (u, v) { return v == null ? "" : t.policies[Math.round(v)]; }}];
      B.ways.forEach(function (w, k) {
        var c = PALETTE[k % PALETTE.length];
        colors.push(c);
        data.push(place(t.ns[w.way], k));
        series.push({label: w.label, stroke: c, fill: c + "cc", width: 1, paths: barPaths(bw * 0.45),
                     points: {show: false}, value: function (u, v) { return fmtNs(v); }});
      });
      var TICK = ["#d6336c", "#222"];
      B.targets.forEach(function (tg, j) {
        var c = TICK[j % TICK.length];
        colors.push(c);
        data.push(place(t.targets[tg.key].limit, batched));
        series.push({label: "target: " + tg.text + " (the batched bar at or below this)", stroke: c, width: 2.5, dash: j ? [6, 3] : [2, 2],
                     paths: tickPaths(bw * 0.75), points: {show: false}, value: function (u, v) { return fmtNs(v); }});
      });
      var expected = data.slice(1).filter(function (d) { return d.some(function (v) { return v != null; }); }).length;
      var card = el("section", {class: "card", id: "boundary-" + t.id},
        el("h2", null, "Python boundary · " + t.id + " at " + t.size_label + " (" + fmtCount(t.cache_size) + " tokens)"),
        el("p", {class: "muted"}, t.trace + " · " + fmtCount(t.n_block) + " block references" + (t.n_req != null ? " in " + fmtCount(t.n_req) + " requests" : "") +
          " · ns per block reference, log scale · the dashed ticks on the batched bar are the targets: the bar must reach no higher"));
      main.appendChild(card);
      var box = el("div", {class: "plot", id: "chart-" + id});
      card.appendChild(box);
      var opts = {
        width: chartWidth(box), height: 320,
        scales: {x: {time: false, range: function () { return [-0.5, P - 0.5]; }},
                 y: {distr: 3, log: 10, range: logRange(null)}},
        axes: [{label: "policy", splits: function () { return t.policies.map(function (p, i) { return i; }); },
                values: function (u, sp) { return sp.map(function (v) { return t.policies[v] || ""; }); }, grid: {show: false}},
               {label: "ns / block reference (log scale)", size: 70, splits: logSplits, filter: keepAll, values: axisNs}],
        series: series,
        legend: {live: false},
        cursor: {drag: {x: false, y: false}, points: {show: false}},
        plugins: [countPlugin(id, expected), {hooks: {setCursor: function (u) {
          var ix = u.cursor.idx;
          if (ix == null || u.cursor.left < 0) { hideTip(); return; }
          var pi = Math.max(0, Math.min(P - 1, Math.round(u.data[0][ix])));
          var rows = B.ways.map(function (w, k) {
            return el("div", null, el("span", {class: "swatch", style: "background:" + colors[k]}), w.label + ": " + fmtNs(t.ns[w.way][pi]));
          });
          B.targets.forEach(function (tg) {
            var v = t.targets[tg.key].value[pi], met = t.targets[tg.key].met[pi];
            rows.push(el("div", {class: "muted"}, tg.text + ": " + (v == null ? "no model" : sig(v, 3) + "× · " + (met ? "met" : "not met"))));
          });
          showTip(u, [el("div", {class: "tip-title"}, t.policies[pi] + (t.counters_equal[pi] ? "" : " (counters differ from the simulator's)"))].concat(rows));
        }}}]
      };
      var u = new uPlot(opts, data, box);
      u.over.addEventListener("mouseleave", hideTip);
      allPlots.push({u: u, box: box, height: 320});
      // The table: the same numbers, and each target met or not.
      var tk = B.targets.map(function (tg) { return tg.key; });
      var table = el("table", {class: "data boundary-table", id: "table-" + id},
        el("thead", null, el("tr", null, el("th", null, "policy"),
          B.ways.map(function (w) { return el("th", {class: "num"}, w.label + " ns"); }),
          B.targets.map(function (tg) { return el("th", null, tg.text); }), el("th", null, "counters"))));
      var tb = el("tbody");
      t.policies.forEach(function (p, i) {
        var fail = tk.some(function (k) { return t.targets[k].met[i] === false; });
        tb.appendChild(el("tr", {class: fail ? "fail" : null}, el("td", {class: "mono"}, p),
          B.ways.map(function (w) { return el("td", {class: "num"}, fmtNs(t.ns[w.way][i])); }),
          B.targets.map(function (tg) { return el("td", null, metBadge(t.targets[tg.key].value[i], t.targets[tg.key].met[i], tg)); }),
          el("td", {class: t.counters_equal[i] ? null : "bad"}, t.counters_equal[i] ? "equal to the simulator's" : "DIFFER from the simulator's")));
      });
      table.appendChild(tb);
      card.appendChild(table);
      report.tables.boundary_rows = (report.tables.boundary_rows || 0) + P;
      // What was handed to uPlot and written in the table, for tests/dashboard/e2e.py.
      var got = {policies: t.policies.slice(), ns: {}, limit: {}, met: {}};
      B.ways.forEach(function (w, k) { got.ns[w.way] = t.policies.map(function (p, i) { return u.data[k + 1][i * W + k]; }); });
      B.targets.forEach(function (tg, j) {
        got.limit[tg.key] = t.policies.map(function (p, i) { return u.data[W + j + 1][i * W + batched]; });
        got.met[tg.key] = Array.prototype.map.call(tb.rows, function (tr) { return tr.cells[1 + W + j].textContent.charAt(0); });
      });
      report.boundary[t.id + "@" + t.cache_size] = got;
    }

    function scatterControls(S) {
      var c = S.cost || {entries: []};
      var op = state.op || "get";
      var ops = c.ops || [];
      var opSel = el("select", {id: "scatter-op", "aria-label": "cost operation"});
      ops.forEach(function (o) { opSel.appendChild(el("option", {value: o.op, selected: o.op === op ? true : null}, o.op + " (" + o.family + ", " + o.variant + ")")); });
      opSel.addEventListener("change", function () { state.op = opSel.value; setHash({op: opSel.value === "get" ? null : opSel.value}); draw(); });
      var eSel = el("select", {id: "scatter-entries", "aria-label": "entries"});
      c.entries.forEach(function (e) { eSel.appendChild(el("option", {value: String(e), selected: String(e) === String(scatterEntries(c)) ? true : null}, pow2(Math.log2(e)) + " = " + e)); });
      eSel.addEventListener("change", function () { state.entries = eSel.value; setHash({entries: +eSel.value === c.default_entries ? null : eSel.value}); draw(); });
      return el("div", {class: "toolbar", id: "scatter-controls"},
        el("label", null, "Scatter cost: ", opSel), el("label", null, " at entries ", eSel),
        el("span", {class: "muted"}, c.entries.length ? "from this run's cpp.json: " + scatterCaseText(c, state.op || "get") : "this run's cpp.json has no UpdateOnGet/UpdateOnPut case of the sweep's policies"));
    }
    function scatterEntries(c) {
      return state.entries && c.entries.indexOf(+state.entries) >= 0 ? +state.entries : c.default_entries;
    }
    function scatterOp(c) {
      var op = state.op || "get";
      return (c.ops || []).filter(function (o) { return o.op === op; })[0] || (c.ops || [])[0];
    }
    function scatterCaseText(c, op) {
      var o = scatterOp(c);
      if (!o) return "";
      return "BM_" + o.family + "/<policy>/dict:" + c.dict + "/" + c.kv + "/" + c.key + "/entries:" + scatterEntries(c) + "/" + o.variant + " (median " + (D.time_field || "real_time").replace("_", " ") + ")";
    }

    function traceCard(t, S) {
      var colors = policyColors(t.series);
      var ctx = Object.keys(t.context || {}).map(function (k) { return k + " " + t.context[k]; }).join(", ");
      var card = el("section", {class: "card", id: "trace-" + t.id},
        el("h2", null, t.id + " · " + (t.kv ? "KV mode (" + t.format + ")" : "classic (" + t.format + ")")),
        el("p", {class: "muted"}, t.trace + " · " + fmtCount(t.n_req) + " requests · " + t.series.length + " policies × " + t.sizes.length + " cache sizes · " + t.file + (ctx ? " · " + ctx : "")));
      main.appendChild(card);
      report.sim[t.id] = {series: t.series.map(function (s) { return s.policy; }),
                          offline: t.series.filter(function (s) { return s.offline; }).map(function (s) { return s.policy; })};
      curveChart(card, t, colors, "hit", t.metric_label + " vs cache size", t.metric_label, function (s) { return s.hit; }, false);
      curveChart(card, t, colors, "time", "time per request vs cache size (the simulation's wall time / requests)", "time / request", function (s) { return s.ns_per_req; }, true);
      scatterChart(card, t, colors, S.cost);
    }

    function seriesOpts(t, colors, fmt) {
      return t.series.map(function (s, i) {
        return {label: s.policy + (s.offline ? " (offline reference)" : ""), stroke: colors[i], width: s.offline ? 2.5 : 2,
                dash: s.offline ? [8, 5] : undefined, spanGaps: true,
                points: {show: true, size: 6, fill: s.offline ? "#fff" : colors[i], width: 1.5},
                value: function (u, v) { return fmt(v); }};
      });
    }

    function curveChart(card, t, colors, kind, title, unit, pick, log) {
      var id = kind + "-" + t.id;
      var xs = t.sizes.map(function (b) { return Math.log2(b); });
      var data = [xs].concat(t.series.map(pick));
      var expected = t.series.filter(function (s) { return pick(s).some(function (v) { return v != null; }); }).length;
      var box = el("div", {class: "plot", id: "chart-" + id});
      card.appendChild(el("h3", null, title));
      card.appendChild(box);
      var fmt = log ? fmtNs : fmtRatio;
      var opts = {
        width: chartWidth(box), height: 300,
        scales: {x: {time: false, range: function () { return [xs[0] - 0.3, xs[xs.length - 1] + 0.3]; }},
                 y: log ? {distr: 3, log: 10, range: logRange(null)} : {range: linRange}},
        axes: [{label: "cache size (log scale)", splits: function () { return xs; },
                values: function (u, sp) { return sp.map(function (v) { var i = xs.indexOf(v); return i >= 0 ? t.size_labels[i] : ""; }); }},
               log ? {label: unit, size: 70, splits: logSplits, filter: keepAll, values: axisNs} : {label: unit, size: 60}],
        series: [{label: "cache size", value: function (u, v) { return v == null ? "" : fmtBytes(Math.pow(2, v)); }}].concat(seriesOpts(t, colors, fmt)),
        legend: {live: false},
        cursor: {focus: {prox: 24}, drag: {x: false, y: false}},
        focus: {alpha: 0.35},
        plugins: [countPlugin(id, expected), {hooks: {setCursor: function (u) {
          var ix = u.cursor.idx;
          if (ix == null || u.cursor.left < 0) { hideTip(); return; }
          var si = nearestSeries(u, ix);
          if (si < 0) { hideTip(); return; }
          var s = t.series[si - 1];
          showTip(u, [
            el("div", {class: "tip-title"}, el("span", {class: "swatch", style: "background:" + colors[si - 1]}), s.policy + (s.offline ? " (offline reference)" : "")),
            el("div", null, t.size_labels[ix] + ": " + t.metric_label + " " + fmtRatio(s.hit[ix])),
            t.kv ? el("div", {class: "muted"}, "block hit ratio " + fmtRatio(s.block_hit[ix])) :
              el("div", {class: "muted"}, "miss ratio " + fmtRatio(s.miss[ix]) + ", byte miss ratio " + fmtRatio(s.byte_miss[ix])),
            el("div", {class: "muted"}, "time per request " + fmtNs(s.ns_per_req[ix]))]);
        }}}]
      };
      var u = new uPlot(opts, data, box);
      u.over.addEventListener("mouseleave", hideTip);
      allPlots.push({u: u, box: box, height: 300});
      report.charts[id].dashed = t.series.filter(function (s, i) { return u.series[i + 1].dash; }).map(function (s) { return s.policy; });
    }

    // The scatter: x = cost per operation (ns, log), y = hit ratio at the
    // chosen cache size; one series per policy with its one point (uPlot's
    // x must ascend, so the points are placed on x sorted by cost and every
    // other series is null there).
    function scatterChart(card, t, colors, cost) {
      var id = "scatter-" + t.id;
      var key = "at." + t.id;
      var at = t.sizes.indexOf(+state[key]);
      if (at < 0) at = Math.floor(t.sizes.length / 2);
      var o = scatterOp(cost || {});
      var entries = scatterEntries(cost || {});
      var vals = o && entries != null ? ((cost.values[o.op] || {})[String(entries)] || {}) : {};
      var pts = [];
      t.series.forEach(function (s, i) {
        var c = vals[s.policy];
        if (c && s.hit[at] != null) pts.push({i: i, policy: s.policy, cost: c.ns, hit: s.hit[at], "case": c["case"]});
      });
      var missing = t.series.filter(function (s) { return !vals[s.policy]; }).map(function (s) { return s.policy; });
      var sizeSel = el("select", {id: "scatter-size-" + t.id, "aria-label": "cache size of the scatter"});
      t.sizes.forEach(function (b, i) { sizeSel.appendChild(el("option", {value: String(b), selected: i === at ? true : null}, t.size_labels[i])); });
      sizeSel.addEventListener("change", function () { state[key] = sizeSel.value; var p = {}; p[key] = sizeSel.value; setHash(p); draw(); });
      card.appendChild(el("h3", null, t.metric_label + " at ", sizeSel, " vs cost per operation"));
      card.appendChild(el("p", {class: "muted scatter-case"}, o ? "cost: " + scatterCaseText(cost, o.op) + "; up and left is better" : "no cost cases",
        missing.length ? el("span", {class: "warn"}, " · no cost case for " + missing.join(", ")) : null));
      var box = el("div", {class: "plot", id: "chart-" + id});
      card.appendChild(box);
      pts.sort(function (a, b) { return a.cost - b.cost; });
      report.sim[t.id].scatter = {size: t.sizes[at], op: o ? o.op : null, entries: entries, points: []};
      if (!pts.length) { box.appendChild(el("p", {class: "muted"}, "Nothing to plot: no policy has a cost case at this selection.")); return; }
      var xs = pts.map(function (p) { return p.cost; });
      var data = [xs].concat(t.series.map(function (s, i) { return pts.map(function (p) { return p.i === i ? p.hit : null; }); }));
      var opts = {
        width: chartWidth(box), height: 320,
        scales: {x: {time: false, distr: 3, log: 10, range: function () { var lo = xs[0], hi = xs[xs.length - 1], pad = Math.max(1.3, Math.pow(hi / lo, 0.12)); return [lo / pad, hi * pad]; }},
                 y: {range: linRange}},
        axes: [{label: "ns / op (log scale)", splits: logSplits, filter: keepAll, values: axisNs},
               {label: t.metric_label, size: 60}],
        series: [{label: "ns / op", value: function (u, v) { return fmtNs(v); }}].concat(t.series.map(function (s, i) {
          return {label: s.policy + (s.offline ? " (offline reference)" : ""), stroke: colors[i], paths: function () { return null; },
                  points: {show: true, size: 11, fill: s.offline ? "#fff" : colors[i], width: 2}, value: function (u, v) { return fmtRatio(v); }};
        })),
        legend: {live: false},
        cursor: {focus: {prox: 24}, drag: {x: false, y: false}},
        plugins: [countPlugin(id, pts.length), {hooks: {
          draw: function (u) {
            // Label each point with its policy, so the plot reads without the legend.
            var ctx = u.ctx, px = uPlot.pxRatio || 1;
            ctx.save();
            ctx.font = (11 * px) + "px sans-serif";
            pts.forEach(function (p) {
              if (!u.series[p.i + 1].show) return;
              ctx.fillStyle = colors[p.i];
              ctx.fillText(p.policy, u.valToPos(p.cost, "x", true) + 8 * px, u.valToPos(p.hit, "y", true) - 6 * px);
            });
            ctx.restore();
          },
          setCursor: function (u) {
            var ix = u.cursor.idx;
            if (ix == null || u.cursor.left < 0) { hideTip(); return; }
            var p = pts[ix];
            showTip(u, [el("div", {class: "tip-title"}, el("span", {class: "swatch", style: "background:" + colors[p.i]}), p.policy),
              el("div", null, t.metric_label + " " + fmtRatio(p.hit) + " at " + t.size_labels[at]),
              el("div", null, "cost " + fmtNs(p.cost) + " per " + o.op),
              el("div", {class: "mono"}, p["case"])]);
          }}}]
      };
      var u = new uPlot(opts, data, box);
      u.over.addEventListener("mouseleave", hideTip);
      allPlots.push({u: u, box: box, height: 320});
      // What was handed to uPlot, for tests/dashboard/e2e.py.
      report.sim[t.id].scatter.points = pts.map(function (p, j) { return {policy: p.policy, cost: u.data[0][j], hit: u.data[p.i + 1][j]}; });
    }

    rerender = draw;
    draw();
  }

  // ---------------------------------------------------------------- profiles page
  function renderProfiles() {
    var main = document.getElementById("main");
    renderContext(latest, "(latest run)");
    var M = matcher(state.q);
    function draw() {
      main.innerHTML = "";
      var ps = (D.profiles || []).filter(function (p) { return M(p["case"] || p.dir); });
      report.tables.profiles = ps.length;
      var sec = el("section", {class: "card"}, el("h2", null, "Profiles (results/profiles)"));
      if (!(D.profiles || []).length) {
        sec.appendChild(el("p", {class: "muted"}, "No profiles in results/profiles/ yet."));
      } else {
        var t = el("table", {class: "data"}, el("thead", null, el("tr", null, el("th", null, "directory"), el("th", null, "case"), el("th", null, "files"))));
        var tb = el("tbody");
        ps.forEach(function (p) {
          tb.appendChild(el("tr", null, el("td", {class: "mono"}, p.dir),
            el("td", {class: "mono"}, p["case"] ? el("a", {href: caseLink("history.html", p["case"])}, p["case"]) : "–"),
            el("td", null, p.files.map(function (f) { return el("a", {class: "file", href: "profiles/" + p.dir + "/" + f}, f); }))));
        });
        t.appendChild(tb);
        sec.appendChild(t);
      }
      main.appendChild(sec);
      finish();
    }
    onFilter = function (m) { M = m; draw(); };
    draw();
  }

  // ---------------------------------------------------------------- main
  var finished = false;
  function finish() {
    publish();
    if (!finished) {
      finished = true;
      // uPlot draws in a microtask; mark ready after it.
      setTimeout(function () {
        var t = getHash().selftest;
        if (t === "hover") hoverSelfTest();
        if (t === "select") { selectSelfTest(); return; }
        publish();
        document.documentElement.setAttribute("data-ready", "1");
      }, 0);
    }
  }

  // #selftest=select (used by tests/dashboard/e2e.py): clicks the first
  // chip that is off (a key kind, else any axis) with a real click event and
  // records the URL and every chart's drawn series before and after, so the
  // test sees that the selector redraws the charts and lands in the URL.
  function selectSelfTest() {
    var before = {};
    Object.keys(report.charts).forEach(function (k) { before[k] = report.charts[k].drawn; });
    var chip = document.querySelector('#selectors .chip[data-axis="key"]:not(.on)') ||
      document.querySelector("#selectors .chip:not(.on)");
    var out = {before: before, clicked: chip ? chip.getAttribute("data-axis") + "=" + chip.getAttribute("data-value") : null};
    if (chip) chip.click();
    setTimeout(function () {
      out.after = {};
      Object.keys(report.charts).forEach(function (k) { out.after[k] = report.charts[k].drawn; });
      out.hash = decodeURIComponent(location.hash);
      out.pressed = chip ? chip.isConnected ? chip.getAttribute("aria-pressed") : (document.querySelector('#selectors .chip[data-axis="' +
        chip.getAttribute("data-axis") + '"][data-value="' + chip.getAttribute("data-value") + '"]') || {getAttribute: function () { return null; }}).getAttribute("aria-pressed") : null;
      report.select = out;
      publish();
      document.documentElement.setAttribute("data-ready", "1");
    }, 50);
  }

  // #selftest=hover (used by tests/dashboard/e2e.py): moves the mouse over
  // every chart with real events so the tooltip code runs, counts the
  // tooltips shown, and leaves one open on the first chart for a screenshot.
  function hoverSelfTest() {
    var h = {plots: allPlots.length, moves: 0, tooltips: 0};
    function move(u, cx, cy) {
      var r = u.over.getBoundingClientRect();
      u.over.dispatchEvent(new MouseEvent("mousemove", {clientX: r.left + cx, clientY: r.top + cy, bubbles: true}));
      h.moves++;
      if (!tip.hidden) h.tooltips++;
    }
    allPlots.forEach(function (p) {
      var u = p.u, w = u.over.clientWidth, hh = u.over.clientHeight;
      for (var f = 0.05; f < 1; f += 0.1) move(u, f * w, (1 - f) * hh);
      u.over.dispatchEvent(new MouseEvent("mouseleave", {bubbles: false}));
    });
    if (allPlots.length) {
      var u = allPlots[0].u, n = u.data[0].length, idx = Math.round(0.75 * (n - 1));
      for (var si = 1; si < u.series.length; si++) {
        var v = u.data[si][idx];
        if (v != null && u.series[si].points.show !== false && u.series[si].label !== "detected level") {
          move(u, u.valToPos(u.data[0][idx], "x"), u.valToPos(v, "y"));
          break;
        }
      }
    }
    report.hover = h;
  }

  var footer = document.getElementById("footer");
  if (footer) {
    footer.appendChild(el("span", null, "Built " + ((D && D.generated) || "?") + " by scripts/dashboard from " + runs.length + " run(s) · charts: uPlot · "));
    footer.appendChild(el("a", {href: "https://github.com/leeoniya/uPlot"}, "uPlot (MIT)"));
  }

  if (!D) {
    window.EVICTLAB_RECORD_ERROR && window.EVICTLAB_RECORD_ERROR("data", "data.js did not load");
    finish();
    return;
  }
  readSelection();
  ({cost: renderCost, ratios: renderRatios, policies: renderPolicies, history: renderHistory, profiles: renderProfiles}[page] || renderCost)();
})();
