"""The regression gate's pure logic: which cases it runs, parsing callgrind
dumps, per-op figures, comparison with a baseline, and the report. Kept
apart from gate.py so it is unit-tested on known inputs
(tests/python/test_gate.py)."""
import re

from . import cases

# Estimated cycles: L1 hits + 5 x LL hits + 35 x RAM accesses (the weights
# callgrind's own documentation uses for a rough cycle estimate).
LL_HIT_CYCLES = 5
RAM_CYCLES = 35


# What the gate runs, as record predicates over the binary's case list: every
# registered policy on the default dict (so a new policy joins with no edit),
# every key kind, every KV kind for lru and kvobj for the others, at ENTRIES;
# and the size rule's main cases.
ENTRIES = (1024, 65536)
GATE_VARIANTS = {"UpdateOnGet": ("dist:uniform",),
                 "UpdateOnPut": ("evictions:0", "evictions:1", "evictions:8")}
GATE_GETSIZE = {(None, "field_read"), ("bytearray", ""), ("kvobj", ""),
                ("disk", "")}
GATE_TENSOR_DTYPE = "bfloat16"


# Every KV kind for the headline policy; `kvobj` for the others. The KV kind
# changes only get_size (gated on its own below), and all of them for every
# policy made the gate 1384 cases and 8 of CI's 21 minutes.
GATE_ALL_KV_POLICIES = {"lru"}
GATE_KV = "kvobj"


def is_gate_case(case, default_dict):
    """Whether the default gate runs this cases.Case."""
    if case.family in GATE_VARIANTS:
        return (case.dict == default_dict and case.entries in ENTRIES
                and case.variant in GATE_VARIANTS[case.family]
                and (case.policy in GATE_ALL_KV_POLICIES
                     or case.kv == GATE_KV))
    if case.family == "GetSize":
        if (case.kv, case.variant) in GATE_GETSIZE:
            return True
        p = case.params
        return (case.kv == "tensor" and p.get("dtype") == GATE_TENSOR_DTYPE
                and "dispatch" not in p)
    return False


def gate_cases(case_list):
    """The default gate's cases (cases.Case) of a case list."""
    return [c for c in case_list if is_gate_case(c, case_list.default_dict)]


def _alt(values):
    values = sorted({str(v) for v in values})
    if len(values) == 1:
        return cases.ere_escape(values[0])
    return "(" + "|".join(cases.ere_escape(v) for v in values) + ")"


def bench_filter(selected, case_list):
    """A --benchmark_filter that matches exactly the selected cases among
    the case list (with fixed iterations the library appends
    /iterations:N). Cache cases become one product pattern per family
    (policies x dicts x kv x keys x entries x variants) when the selection is
    such a product, else a list of names."""
    suffix = "(/iterations:[0-9]+)?$"
    selected_names = {c.name for c in selected}
    parts = []
    for family in sorted({c.family for c in selected}):
        sub = [c for c in selected if c.family == family]
        if family in cases.CACHE_FAMILIES:
            pattern = (f"BM_{family}/{_alt(c.policy for c in sub)}"
                       f"/dict:{_alt(c.dict for c in sub)}"
                       f"/{_alt(c.kv for c in sub)}/{_alt(c.key for c in sub)}"
                       f"/entries:{_alt(c.entries for c in sub)}"
                       f"/{_alt(c.variant for c in sub)}")
            rx = re.compile("^" + pattern + suffix)
            hits = {c.name for c in case_list if c.family == family
                    and rx.search(c.name)}
            if hits == {c.name for c in sub}:
                parts.append("^" + pattern + suffix)
                continue
        parts += ["^" + cases.ere_escape(c.name) + suffix for c in sub]
    if not parts:
        return None
    rx = re.compile("|".join(parts))
    assert {c.name for c in case_list if rx.search(c.name)} == \
        selected_names, "bench_filter does not match the selection"
    return "|".join(parts)


def parse_callgrind_dump(path):
    """Returns (case name, {event: total}) of one callgrind dump file, or
    (None, {}) for a dump not made by a MeasuredRegion (program termination)."""
    name = None
    events = None
    totals = None
    with open(path) as f:
        for line in f:
            if line.startswith("desc: Trigger: Client Request: "):
                name = line[len("desc: Trigger: Client Request: "):].strip()
            elif line.startswith("events: "):
                events = line.split()[1:]
            elif line.startswith("totals: "):
                totals = [int(x) for x in line.split()[1:]]
    if name is None or events is None or totals is None:
        return None, {}
    values = dict(zip(events, totals + [0] * (len(events) - len(totals))))
    return name, values


