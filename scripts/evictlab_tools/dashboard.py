"""Build evictlab's static performance dashboard from results/.

    build_site(results_dir, out_dir, time_field="real_time") -> index.html
    main(argv)        the command line (scripts/dashboard is a thin entry)

Reads results/runs/<YYYYmmddTHHMMSSZ>_<sha7>/{cpp.json, python.json,
cases.json, context.json, gate.json, sim/, boundary/} and
results/profiles/<case-dir>/, and writes a static site (index.html,
ratios.html, policies.html, history.html, profiles.html, data.js, assets/)
that works from file:// and from any static host: the data is embedded as a
JS file, nothing is fetched, no CDN.

Everything about a case comes from the package: names and records from
`cases` (old run directories, without cases.json and with the dict in the
policy name, load through cases.ALIASES, so their history continues into
today's names), results from `gbench`, the ratio rows from `derive` (the same
derivation as summary.md), the targets from `targets`, the machine a run was
measured on from `context.machine`. The lists of policies, dicts, KV kinds
and key kinds, and their display order, are the runs' case lists (registry
order): nothing here names a policy.

History is grouped by machine (CPU model, cores, compiler): change detection
runs within one machine's runs only, so a run on another machine starts its
own series and is never a "change"; Ir/op (gate.json) is machine-independent
but compiler-dependent, so it is grouped by compiler.

Standard library only; run with /usr/bin/python3. The dashboard is described
in docs/DASHBOARD.md.
"""

import argparse
import datetime as _dt
import html
import json
import math
import os
import re
import shutil
import statistics
import sys

from . import boundary as boundary_mod
from . import cases as cases_mod
from . import context as context_mod
from . import derive
from . import gbench
from . import simresults
from . import targets as targets_mod

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ASSETS = os.path.join(REPO, "scripts", "dashboard_assets")
MARKER = ".evictlab-dashboard"
RUN_DIR_RE = re.compile(r"^(\d{8}T\d{6}Z)_([0-9a-fA-F]{4,40})$")

# At most this many series per chart in the default view (the selectors can
# ask for more; the page then says that the chart is crowded).
MAX_SERIES = 8

# Change-point detection defaults (see detect_changes).
CP_MIN_SIZE = 2
CP_MIN_EFFECT = 0.05       # ignore steps smaller than 5 %
CP_PENALTY = 6.0           # penalty per change, in units of sigma^2 * ln(n)
CP_NOISE_FLOOR = 0.005     # sigma never below 0.5 % (Ir/op is nearly exact)
IR_NOISE_FLOOR = 0.002


# --------------------------------------------------------------------------
# Reading results
# --------------------------------------------------------------------------

def flatten(d, prefix=""):
    """{"a": {"b": 1}} -> {"a.b": 1}; lists of scalars joined, others JSON."""
    out = {}
    if not isinstance(d, dict):
        return out
    for k, v in d.items():
        key = "%s.%s" % (prefix, k) if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key))
        elif isinstance(v, list):
            if all(not isinstance(x, (dict, list)) for x in v):
                out[key] = ", ".join(str(x) for x in v)
            else:
                out[key] = json.dumps(v, separators=(",", ":"))
        else:
            out[key] = v
    return out


def _pick(flat, *keys):
    """The first present value among candidate keys (matched on the last
    dotted components too, so "git.sha" finds "sha" under any parent)."""
    for k in keys:
        if k in flat and flat[k] not in (None, ""):
            return flat[k]
    for k in keys:
        for fk, v in flat.items():
            if (fk.endswith("." + k)) and v not in (None, ""):
                return v
    return None


def _parse_date(s):
    if not s or not isinstance(s, str):
        return None
    s = s.strip()
    m = re.fullmatch(r"(\d{8})T(\d{6})Z", s)
    if m:
        return _dt.datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=_dt.timezone.utc)
    try:
        d = _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        try:  # git's default format: "Thu Nov 20 10:15:00 2025 +0000"
            d = _dt.datetime.strptime(s, "%a %b %d %H:%M:%S %Y %z")
        except ValueError:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return d


def _read_json(path):
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# Context keys shown first, as (label, candidate keys) — the rest follow.
CONTEXT_HIGHLIGHTS = [
    ("commit", ("git.sha", "git_sha", "sha", "commit", "git.commit")),
    ("dirty", ("git.dirty", "dirty", "git_dirty")),
    ("commit date", ("git.date", "git.commit_date", "commit_date")),
    ("message", ("git.message", "git.subject", "commit_message", "message",
                 "subject")),
    ("profile", ("profile",)),
    ("CPU", ("machine.cpu_model", "cpu_model", "cpu", "model_name")),
    ("cores", ("machine.cores", "num_cpus", "cores", "nproc")),
    ("caches", ("machine.caches", "caches")),
    ("host", ("host_name", "hostname", "host")),
    ("compiler", ("compiler.version", "compiler", "cxx", "cxx_compiler")),
    ("flags", ("compiler.flags", "cxx_flags", "cxxflags", "flags")),
    ("build type", ("compiler.build_type", "build_type", "cmake_build_type")),
    ("library_build_type", ("library_build_type",)),
    ("libraries", ("libraries", "library_versions", "versions")),
]



