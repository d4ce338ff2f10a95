#!/usr/bin/python3
"""End-to-end test of the dashboard in headless Debian Chromium.

Usage: tests/dashboard/e2e.py [SCREENSHOT.png]   (or tests/dashboard/e2e.sh)
       screenshot path also from $DASHBOARD_E2E_SCREENSHOT;
       default <repo>/build/dashboard-e2e.png (plus -ratios.png, -history.png).

Builds the site from tests/dashboard/fixtures/results into a temp dir, opens
each page from file:// in /usr/bin/chromium (installed with apt-get when
missing and running as root) and fails on:
  - any console message or uncaught exception: the page's first script
    (assets/errors.js) records uncaught errors, unhandled rejections, failed
    resource loads and console.error/warn into <html data-errors>, read back
    with --dump-dom; and Chromium's own log (--enable-logging=stderr) is
    scanned for CONSOLE lines, which also catches errors thrown before that
    script ran;
  - a page that did not finish rendering (<html data-ready>);
  - a chart that did not draw its expected number of series (each chart
    reports the series uPlot actually drew, checked against both the
    generator's expectation and the numbers fixed below for the fixtures);
  - an empty ratio table, or other tables with the wrong row count.
On policies.html it also checks the Python boundary's grouped bar charts:
each way's bars and both targets' ticks drawn, their values (read back from
what uPlot was given) equal to the fixture's boundary/pyboundary.json, and
the table's met / not met per policy.
Then it proves that these checks bite: it injects an uncaught exception, a
console.error, an error thrown before the recorder, a broken data file and
a boundary chart without its batched bars into copies of the site, and
fails unless each is caught. Standard library only.
"""

import concurrent.futures
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(HERE, "fixtures", "results")
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

REGRESSION = "BM_UpdateOnGet/lru/dict:flat/kvobj/cek/entries:1048576/dist:uniform"
PENDING = "BM_UpdateOnGet/lru/dict:naive/kvobj/cek/entries:16384/dist:uniform"
FIRST_RUN = "20251117T091500Z_3f9a1c2"
FULL_RUN = "20251121T111500Z_e07f6a9"
FAILED_SIM_RUN = "20251121T150000Z_e07f6a9"    # sim/ holds only an .err
SIM_RUN = "20251121T170000Z_e07f6a9"           # the latest: the sweep
MAX_SERIES = 8
# The target table has one row per target of targets.json.
with open(os.path.join(REPO, "scripts", "evictlab_tools",
                       "targets.json")) as _f:
    N_TARGETS = len(json.load(_f)["targets"])

# Expected series per chart for the fixtures (see make_fixtures.py). The
# latest run is the second machine's quick run. Default view (policy lru,
# kv kvobj, key hcek, every dict): quick runs have lru/flat/kvobj/hcek +
# Python lru/kvobj/cek + MemoryFloor = 3; the full run the four dicts + Python
# + floor = 6 for uniform and evictions:1, and the flat and naive dicts +
# Python (zipf only) + floor for the other variants. History: per machine a
# detected level + C++ + Python; Ir/op (one compiler): level + Ir.
FULL_DEFAULT = {"cost-updateonget-dist-uniform": 6,
                "cost-updateonget-dist-zipf": 4,
                "cost-updateonput-evictions-1": 6,
                "cost-updateonput-evictions-0": 3,
                "cost-updateonput-evictions-8": 3,
                "cost-updateonput-status-illegal": 2}
# After the select self-test's click (key kind "str" added): + lru/flat/
# kvobj/str and its Python model for uniform and evictions:1.
FULL_STR = dict(FULL_DEFAULT, **{"cost-updateonget-dist-uniform": 8,
                                 "cost-updateonput-evictions-1": 8})