def estimated_cycles(ev):
    accesses = ev.get("Ir", 0) + ev.get("Dr", 0) + ev.get("Dw", 0)
    l1_misses = ev.get("I1mr", 0) + ev.get("D1mr", 0) + ev.get("D1mw", 0)
    ll_misses = ev.get("ILmr", 0) + ev.get("DLmr", 0) + ev.get("DLmw", 0)
    l1_hits = accesses - l1_misses
    ll_hits = l1_misses - ll_misses
    return l1_hits + LL_HIT_CYCLES * ll_hits + RAM_CYCLES * ll_misses


def per_op(dumps, iterations_by_name):
    """{name: {"ir_per_op", "est_cycles_per_op", "iterations"}} for the cases
    that have both a dump and an iteration count."""
    out = {}
    for name, ev in dumps.items():
        iters = iterations_by_name.get(name)
        if not iters:
            continue
        out[name] = {
            "ir_per_op": ev.get("Ir", 0) / iters,
            "est_cycles_per_op": estimated_cycles(ev) / iters,
            "iterations": iters,
        }
    return out


def threshold_for(name, default, overrides):
    for pattern, pct in overrides.items():
        if re.search(pattern, name):
            return float(pct)
    return default


def compare(baseline, current, default_threshold, overrides=None):
    """Compares Ir/op. Returns {"rows": [...], "failed": bool} with rows
    worst-first: regressions, then the rest by change, then missing, new."""
    overrides = overrides or {}
    rows = []
    for name in sorted(set(baseline) | set(current)):
        b = baseline.get(name)
        c = current.get(name)
        if b is None:
            rows.append({"case": name, "status": "new", "baseline": None,
                         "current": c["ir_per_op"], "change_pct": None, "threshold": None})
            continue
        if c is None:
            rows.append({"case": name, "status": "missing", "baseline": b["ir_per_op"],
                         "current": None, "change_pct": None, "threshold": None})
            continue
        base = b["ir_per_op"]
        change = (c["ir_per_op"] - base) / base * 100.0 if base else (0.0 if not c["ir_per_op"] else float("inf"))
        limit = threshold_for(name, default_threshold, overrides)
        status = "REGRESSION" if change > limit else ("improved" if change < -limit else "ok")
        rows.append({"case": name, "status": status, "baseline": base,
                     "current": c["ir_per_op"], "change_pct": change, "threshold": limit})
    order = {"REGRESSION": 0, "missing": 1, "ok": 2, "improved": 2, "new": 3}
    rows.sort(key=lambda r: (order[r["status"]],
                             -(r["change_pct"] if r["change_pct"] is not None else 0)))
    failed = any(r["status"] in ("REGRESSION", "missing") for r in rows)
    return {"rows": rows, "failed": failed}


def format_report(report):
    def num(x):
        return "-" if x is None else f"{x:,.1f}"

    lines = [f"{'case':<72} {'baseline Ir/op':>15} {'current Ir/op':>15} {'change':>9}  status"]
    for r in report["rows"]:
        change = "-" if r["change_pct"] is None else f"{r['change_pct']:+.2f}%"
        status = r["status"]
        if r["threshold"] is not None and status == "REGRESSION":
            status += f" (> +{r['threshold']:g}%)"
        if status == "missing":
            status += " (in the baseline, not run: removed case? scripts/gate --update)"
        if status == "new":
            status += " (no baseline yet)"
        lines.append(f"{r['case']:<72} {num(r['baseline']):>15} {num(r['current']):>15} {change:>9}  {status}")
    n_reg = sum(r["status"] == "REGRESSION" for r in report["rows"])
    n_miss = sum(r["status"] == "missing" for r in report["rows"])
    n_new = sum(r["status"] == "new" for r in report["rows"])
    verdict = "FAIL" if report["failed"] else "PASS"
    lines.append(f"gate: {verdict}: {len(report['rows'])} cases, {n_reg} regressed, "
                 f"{n_miss} missing, {n_new} new")
    return "\n".join(lines)


def context_warnings(base_ctx, cur_ctx):
    out = []
    for key in ("compiler", "cxx_flags", "torch_version", "abseil_lts", "valgrind", "cpu_model"):
        if base_ctx.get(key) != cur_ctx.get(key):
            out.append(f"{key} differs from the baseline's ({base_ctx.get(key)!r} vs "
                       f"{cur_ctx.get(key)!r}); counts may shift for that reason alone")
    if cur_ctx.get("deliberate_slowdown"):
        out.append(f"this build has a deliberate slowdown: {cur_ctx['deliberate_slowdown']}")
    return out