def profile_key(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


PROFILE_EXTS = (".html", ".htm", ".svg", ".png", ".jpg", ".jpeg", ".txt",
                ".md", ".json", ".csv", ".folded", ".log")


def load_profiles(results_dir, case_names):
    """results/profiles/<case-dir>/ -> [{dir, case, files}] (web-viewable
    files only; the case is matched by name ignoring punctuation)."""
    pdir = os.path.join(results_dir, "profiles")
    out = []
    if not os.path.isdir(pdir):
        return out
    by_key = {}
    for c in case_names:
        by_key.setdefault(profile_key(c), c)
        by_key.setdefault(profile_key(c[3:] if c.startswith("BM_") else c), c)
    for d in sorted(os.listdir(pdir)):
        full = os.path.join(pdir, d)
        if not os.path.isdir(full):
            continue
        files = []
        for root, _dirs, fnames in os.walk(full):
            for fn in sorted(fnames):
                if fn.lower().endswith(PROFILE_EXTS):
                    files.append(os.path.relpath(os.path.join(root, fn), full))
        if not files:
            continue
        files.sort(key=lambda f: (not f.startswith("flame"), f))
        case = None
        meta = _read_json(os.path.join(full, "meta.json")) if (
            "meta.json" in files) else None
        if isinstance(meta, dict):
            case = meta.get("case") or meta.get("benchmark")
        if not case:
            case = by_key.get(profile_key(d))
        out.append({"dir": d, "case": case, "files": files})
    return out


# --------------------------------------------------------------------------
# Change-point detection
# --------------------------------------------------------------------------

def robust_sigma(ys):
    """Noise of a series that may contain steps: the MAD of successive
    differences, scaled to a normal sigma (steps are a few outliers there)."""
    if len(ys) < 3:
        return 0.0
    d = [b - a for a, b in zip(ys, ys[1:])]
    med = statistics.median(d)
    mad = statistics.median(abs(x - med) for x in d)
    return 1.4826 * mad / math.sqrt(2.0)


def _segment(ys, penalty, min_size):
    """Optimal partition of ys into segments of >= min_size points minimising
    sum of squared deviations from each segment's mean + penalty per change
    (PELT-pruned dynamic programme). Returns the segment start indices."""
    n = len(ys)
    s1 = [0.0]
    s2 = [0.0]
    for y in ys:
        s1.append(s1[-1] + y)
        s2.append(s2[-1] + y * y)

    def cost(i, j):  # points i..j-1
        m = j - i
        s = s1[j] - s1[i]
        return (s2[j] - s2[i]) - s * s / m

    best = [math.inf] * (n + 1)
    prev = [0] * (n + 1)
    best[0] = -penalty  # the first segment pays no change penalty
    # Candidate last-segment starts as [start, expiry]. PELT pruning: a start
    # i with best[i] + cost(i, j) > best[j] can never beat j as a start for
    # any t >= j + min_size (squared error is superadditive), so it expires
    # then; before that, j is not yet a legal start and i must stay.
    cands = []
    for j in range(min_size, n + 1):
        i_new = j - min_size
        if math.isfinite(best[i_new]):
            cands.append([i_new, None])
        top, arg = math.inf, -1
        for i, _exp in cands:
            v = best[i] + cost(i, j) + penalty
            if v < top:
                top, arg = v, i
        if arg < 0:
            continue
        best[j], prev[j] = top, arg
        for c in cands:
            if c[1] is None and best[c[0]] + cost(c[0], j) > best[j]:
                c[1] = j + min_size
        cands = [c for c in cands if c[1] is None or c[1] > j + 1]
    starts = []
    j = n
    while j > 0:
        i = prev[j]
        starts.append(i)
        j = i
    return sorted(starts)


def detect_changes(values, rel_noise=0.0, min_effect=CP_MIN_EFFECT,
                   min_size=CP_MIN_SIZE, penalty=CP_PENALTY,
                   noise_floor=CP_NOISE_FLOOR):
    """Step (change-point) detection for one benchmark's history.

    values: per run, in commit order; None where the run lacks the case.
    rel_noise: the case's typical relative spread within a run (e.g. the
    median coefficient of variation of its repetitions), a lower bound on the
    noise.

    Method: on log values, a penalised least-squares segmentation (the penalty
    per change is `penalty * sigma^2 * ln n`, sigma the larger of the robust
    run-to-run noise and rel_noise), with every segment at least `min_size`
    runs long, so one noisy run cannot form a segment. Each candidate change
    is then confirmed: the step between the segment medians must be at least
    `min_effect`, and the first `min_size` runs after it, and 3/4 of the new
    segment, must lie on the new side of the midpoint between the levels.
    Rejected changes are merged away and the rest re-checked.

    Returns {"changes": [{"index", "before", "after", "ratio", "kind"}],
    "levels": [level per input position or None], "sigma",
    "pending": None or {"index", "ratio", "kind"}} where index is the position
    in `values` of the first run at the new level, kind is "regression" (the
    value went up), "improvement" (down); "pending" flags a last run that
    is off the current level but not yet confirmed by a second run.
    """
    pos = [i for i, v in enumerate(values)
           if v is not None and v > 0 and math.isfinite(v)]
    ys = [math.log(values[i]) for i in pos]
    n = len(ys)
    result = {"changes": [], "levels": [None] * len(values), "sigma": 0.0,
              "pending": None}
    if n == 0:
        return result
    sigma = max(robust_sigma(ys), rel_noise or 0.0, noise_floor)
    result["sigma"] = sigma
    log_eff = math.log1p(min_effect)
    if n >= 2 * min_size:
        pen = penalty * sigma * sigma * max(math.log(n), 1.0)
        starts = _segment(ys, pen, min_size)
    else:
        starts = [0]

    def seg_bounds(st):
        return [(a, b) for a, b in zip(st, st[1:] + [n])]

    def confirmed(st, k):
        (a0, a1), (b0, b1) = seg_bounds(st)[k - 1], seg_bounds(st)[k]
        lo = statistics.median(ys[a0:a1])
        hi = statistics.median(ys[b0:b1])
        step = hi - lo
        if abs(step) < log_eff:
            return False
        mid = (lo + hi) / 2.0
        side = [(y - mid) * step > 0 for y in ys[b0:b1]]
        if not all(side[:min_size]):
            return False
        if sum(side) < 0.75 * len(side):
            return False
        # The old level must also hold just before the step.
        before = [(mid - y) * step > 0 for y in ys[a0:a1]]
        return all(before[-min_size:])

    changed = True
    while changed and len(starts) > 1:
        changed = False
        for k in range(1, len(starts)):
            if not confirmed(starts, k):
                del starts[k]
                changed = True
                break
    bounds = seg_bounds(starts)
    levels = [statistics.median(ys[a:b]) for a, b in bounds]
    for (a, b), lv in zip(bounds, levels):
        for i in range(a, b):
            result["levels"][pos[i]] = math.exp(lv)
    for k in range(1, len(bounds)):
        ratio = math.exp(levels[k] - levels[k - 1])
        result["changes"].append({
            "index": pos[bounds[k][0]],
            "before": math.exp(levels[k - 1]),
            "after": math.exp(levels[k]),
            "ratio": ratio,
            "kind": "regression" if ratio > 1 else "improvement",
        })
    # A last run off the current level: worth a look, not yet a change.
    a, b = bounds[-1]
    if b - a > min_size:
        lv = statistics.median(ys[a:b - 1])
        d = ys[-1] - lv
        if abs(d) >= max(log_eff, 3 * sigma):
            result["pending"] = {
                "index": pos[-1], "ratio": math.exp(d),
                "kind": "regression" if d > 0 else "improvement"}
    return result



def _jsonable(v):
    """Context values as JSON scalars (NaN/Infinity, which Python's json
    reads, are not valid JSON)."""
    if v is None or isinstance(v, (bool, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    return str(v)


def _iso(d):
    return d.isoformat().replace("+00:00", "Z") if d else None


# Site
# --------------------------------------------------------------------------

PAGES = [
    ("index.html", "cost", "Cost vs cache size"),
    ("ratios.html", "ratios", "Ratios & targets"),
    ("policies.html", "policies", "Policies"),
    ("history.html", "history", "History"),
    ("profiles.html", "profiles", "Profiles"),
]


def page_html(page, title):
    nav = "".join(
        '<a href="%s"%s>%s</a>' % (f, ' class="active"' if p == page else "",
                                   html.escape(t)) for f, p, t in PAGES)
    # The first script records errors before anything else runs, so the
    # end-to-end test (and a reader) can see them: see dashboard.js.
    return """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evictlab · {title}</title>
<script src="assets/errors.js"></script>
<link rel="stylesheet" href="assets/vendor/uPlot.min.css">
<link rel="stylesheet" href="assets/dashboard.css">
</head>
<body data-page="{page}">
<header><div class="brand">evictlab <span>perf dashboard</span></div>
<nav>{nav}</nav>
<input id="search" type="search" placeholder="filter benchmarks (regex), e.g. lru/kvobj/cek" aria-label="filter by benchmark name">
</header>
<section id="context" class="context"></section>
<main id="main"><noscript>This dashboard needs JavaScript.</noscript></main>
<footer id="footer"></footer>
<div id="tooltip" class="tooltip" hidden></div>
<script src="assets/vendor/uPlot.iife.min.js"></script>
<script src="data.js"></script>
<script src="assets/dashboard.js"></script>
</body></html>
""".format(title=html.escape(title), page=page, nav=nav)


def _clean_out(out):
    if os.path.isdir(out) and os.listdir(out):
        if not os.path.exists(os.path.join(out, MARKER)):
            raise SystemExit(
                "dashboard: %s exists and was not made by this tool; refusing "
                "to overwrite it" % out)
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)




def machine_of(ctx):
    """The machine a run was measured on: (id key, fields, label), from
    context.machine (CPU model, cores, compiler)."""
    m = context_mod.machine(ctx or {})
    cpu = str(m.get("cpu_model") or "unknown CPU")
    cores = m.get("num_cpus")
    comp = str(m.get("compiler") or "unknown compiler")
    # "g++ (Debian 12.2.0-14) 12.2.0" -> "g++ 12.2.0" for labels.
    short = re.sub(r"\s*\(.*?\)\s*", " ", comp).strip()
    label = "%s · %s cores · %s" % (cpu, cores if cores is not None else "?",
                                    short)
    return {"key": json.dumps([cpu, cores, comp]), "cpu_model": cpu,
            "num_cpus": cores, "compiler": comp, "label": label,
            "compiler_label": short}


def load_run(path, time_field="real_time"):
    """One run directory -> dict (see build_data for the fields used)."""
    base = os.path.basename(os.path.normpath(path))
    m = RUN_DIR_RE.match(base)
    stamp = m.group(1) if m else None
    ctx = _read_json(os.path.join(path, "context.json")) or {}
    cpp_doc = _read_json(os.path.join(path, "cpp.json"))
    py_doc = _read_json(os.path.join(path, "python.json"))
    gate_doc = _read_json(os.path.join(path, "gate.json"))
    cases_doc = _read_json(os.path.join(path, "cases.json"))
    cpp = gbench.load(cpp_doc or {"benchmarks": []}, time_field)
    py = gbench.load(py_doc, time_field) if py_doc is not None else None
    run = derive.make_run(cpp, py, cases_doc, ctx, gate_doc, time_field, path)
    flat = {}
    # The benchmark library's own context comes first so that the run's
    # context.json wins on conflicts (e.g. "date").
    if cpp_doc and isinstance(cpp_doc.get("context"), dict):
        for k, v in flatten(cpp_doc["context"]).items():
            if k in ("executable", "load_avg", "json_schema_version"):
                continue
            flat["benchmark." + k if k == "date" else k] = v
    flat.update(flatten(ctx))
    # The Python model's context (scripts/pybench) under "python.".
    if py_doc and isinstance(py_doc.get("context"), dict):
        for k, v in flatten(py_doc["context"]).items():
            if k not in ("load_avg", "caches"):
                flat["python." + k] = v
    sha = _pick(flat, "git_sha", "git.sha", "sha", "commit", "git.commit")
    sha = str(sha) if sha else (m.group(2) if m else "")
    run_date = _parse_date(stamp) if stamp else None
    commit_date = _parse_date(str(_pick(
        flat, "commit_date", "git.date", "git.commit_date") or ""))
    message = _pick(flat, "commit_message", "git.message", "git.subject",
                    "message", "subject")
    gate = {}
    if gate_doc and isinstance(gate_doc.get("cases"), dict):
        for name, v in gate_doc["cases"].items():
            if isinstance(v, dict):
                gate[cases_mod.canonical(name)] = {
                    "ir": _num(v.get("ir_per_op")),
                    "cycles": _num(v.get("est_cycles_per_op"))}
    mach = machine_of(ctx)
    highlights = [["machine", mach["label"]]]
    for label, keys in CONTEXT_HIGHLIGHTS:
        v = _pick(flat, *keys)
        if v is None and label == "libraries":
            libs = {k: v for k, v in flat.items()
                    if k.split(".")[0] in ("libraries", "library_versions",
                                           "versions")}
            v = ", ".join("%s %s" % (k.split(".", 1)[1], x)
                          for k, x in libs.items()) or None
        if isinstance(v, bool):
            v = "yes" if v else "no"
        if v is not None:
            highlights.append([label, str(v)])
    if not any(h[0] == "commit" for h in highlights) and sha:
        highlights.insert(0, ["commit", sha])  # from the directory name
    py_versions = ", ".join(
        "%s %s" % (name, flat["python." + key])
        for name, key in (("Python", "python_version"),
                          ("torch", "torch_version"),
                          ("numpy", "numpy_version"))
        if flat.get("python." + key) not in (None, ""))
    if py_versions:
        highlights.append(["Python model", py_versions])
    dirty = _pick(flat, "git_dirty", "git.dirty", "dirty")
    return {
        "id": base,
        "path": path,
        "stamp": stamp,
        "sha": sha,
        "sha7": sha[:7],
        "dirty": bool(dirty) and str(dirty).lower() not in ("0", "false", "no"),
        "message": str(message) if message is not None else "",
        "run_date": run_date,
        "commit_date": commit_date,
        "profile": str(_pick(flat, "profile") or ""),
        "library_build_type": str(_pick(flat, "library_build_type") or ""),
        "context": flat,
        "highlights": highlights,
        "machine": mach,
        "run": run,                      # derive.Run
        "cpp": cpp,                      # gbench.Results (canonical names)
        "py": py,
        "case_list": run.case_list,
        "gate": gate,
        "has_python": py_doc is not None,
        "has_gate": gate_doc is not None,
        "has_cases": cases_doc is not None,
        "sweep": simresults.load_sweep(path),   # sim/: the policy sweep
        "boundary": boundary_mod.load_run(path),  # boundary/: pyboundary
    }


def _num(x):
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) \
        and math.isfinite(x) else None


def load_runs(results_dir, time_field="real_time"):
    """All runs under results/runs, ordered by commit (commit date, then run
    time); each gets "seq" = 1..n in that order."""
    runs_dir = os.path.join(results_dir, "runs")
    runs = []
    if os.path.isdir(runs_dir):
        for name in sorted(os.listdir(runs_dir)):
            p = os.path.join(runs_dir, name)
            if os.path.isdir(p) and (
                    os.path.exists(os.path.join(p, "cpp.json"))
                    or os.path.exists(os.path.join(p, "python.json"))):
                runs.append(load_run(p, time_field))
    epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

    def order(r):
        return (r["commit_date"] or r["run_date"] or epoch,
                r["run_date"] or epoch, r["id"])
    runs.sort(key=order)
    for i, r in enumerate(runs):
        r["seq"] = i + 1
    return runs


def machines(runs):
    """The machines of the runs, in order of their first run:
    [{"id": "m1", "label", "cpu_model", "num_cpus", "compiler", "runs"}];
    sets run["machine_id"]."""
    out, by_key = [], {}
    for r in runs:
        m = r["machine"]
        if m["key"] not in by_key:
            by_key[m["key"]] = {
                "id": "m%d" % (len(out) + 1), "label": m["label"],
                "cpu_model": m["cpu_model"], "num_cpus": m["num_cpus"],
                "compiler": m["compiler"], "runs": []}
            out.append(by_key[m["key"]])
        by_key[m["key"]]["runs"].append(r["id"])
        r["machine_id"] = by_key[m["key"]]["id"]
    return out


# --------------------------------------------------------------------------
# Axes and the default view
# --------------------------------------------------------------------------

AXES = (("policy", "policies"), ("dict", "dicts"), ("kv", "kv_kinds"),
        ("key", "key_kinds"))


def axes(runs):
    """The selectors' values: every policy, dict, KV kind and key kind of the
    runs, in registry order (the newest run with a cases.json first, then
    what older runs add, first seen), plus the default dict and the
    registry's records of policies and dicts."""
    ordered = sorted(runs, key=lambda r: (not r["has_cases"], -r["seq"]))
    out = {plural: [] for _f, plural in AXES}
    traits, dict_info = {}, {}
    default_dict = None
    for r in ordered:
        cl = r["case_list"]
        for _f, plural in AXES:
            for v in getattr(cl, plural):
                if v not in out[plural] and v != cases_mod.PYTHON_DICT:
                    out[plural].append(v)
        for p in cl.policies:
            traits.setdefault(p, cl.policy_traits(p))
        for d in cl.dicts:
            dict_info.setdefault(d, cl.dict_info(d))
        if default_dict is None and r["has_cases"]:
            default_dict = cl.default_dict
    # Only values some run has a case of: the registry lists every policy,
    # dict and kind it knows, a run may measure fewer.
    present = {plural: set() for _f, plural in AXES}
    for r in runs:
        for name in list(r["cpp"]) + list(r["py"] or ()):
            c = r["case_list"].case(name)
            for f, plural in AXES:
                present[plural].add(getattr(c, f))
    for _f, plural in AXES:
        out[plural] = [v for v in out[plural] if v in present[plural]]
    if default_dict is None:
        default_dict = (ordered[0]["case_list"].default_dict if ordered
                        else cases_mod.OLD_DEFAULT_DICT)
    out["default_dict"] = default_dict
    out["policy_traits"] = traits
    out["dict_info"] = dict_info
    return out


def _most_named(values, counts):
    """The value (of `values`, registry order) the targets name most often;
    ties and no mention go to registry order."""
    if not values:
        return None
    return max(values, key=lambda v: (counts.get(v, 0), -values.index(v)))


def default_selection(ax, targets):
    """The view a reader gets without asking: one policy, one KV kind and
    one key kind — those the speed targets name most often (targets.json),
    else the first in registry order — and every dict, so a chart compares the dicts
    under one policy (plus the Python model and the memory floor as
    references). If the dicts would make a chart draw more than MAX_SERIES
    series, only the default dict."""
    counts = {f: {} for f, _p in AXES}
    for t in targets:
        for f, _p in AXES:
            w = t.where.get(f)
            for v in (w if isinstance(w, list) else [w]) if w else ():
                counts[f][v] = counts[f].get(v, 0) + 1
    sel = {}
    for f, plural in AXES:
        if f == "dict":
            continue
        v = _most_named(ax[plural], counts[f])
        sel[f] = [v] if v is not None else []
    dicts = list(ax["dicts"])
    # References: one Python series and the floor.
    if len(dicts) + 2 > MAX_SERIES:
        dicts = [ax["default_dict"]] if ax["default_dict"] in dicts \
            else dicts[:1]
    sel["dict"] = dicts
    return sel


# --------------------------------------------------------------------------
# Derived views
# --------------------------------------------------------------------------

def _variant_order(cl, fam, variants):
    """Charts of a family in the order the case list first shows them."""
    order = {}
    for c in cl.sorted():
        if c.family == fam and c.variant not in order:
            order[c.variant] = len(order)
    return sorted(variants, key=lambda v: (order.get(v, len(order)), v))


def _stats(res):
    return [res.median, res.min if res.min is not None else res.median,
            res.max if res.max is not None else res.median]


def chart_specs(run, ax):
    """The cost-vs-cache-size charts of one run: one per UpdateOnGet and
    UpdateOnPut variant. x = log2(entries); one series per C++
    (policy, dict, kv, key) and per Python model (policy, kv, key), plus
    BM_MemoryFloor as a reference. A series is [median, min, max] per x
    (None where missing); the page shows those the selectors pick."""
    cl = run["case_list"]
    groups = {}
    floor = {}
    for src, results in (("cpp", run["cpp"]), ("py", run["py"])):
        for name, res in (results.items() if results is not None else ()):
            if res.error is not None or res.median is None:
                continue
            c = cl.case(name)
            e = c.entries
            if not isinstance(e, int) or e <= 0:
                continue
            if c.family == "MemoryFloor" and src == "cpp":
                # The chart's reference is the dependent floor; the
                # independent-access floors are per hit (ratio table).
                if not c.variant:
                    floor[e] = (name, res)
                continue
            if c.family not in cases_mod.CACHE_FAMILIES:
                continue
            d = c.dict if src == "cpp" else None
            skey = (src, c.policy, d, c.kv, c.key)
            groups.setdefault((c.family, c.variant), {}).setdefault(
                skey, {})[e] = (name, res)

    def pos(values, v):
        return values.index(v) if v in values else len(values)

    def series_order(s):
        src, pol, d, kv, k = s
        return (src != "cpp", pos(ax["policies"], pol), pos(ax["dicts"], d),
                pos(ax["kv_kinds"], kv), pos(ax["key_kinds"], k))

    charts = []
    for fam in cases_mod.CACHE_FAMILIES:
        variants = [v for f, v in groups if f == fam]
        for var in _variant_order(cl, fam, variants):
            series_map = groups[(fam, var)]
            xs = sorted({e for s in series_map.values() for e in s}
                        | set(floor))
            series = []
            for skey in sorted(series_map, key=series_order):
                src, pol, d, kv, k = skey
                pts = series_map[skey]
                label = ("Python %s · %s · %s" % (pol, kv, k) if src == "py"
                         else "%s · %s · %s · %s" % (pol, d, kv, k))
                series.append({
                    "label": label, "source": src, "policy": pol, "dict": d,
                    "kv": kv, "key": k, "ref": src == "py",
                    "cases": [pts[e][0] if e in pts else None for e in xs],
                    "data": [_stats(pts[e][1]) if e in pts else None
                             for e in xs]})
            if floor:
                series.append({
                    "label": "MemoryFloor (one cache-missing load)",
                    "source": "floor", "policy": None, "dict": None,
                    "kv": None, "key": None, "ref": True,
                    "cases": [floor[e][0] if e in floor else None
                              for e in xs],
                    "data": [_stats(floor[e][1]) if e in floor else None
                             for e in xs]})
            cid = re.sub(r"[^a-z0-9]+", "-",
                         ("%s-%s" % (fam, var)).lower()).strip("-")
            charts.append({
                "id": cid, "family": fam, "variant": var,
                "title": "%s · %s" % (fam, var),
                "x": [round(math.log2(e), 3) for e in xs], "entries": xs,
                "series": series})
    return charts


def python_key_for(key):
    """The Python model's key kind a C++ key kind is compared with."""
    return derive.PY_KEY_FOR.get(key, key)


def _cell(v):
    """A derive cell as JSON: a number, None, or its reason ("n/a",
    "error")."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return v if math.isfinite(v) else None
    return str(v)


ROW_FIELDS = ("name", "family", "policy", "dict", "kv", "key", "entries",
              "variant", "cpp_min_ns", "cpp_max_ns", "n", "error") \
    + tuple(derive.COLUMNS[8:])


def ratio_rows(run, targets):
    """derive.rows of the run (the summary.md derivation) as JSON rows,
    worst first: errors, then rows whose targets have the smallest margin,
    then rows without targets by speed-up over Python."""
    out = []
    for r in derive.rows(run["run"], targets):
        row = {f: _cell(r.get(f)) for f in ROW_FIELDS}
        row["checks"] = r["checks"]
        row["missing"] = r["missing"]
        out.append(row)

    def worst(r):
        if r["error"]:
            return (-1, 0, r["name"])
        if r["checks"]:
            return (0, min(x["margin"] for x in r["checks"]), r["name"])
        sp = r.get("speedup_vs_python")
        return (1, sp if isinstance(sp, float) else math.inf, r["name"])
    out.sort(key=worst)
    return out


def history(runs):
    """Per case, over every run in commit order (arrays have one slot per
    run, None where a run lacks the case or belongs to another group):

      "ns": [{"machine", "ns", "lo", "hi", "py", "level", "changes",
              "pending", "sigma"}]   one entry per machine that ran the case
      "ir": [{"compiler", "ir", "level", "changes", "pending"}]
                                     one entry per compiler (gate.json)

    plus the case's record fields (family, policy, dict, kv, key) for the
    selectors. Change detection runs within one group only."""
    names = set()
    for r in runs:
        names.update(n for n, res in r["cpp"].items()
                     if res.error is None and res.median is not None)
        names.update(r["gate"])
    mids = []
    for r in runs:
        if r["machine_id"] not in mids:
            mids.append(r["machine_id"])
    comps = []
    for r in runs:
        if r["machine"]["compiler"] not in comps:
            comps.append(r["machine"]["compiler"])
    n = len(runs)
    out = {}
    for name in sorted(names):
        rec = runs[-1]["case_list"].case(name)
        h = {"family": rec.family, "policy": rec.policy, "dict": rec.dict,
             "kv": rec.kv, "key": rec.key, "ns": [], "ir": []}
        for mid in mids:
            ns, lo, hi, pyv, cvs = [None] * n, [None] * n, [None] * n, \
                [None] * n, []
            for i, r in enumerate(runs):
                if r["machine_id"] != mid:
                    continue
                res = r["cpp"].get(name)
                if res is not None and res.error is None \
                        and res.median is not None:
                    ns[i] = res.median
                    lo[i] = res.min if res.min is not None else res.median
                    hi[i] = res.max if res.max is not None else res.median
                    if res.n > 1 and res.cv is not None:
                        cvs.append(res.cv)
                c = r["case_list"].case(name)
                pname = None
                if r["py"] is not None and c.family in \
                        cases_mod.CACHE_FAMILIES:
                    pname = _python_name(r, c)
                elif r["py"] is not None:
                    pname = name
                pres = r["py"].get(pname) if pname else None
                if pres is not None and pres.error is None:
                    pyv[i] = pres.median
            if all(v is None for v in ns):
                continue
            cp = detect_changes(ns, rel_noise=statistics.median(cvs)
                                if cvs else 0.0)
            g = {"machine": mid, "ns": ns, "lo": lo, "hi": hi,
                 "level": cp["levels"], "changes": cp["changes"],
                 "pending": cp["pending"], "sigma": cp["sigma"]}
            if any(v is not None for v in pyv):
                g["py"] = pyv
            h["ns"].append(g)
        for comp in comps:
            ir = [None] * n
            for i, r in enumerate(runs):
                if r["machine"]["compiler"] == comp:
                    g = r["gate"].get(name)
                    ir[i] = g.get("ir") if g else None
            if all(v is None for v in ir):
                continue
            cp = detect_changes(ir, noise_floor=IR_NOISE_FLOOR)
            h["ir"].append({"compiler": comp, "ir": ir, "level": cp["levels"],
                            "changes": cp["changes"],
                            "pending": cp["pending"]})
        out[name] = h
    return out


def _python_name(run, c):
    """The Python model's case a C++ cache case is compared with (the model
    has one dict: derive's rule, for the default dict's cases only)."""
    if c.dict != run["case_list"].default_dict:
        return None
    want = (c.family, c.policy, c.kv, python_key_for(c.key), c.entries,
            c.variant)
    idx = run.get("_py_index")
    if idx is None:
        idx = {}
        for pname in run["py"]:
            pc = cases_mod.parse_name(pname)
            idx[(pc.family, pc.policy, pc.kv, pc.key, pc.entries,
                 pc.variant)] = pname
        run["_py_index"] = idx
    return idx.get(want)




# The scatter's cost per operation: the benchmark matrix's get on a full
# cache (uniform keys) and its put with one eviction, the cases summary.md's
# headline uses (docs/CASES.md).
SCATTER_OPS = (("get", "UpdateOnGet", "dist:uniform"),
               ("put", "UpdateOnPut", "evictions:1"))


def scatter_cost(run, policies, kv, key):
    """The cost side of the policy page's scatter: per op ("get", "put") and
    entries, each sim policy's median ns/op on the run's default dict at one
    KV kind and key kind (the cost page's default view). Returns {"dict",
    "kv", "key", "ops": [{"op", "family", "variant"}], "entries": [...],
    "default_entries", "values": {op: {entries: {policy: {"case", "ns"}}}}};
    default_entries is the largest size at which the most policies have
    both ops (a cache the size of a real one, where cost is memory-bound)."""
    cl = run["case_list"]
    d = cl.default_dict
    values = {op: {} for op, _f, _v in SCATTER_OPS}
    fam_op = {(f, v): op for op, f, v in SCATTER_OPS}
    for name, res in run["cpp"].items():
        if res.error is not None or res.median is None:
            continue
        c = cl.case(name)
        op = fam_op.get((c.family, c.variant))
        if op is None or c.policy not in policies or c.dict != d \
                or c.kv != kv or c.key != key or not isinstance(c.entries,
                                                                int):
            continue
        values[op].setdefault(str(c.entries), {})[c.policy] = {
            "case": name, "ns": res.median}
    entries = sorted({int(e) for v in values.values() for e in v})

    def both(e):
        return sum(1 for p in policies
                   if all(p in values[op].get(str(e), {})
                          for op, _f, _v in SCATTER_OPS))
    default = max(entries, key=lambda e: (both(e), e)) if entries else None
    return {"dict": d, "kv": kv, "key": key,
            "ops": [{"op": op, "family": f, "variant": v}
                    for op, f, v in SCATTER_OPS],
            "entries": entries, "default_entries": default,
            "values": values}


def sim_view(run, defaults):
    """The policy page of one run: per trace of its sweep (sim/), one series
    per policy over the cache sizes: hit ratio (token hit ratio in KV mode,
    1 - miss ratio in classic mode), ns per request, and the raw ratios for
    tooltips; `offline` marks a policy that needs future knowledge (the
    registry's trait, so Belady is the reference without being named)."""
    sw = run["sweep"]
    cl = run["case_list"]
    traces, pols = [], []
    for t in sw.traces:
        series = []
        for p in t.policies:
            if p not in pols:
                pols.append(p)
            rs = [t.results.get((p, sz)) for sz in t.sizes]
            series.append({
                "policy": p,
                "offline": bool(cl.policy_traits(p).get(
                    "needs_future_knowledge")),
                "hit": [t.hit(p, sz) for sz in t.sizes],
                "ns_per_req": [t.ns_per_req(p, sz) for sz in t.sizes],
                "miss": [r.get("miss_ratio") if r else None for r in rs],
                "byte_miss": [r.get("byte_miss_ratio") if r else None
                              for r in rs],
                "block_hit": [r.get("block_hit_ratio") if r else None
                              for r in rs]})
        traces.append({
            "id": t.id, "trace": t.trace, "format": t.format, "kv": t.kv,
            "metric": t.metric, "metric_label": t.metric_label,
            "file": os.path.relpath(t.path, run["path"]),
            "sizes": t.sizes,
            "size_labels": [simresults.fmt_bytes(sz) for sz in t.sizes],
            "n_req": t.n_req,
            "context": {k: _jsonable(v) for k, v in flatten(
                t.context).items()},
            "series": series})
    kv = (defaults.get("kv") or [None])[0]
    key = (defaults.get("key") or [None])[0]
    return {"present": sw.present, "traces": traces,
            "errors": [{"id": i, "message": m} for i, m in sw.errors],
            "cost": scatter_cost(run, pols, kv, key)}


def boundary_view(run):
    """The policy page's Python boundary of one run (boundary/, read by
    evictlab_tools/boundary.py): per trace and cache size, each way's ns
    per block reference per policy (None where the way did not run: the
    lab has no Python model of the policy) and, per policy, issue 15's two
    targets for the batched binding with their ratio and status."""
    b = run["boundary"]
    tables = []
    for t in b.tables:
        tables.append({
            "id": t.id, "trace": t.trace, "cache_size": t.cache_size,
            "size_label": boundary_mod.fmt_size(t.cache_size),
            "n_req": t.n_req, "n_block": t.n_block,
            "policies": t.policies,
            "ns": {w: [r.ns[w] for r in t.rows]
                   for w, _l in boundary_mod.WAYS},
            "targets": {k: {"value": [getattr(r, k) for r in t.rows],
                            "met": [r.met(k) for r in t.rows],
                            "limit": [r.limit(k) for r in t.rows]}
                        for k, _t, _o, _th in boundary_mod.TARGETS},
            "counters_equal": [r.counters_equal for r in t.rows]})
    return {"present": b.present, "tables": tables, "errors": b.errors,
            "file": os.path.relpath(b.path, run["path"]),
            "command": b.command, "runs": b.runs, "loadavg": b.loadavg,
            "ways": [{"way": w, "label": lab} for w, lab in
                     boundary_mod.WAYS],
            "targets": [{"key": k, "text": text, "op": op,
                         "threshold": th}
                        for k, text, op, th in boundary_mod.TARGETS]}


def build_data(runs, profiles, targets=None):
    if targets is None:
        targets = targets_mod.load()
    mach = machines(runs)
    ax = axes(runs)
    data = {
        "generated": _iso(_dt.datetime.now(_dt.timezone.utc).replace(
            microsecond=0)),
        "max_series": MAX_SERIES,
        "py_key_for": dict(derive.PY_KEY_FOR),
        "axes": ax,
        "defaults": default_selection(ax, targets),
        "machines": mach,
        "targets": [{"id": t.id, "text": t.text, "op": t.op,
                     "threshold": t.threshold, "unit": t.unit}
                    for t in targets],
        "runs": [], "charts": {}, "getsize": {}, "ratios": {}, "summary": {},
        "sim": {}, "boundary": {},
        "history": history(runs), "profiles": profiles,
    }
    for r in runs:
        data["runs"].append({
            "id": r["id"], "seq": r["seq"], "sha": r["sha"], "sha7": r["sha7"],
            "dirty": r["dirty"], "message": r["message"],
            "commit_date": _iso(r["commit_date"]),
            "run_date": _iso(r["run_date"]), "profile": r["profile"],
            "library_build_type": r["library_build_type"],
            "machine": r["machine_id"],
            "compiler": r["machine"]["compiler_label"],
            "highlights": r["highlights"],
            "context": {k: _jsonable(v) for k, v in r["context"].items()},
            "has_python": r["has_python"], "has_gate": r["has_gate"],
            "has_cases": r["has_cases"],
            "has_sim": bool(r["sweep"].traces),
            "has_boundary": bool(r["boundary"].tables),
            "n_cpp": len(r["cpp"]),
            "n_py": len(r["py"]) if r["py"] is not None else 0,
            "errors": r["cpp"].errors(),
        })
        data["charts"][r["id"]] = chart_specs(r, ax)
        cl = r["case_list"]
        data["getsize"][r["id"]] = [
            {"case": n, "kv": cl.case(n).kv, "variant": cl.case(n).variant,
             "ns": res.median, "lo": _stats(res)[1], "hi": _stats(res)[2],
             "py_ns": (r["py"].get(n).median if r["py"] is not None
                       and r["py"].get(n) is not None else None)}
            for n, res in sorted(r["cpp"].items())
            if cl.case(n).family == "GetSize" and res.error is None
            and res.median is not None]
        rows = ratio_rows(r, targets)
        data["sim"][r["id"]] = sim_view(r, data["defaults"])
        data["boundary"][r["id"]] = boundary_view(r)
        data["ratios"][r["id"]] = rows
        data["summary"][r["id"]] = targets_mod.summary(rows, targets)
    return data


def build_site(results_dir, out_dir, time_field="real_time"):
    """Builds the site; returns the path of index.html."""
    runs = load_runs(results_dir, time_field)
    names = set()
    for r in runs:
        names.update(r["cpp"])
        names.update(r["py"] or ())
    profiles = load_profiles(results_dir, sorted(names))
    data = build_data(runs, profiles)
    data["time_field"] = time_field
    _clean_out(out_dir)
    with open(os.path.join(out_dir, MARKER), "w") as f:
        f.write("made by scripts/dashboard; the directory is rebuilt\n")
    assets = os.path.join(out_dir, "assets")
    os.makedirs(os.path.join(assets, "vendor"))
    for fn in ("dashboard.js", "dashboard.css", "errors.js"):
        shutil.copy(os.path.join(ASSETS, fn), os.path.join(assets, fn))
    for fn in os.listdir(os.path.join(ASSETS, "vendor")):
        shutil.copy(os.path.join(ASSETS, "vendor", fn),
                    os.path.join(assets, "vendor", fn))
    # Profiles are copied so that the site stands alone on any static host.
    for p in profiles:
        for fn in p["files"]:
            src = os.path.join(results_dir, "profiles", p["dir"], fn)
            dst = os.path.join(out_dir, "profiles", p["dir"], fn)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)
    js = json.dumps(data, separators=(",", ":"), allow_nan=False,
                    default=str)
    with open(os.path.join(out_dir, "data.js"), "w", encoding="utf-8") as f:
        f.write("window.EVICTLAB_DATA = %s;\n" % js)
    for fn, page, title in PAGES:
        with open(os.path.join(out_dir, fn), "w", encoding="utf-8") as f:
            f.write(page_html(page, title))
    return os.path.join(out_dir, "index.html")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="scripts/dashboard",
        description="Build the static perf dashboard from results/.")
    ap.add_argument("--results", default=os.path.join(REPO, "results"),
                    help="results directory (default: <repo>/results)")
    ap.add_argument("--out", default=None,
                    help="output directory (default: <results>/site)")
    ap.add_argument("--time", choices=("real", "cpu"), default="real",
                    help="which Google Benchmark time to chart (default real)")
    a = ap.parse_args(argv)
    out = a.out or os.path.join(a.results, "site")
    index = build_site(os.path.abspath(a.results), os.path.abspath(out),
                       a.time + "_time")
    print(index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