PAGES = [
    ("index.html", "selftest=hover", {
        "charts": {"cost-updateonget-dist-uniform": 3,
                   "cost-updateonput-evictions-1": 3},
        "tables": {"getsize": 2}, "hover": 2}),
    ("index.html", "run=%s&selftest=hover" % FULL_RUN, {
        "charts": FULL_DEFAULT, "tables": {"getsize": 2}, "hover": 6}),
    # A selector clicked: the URL gains the axis and the charts redraw.
    ("index.html", "run=%s&selftest=select" % FULL_RUN, {
        "charts": FULL_STR, "tables": {"getsize": 2},
        "select": {"clicked": "key=str", "hash": "key=str,hcek",
                   "before": FULL_DEFAULT, "after": FULL_STR}}),
    # The link the click produced reproduces the view.
    ("index.html", "run=%s&key=str,hcek" % FULL_RUN, {
        "charts": FULL_STR, "tables": {"getsize": 2}}),
    ("index.html", "run=%s&q=dict:naive&key=cek&case=%s" % (FULL_RUN, PENDING), {
        "charts": {"cost-updateonget-dist-uniform": 2,
                   "cost-updateonget-dist-zipf": 2,
                   "cost-updateonput-evictions-1": 2,
                   "cost-updateonput-evictions-0": 2,
                   "cost-updateonput-evictions-8": 2},
        "tables": {"getsize": 0}, "text": ["Selected: " + PENDING]}),
    ("index.html", "run=%s&policy=lru,dummy,fifo&dict=flat,absl,node,naive"
     "&kv=tensor,kvobj&key=str,cek,hcek" % FULL_RUN, {
        "charts": {"cost-updateonget-dist-uniform": 14,
                   "cost-updateonget-dist-zipf": 6,
                   "cost-updateonput-evictions-1": 14,
                   "cost-updateonput-evictions-0": 5,
                   "cost-updateonput-evictions-8": 5,
                   "cost-updateonput-status-illegal": 3},
        "tables": {"getsize": 10}, "text": ["hard to tell apart"]}),
    ("ratios.html", "run=%s" % FULL_RUN, {"charts": {}, "tables": {
        "ratios": 98, "targets": N_TARGETS, "ratios_ir": 2}}),
    ("ratios.html", "run=%s&case=%s&key=cek" % (FIRST_RUN, REGRESSION),
     {"charts": {}, "tables": {"ratios": 22, "targets": N_TARGETS,
                                 "ratios_ir": 0}}),
    ("ratios.html", "run=%s&key=str" % FULL_RUN,
     {"charts": {}, "tables": {"ratios": 20, "targets": N_TARGETS,
                                 "ratios_ir": 2}}),
    ("history.html", "case=%s&key=cek&selftest=hover" % REGRESSION, {
        "charts": {"history-ns": 6, "history-ir": 2}, "hover": 2,
        "tables": {"changes": 3, "machines": 2},
        "text": ["detected level", "regression", "Intel(R) Xeon(R)"]}),
    ("history.html", "key=cek", {"charts": {"history-ns": 6,
                                            "history-ir": 2},
                                 "tables": {"changes": 3, "machines": 2}}),
    # Default view: the first case shown is BM_GetSize/field_read, on both
    # machines (AMD: level, C++, Python; Intel: level, C++).
    ("history.html", "", {"charts": {"history-ns": 5, "history-ir": 2},
                          "tables": {"changes": 0, "machines": 2}}),
    ("profiles.html", "", {"charts": {}, "tables": {"profiles": 1},
                           "text": ["flame.html"]}),
]


def sim_expect(op="get", entries=1048576, at=None):
    """The policy page of SIM_RUN as the fixture files say it must look:
    per trace every policy's series (in the file's order), belady dashed as
    the offline reference, and the scatter's points = (the cpp.json median
    of the policy's cost case, the sim JSON's hit ratio at the chosen size),
    read here from the files, independently of the generator. `at`: trace
    id -> cache size (default: the middle one, index n // 2)."""
    run = os.path.join(FIXTURES, "runs", SIM_RUN)
    with open(os.path.join(run, "cpp.json")) as f:
        med = {b["run_name"]: b["real_time"]
               for b in json.load(f)["benchmarks"]
               if b.get("aggregate_name") == "median"}
    case = {"get": "BM_UpdateOnGet/%s/dict:flat/kvobj/hcek/entries:%d/"
                   "dist:uniform",
            "put": "BM_UpdateOnPut/%s/dict:flat/kvobj/hcek/entries:%d/"
                   "evictions:1"}[op]
    out, charts = {}, {}
    for tid in ("conversation_trace", "synthetic_trace", "cloudPhysicsIO"):
        with open(os.path.join(run, "sim", tid + ".json")) as f:
            doc = json.load(f)
        kv = doc["format"] == "mooncake"
        pols = list(dict.fromkeys(r["policy"] for r in doc["results"]))
        sizes = sorted({r["cache_size"] for r in doc["results"]})
        size = (at or {}).get(tid, sizes[len(sizes) // 2])
        pts = []
        for r in doc["results"]:
            if r["cache_size"] == size:
                hit = r["token_hit_ratio"] if kv else 1 - r["miss_ratio"]
                pts.append({"policy": r["policy"],
                            "cost": med[case % (r["policy"], entries)],
                            "hit": hit})
        pts.sort(key=lambda p: p["cost"])
        out[tid] = {"series": pols, "offline": ["belady"], "size": size,
                    "op": op, "entries": entries, "points": pts}
        for kind in ("hit", "time", "scatter"):
            charts["%s-%s" % (kind, tid)] = len(pols)
    return charts, out


def boundary_expect():
    """The policy page's Python boundary of SIM_RUN as its fixture file
    (boundary/pyboundary.json) says it must look, read here independently
    of the generator: per trace, one grouped bar chart of the four ways
    plus the two target ticks (6 series), and per policy the ns of each way,
    the targets' limits on the batched bar (model / 10, C++ x 3) and the
    table's verdict (✔ met, ✘ not met, n: no model)."""
    with open(os.path.join(FIXTURES, "runs", SIM_RUN, "boundary",
                           "pyboundary.json")) as f:
        doc = json.load(f)
    charts, out, rows = {}, {}, 0
    for t in doc["traces"]:
        tid = os.path.basename(t["trace"]).split(".")[0]
        size = t["results"][0]["cache_size"]
        ns = {w: [r["ns_per_block_ref"].get(w) for r in t["results"]]
              for w in ("model", "per_block", "batched", "cpp")}
        xm = [None if m is None else m / b
              for m, b in zip(ns["model"], ns["batched"])]
        xc = [b / c for b, c in zip(ns["batched"], ns["cpp"])]
        out["%s@%d" % (tid, size)] = {
            "policies": [r["policy"] for r in t["results"]], "ns": ns,
            "limit": {"x_model": [None if m is None else m / 10
                                  for m in ns["model"]],
                      "x_cpp": [3 * c for c in ns["cpp"]]},
            "met": {"x_model": ["n" if v is None else "✔" if v >= 10
                                else "✘" for v in xm],
                    "x_cpp": ["✔" if v <= 3 else "✘" for v in xc]}}
        charts["boundary-%s-%d" % (tid, size)] = 6
        rows += len(t["results"])
    return charts, out, {"boundary_traces": len(doc["traces"]),
                         "boundary_notices": 0, "boundary_rows": rows}


_SIM_CHARTS, _SIM = sim_expect()
_SIM_PUT_AT = {"conversation_trace": 512 << 30}
_SIM_PUT_CHARTS, _SIM_PUT = sim_expect("put", 16384, _SIM_PUT_AT)
_B_CHARTS, _BOUNDARY, _B_TABLES = boundary_expect()
PAGES += [
    # The latest run has the sweep: every policy per trace, belady dashed,
    # the scatter's points equal to the fixture files' numbers; and the
    # Python boundary, every way's bar and both targets' ticks.
    ("policies.html", "selftest=hover", {
        "charts": dict(_SIM_CHARTS, **_B_CHARTS), "sim": _SIM,
        "boundary": _BOUNDARY, "hover": 9 + len(_B_CHARTS),
        "tables": dict(_B_TABLES, sim_traces=3, sim_notices=0),
        "text": ["belady (offline reference)", "BM_UpdateOnGet/&lt;policy&gt;"
                 "/dict:flat/kvobj/hcek/entries:1048576/dist:uniform",
                 "target: batched ≥ 10× model", "DIFFER from the "
                 "simulator's"]}),
    # The scatter's selectors in the URL: put at 2^14 entries, 512 GiB.
    ("policies.html", "op=put&entries=16384&at.conversation_trace=%d" % (
        512 << 30), {"charts": dict(_SIM_PUT_CHARTS, **_B_CHARTS),
                     "sim": _SIM_PUT, "boundary": _BOUNDARY,
                     "tables": dict(_B_TABLES, sim_traces=3, sim_notices=0),
                     "text": ["BM_UpdateOnPut/&lt;policy&gt;/dict:flat/kvobj/"
                              "hcek/entries:16384/evictions:1"]}),
    # Older runs: no sim/ at all, or a simulation that failed; no
    # boundary/, or a measurement that failed.
    ("policies.html", "run=%s" % FULL_RUN, {
        "charts": {}, "tables": {"sim_traces": 0, "sim_notices": 1,
                                 "boundary_traces": 0, "boundary_notices": 1,
                                 "boundary_rows": 0},
        "text": ["This run has no policy sweep",
                 "This run has no Python boundary measurement"]}),
    ("policies.html", "run=%s" % FAILED_SIM_RUN, {
        "charts": {}, "tables": {"sim_traces": 0, "sim_notices": 1,
                                 "boundary_traces": 0, "boundary_notices": 1,
                                 "boundary_rows": 0},
        "text": ["Missing synthetic_trace: the simulation failed: exit "
                 "status 2", "field 'hash_ids'",
                 "Missing Python boundary: the measurement failed: exit "
                 "status 2: scripts/pyboundary: cannot import evictlab"]}),
]
POLICIES_PAGE = len(PAGES) - 4      # index of its first view (screenshot)


def log(*a):
    print("[e2e]", *a, flush=True)


def ensure_chromium():
    if os.access(CHROMIUM, os.X_OK):
        return
    if os.geteuid() != 0:
        sys.exit("e2e: %s is missing; install it with "
                 "'apt-get install -y chromium' (needs root)" % CHROMIUM)
    log("installing chromium with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit("e2e: chromium did not install")


def chromium(args, url, timeout=90):
    """Runs one headless Chromium with a fresh profile; returns (out, err)."""
    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    try:
        p = subprocess.run(
            [CHROMIUM] + FLAGS + ["--user-data-dir=" + profile] + args + [url],
            capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL)
        return p.stdout, p.stderr
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class RootAttrs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.attrs = None

    def handle_starttag(self, tag, attrs):
        if tag == "html" and self.attrs is None:
            self.attrs = dict(attrs)


def url_of(site, page, frag):
    u = "file://" + urllib.parse.quote(os.path.join(site, page))
    return u + ("#" + frag if frag else "")


def check_page(site, page, frag, expect, shot=None, size=(1400, 1000)):
    """Loads one page (and screenshots it to `shot` when given); returns a
    list of problems (empty = pass)."""
    url = url_of(site, page, frag)
    args = ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
            "--window-size=%d,%d" % size, "--dump-dom"]
    if shot:
        os.makedirs(os.path.dirname(os.path.abspath(shot)), exist_ok=True)
        if os.path.exists(shot):
            os.remove(shot)
        args.append("--screenshot=" + os.path.abspath(shot))
    out, err = chromium(args, url)
    problems = []
    if shot:
        dims = png_size(shot) if os.path.exists(shot) else None
        if dims != size or os.path.getsize(shot) < 20000:
            problems.append("screenshot %s not written properly (%s)" % (
                shot, dims))
    for line in err.splitlines():
        if ":CONSOLE" in line:
            problems.append("console: " + line.split("] ", 1)[-1])
    p = RootAttrs()
    p.feed(out)
    attrs = p.attrs or {}
    if not out.strip():
        problems.append("empty DOM dump (chromium failed?): " + err[-400:])
        return problems
    try:
        errors = json.loads(attrs.get("data-errors", "null"))
    except ValueError:
        errors = ["unreadable data-errors"]
    if errors is None:
        problems.append("errors.js did not run")
    elif errors:
        problems.extend("page error: %s" % e for e in errors)
    if attrs.get("data-ready") != "1":
        problems.append("page did not finish rendering (no data-ready)")
    try:
        report = json.loads(attrs.get("data-report", "{}"))
    except ValueError:
        report = {}
    charts = report.get("charts", {})
    for cid, n in expect.get("charts", {}).items():
        got = charts.get(cid)
        if not got:
            problems.append("chart %s missing" % cid)
            continue
        if got["expected"] != n or got["drawn"] != n:
            problems.append("chart %s: drew %s series, generator expected "
                            "%s, test expects %d" % (cid, got["drawn"],
                                                     got["expected"], n))
    extra = set(charts) - set(expect.get("charts", {}))
    if extra:
        problems.append("unexpected charts: %s" % sorted(extra))
    for tid, n in expect.get("tables", {}).items():
        got = report.get("tables", {}).get(tid)
        if got != n:
            problems.append("table %s: %s rows, expected %d" % (tid, got, n))
    if "hover" in expect:
        # #selftest=hover: real mouse events over every chart; each must
        # have shown tooltips (and any error in that code is caught above).
        h = report.get("hover") or {}
        if h.get("plots") != expect["hover"] or h.get("tooltips", 0) < \
                expect["hover"]:
            problems.append("hover self-test: %s, expected tooltips on %d "
                            "charts" % (h, expect["hover"]))
    if page == "ratios.html" and not report.get("tables", {}).get("ratios"):
        problems.append("ratio table has no rows")
    # Without selectors in the URL, no chart draws more than MAX_SERIES.
    if not re.search(r"(^|&)(policy|dict|kv|key)=", frag):
        for cid, got in charts.items():
            if got.get("drawn", 0) > MAX_SERIES:
                problems.append("chart %s draws %d series by default "
                                "(> %d)" % (cid, got["drawn"], MAX_SERIES))
    if "select" in expect:
        got = report.get("select") or {}
        want = expect["select"]
        if got.get("clicked") != want["clicked"]:
            problems.append("select self-test clicked %r, expected %r" % (
                got.get("clicked"), want["clicked"]))
        if want["hash"] not in (got.get("hash") or ""):
            problems.append("after the click the URL is %r, expected it "
                            "to hold %r" % (got.get("hash"), want["hash"]))
        if got.get("pressed") != "true":
            problems.append("the clicked chip is not pressed: %r" % (
                got.get("pressed"),))
        for k in ("before", "after"):
            if got.get(k) != want[k]:
                problems.append("select self-test %s: %s, expected %s" % (
                    k, got.get(k), want[k]))
    for tid, want in expect.get("sim", {}).items():
        got = (report.get("sim") or {}).get(tid)
        if not got:
            problems.append("policy page: trace %s missing" % tid)
            continue
        for k in ("series", "offline"):
            if got.get(k) != want[k]:
                problems.append("policy page %s: %s %s, expected %s" % (
                    tid, k, got.get(k), want[k]))
        dashed = charts.get("hit-" + tid, {}).get("dashed")
        if dashed != want["offline"]:
            problems.append("policy page %s: dashed series %s, expected the "
                            "offline reference %s" % (tid, dashed,
                                                      want["offline"]))
        sc = got.get("scatter") or {}
        for k in ("size", "op", "entries"):
            if sc.get(k) != want[k]:
                problems.append("scatter %s: %s = %r, expected %r" % (
                    tid, k, sc.get(k), want[k]))
        pts = sc.get("points") or []
        if [p["policy"] for p in pts] != [p["policy"] for p in
                                          want["points"]] or any(
                abs(a["cost"] - b["cost"]) > 1e-9 * b["cost"]
                or abs(a["hit"] - b["hit"]) > 1e-12
                for a, b in zip(pts, want["points"])):
            problems.append("scatter %s: points %s, expected %s" % (
                tid, pts, want["points"]))
    for key, want in expect.get("boundary", {}).items():
        got = (report.get("boundary") or {}).get(key)
        if not got:
            problems.append("policy page: boundary chart %s missing" % key)
            continue
        if got.get("policies") != want["policies"]:
            problems.append("boundary %s: policies %s, expected %s" % (
                key, got.get("policies"), want["policies"]))
        for field in ("ns", "limit"):
            for k, vals in want[field].items():
                g = (got.get(field) or {}).get(k)
                if g is None or len(g) != len(vals) or any(
                        (a is None) != (b is None) or (
                            b is not None and abs(a - b) > 1e-9 * b)
                        for a, b in zip(g, vals)):
                    problems.append("boundary %s: %s.%s %s, expected %s" % (
                        key, field, k, g, vals))
        if got.get("met") != want["met"]:
            problems.append("boundary %s: targets %s, expected %s" % (
                key, got.get("met"), want["met"]))
    for t in expect.get("text", []):
        if t not in out:
            problems.append("text %r not on the page" % t)
    return problems


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def inject(site, tmp, name, page, where, snippet=None, data_js=None):
    """A copy of the site with one fault planted."""
    bad = os.path.join(tmp, name)
    shutil.copytree(site, bad)
    if snippet is not None:
        f = os.path.join(bad, page)
        with open(f) as fh:
            s = fh.read()
        s = s.replace(where, snippet + where, 1) if where == "<script" else \
            s.replace(where, where + snippet, 1)
        with open(f, "w") as fh:
            fh.write(s)
    if data_js is not None:
        with open(os.path.join(bad, "data.js"), "w") as fh:
            fh.write(data_js)
    return bad


def main():
    t0 = time.time()
    shot = (sys.argv[1] if len(sys.argv) > 1 else
            os.environ.get("DASHBOARD_E2E_SCREENSHOT")
            or os.path.join(REPO, "build", "dashboard-e2e.png"))
    ensure_chromium()
    ver = subprocess.run([CHROMIUM, "--version"], capture_output=True,
                         text=True).stdout.strip()
    log(ver)
    tmp = tempfile.mkdtemp(prefix="dashboard-e2e-")
    failures = []
    try:
        site = os.path.join(tmp, "site")
        built = subprocess.run(
            ["/usr/bin/python3", os.path.join(REPO, "scripts", "dashboard"),
             "--results", FIXTURES, "--out", site],
            capture_output=True, text=True, check=True).stdout.strip()
        log("built", built)
        base, ext = os.path.splitext(shot)
        shots = {1: (shot, (1400, 1900)),
                 6: (base + "-ratios" + ext, (1400, 1300)),
                 9: (base + "-history" + ext, (1400, 1300)),
                 POLICIES_PAGE: (base + "-policies" + ext, (1400, 3600))}
        jobs = []
        for i, (page, frag, expect) in enumerate(PAGES):
            path, size = shots.get(i, (None, (1400, 1000)))
            name = page + ("#" + frag if frag else "")
            jobs.append((name, False, (site, page, frag, expect, path, size)))

        # Negative controls: each planted fault must be caught, and by the
        # channel named (page = the in-page recorder, console = Chromium's
        # log), so both channels are shown to work.
        index_expect = {k: v for k, v in PAGES[0][2].items() if k != "hover"}
        # A selector that no longer reaches the charts must be caught too.
        broken_select = inject(site, tmp, "bad-select", "index.html",
                               "<script", "<script>document.addEventListener("
                               "'click', function (e) { if (e.target.classList"
                               ".contains('chip')) e.stopImmediatePropagation"
                               "(); }, true);</script>")
        controls = [
            ("uncaught exception",
             "page error: uncaught: Uncaught TypeError: window.notAFunction",
             inject(
                site, tmp, "bad-throw", "index.html", "</body>",
                "<script>setTimeout(function () { "
                "window.notAFunction(); }, 0);</script>")),
            ("console.error", "page error: console.error", inject(
                site, tmp, "bad-console", "index.html", "</body>",
                "<script>console.error('injected console error');"
                "</script>")),
            ("error before the recorder", "console: \"Uncaught Error: early",
             inject(site, tmp, "bad-early", "index.html", "<script",
                    "<script>throw new Error('early injected error');"
                    "</script>")),
            ("console.log", "console: \"injected log", inject(
                site, tmp, "bad-log", "index.html", "</body>",
                "<script>console.log('injected log');</script>")),
            ("broken data", "chart cost-updateonget-dist-uniform missing",
             inject(site, tmp, "bad-data", "index.html", "", None,
                    data_js="window.EVICTLAB_DATA = {\"runs\": [{\"id\": "
                    "1}], \"charts\": {}, \"getsize\": {}};\n")),
        ]
        for what, needle, bad_site in controls:
            jobs.append((what, needle, (bad_site, "index.html", "",
                                        index_expect, None, (1400, 1000))))
        jobs.append(("selector click swallowed", "after the click the URL",
                     (broken_select, "index.html", PAGES[2][1], PAGES[2][2],
                      None, (1400, 1000))))
        # A boundary chart that loses a way's bars must be caught too.
        lost_bars = inject(
            site, tmp, "bad-boundary", "policies.html",
            '<script src="data.js"></script>',
            "<script>window.EVICTLAB_DATA.boundary[%s].tables.forEach("
            "function (t) { t.ns.batched = t.ns.batched.map(function () "
            "{ return null; }); });</script>" % json.dumps(SIM_RUN))
        jobs.append(("boundary bars lost", "chart boundary-",
                     (lost_bars, "policies.html", PAGES[POLICIES_PAGE][1],
                      {k: v for k, v in PAGES[POLICIES_PAGE][2].items()
                       if k != "hover"}, None, (1400, 1000))))
        # Chromium spends most of its time starting up: run a few at once.
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            results = list(pool.map(lambda j: check_page(*j[2]), jobs))
        for (name, needle, args), problems in zip(jobs, results):
            if needle is False:
                if problems:
                    failures.append(name)
                    log("FAIL", name)
                    for p in problems:
                        log("   ", p)
                else:
                    log("ok  ", name, json.dumps(args[3].get("charts") or
                                                 args[3].get("tables")))
                    if args[4]:
                        log("ok   screenshot", args[4])
            elif any(p.startswith(needle) for p in problems):
                log("ok   negative control caught:", name, "->",
                    [p[:100] for p in problems if p.startswith(needle)][0])
            else:
                failures.append("negative control not caught: " + name)
                log("FAIL negative control not caught as %r: %s" % (
                    needle, name), problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    dt = time.time() - t0
    total = len(jobs)
    print("dashboard e2e: %d passed, %d failed (%.1f s)" % (
        total - len(failures), len(failures), dt))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
