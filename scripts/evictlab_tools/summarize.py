"""Summarizes one run directory of scripts/run.sh: summary.csv, summary.md.

    scripts/summarize RUN_DIR

Reads RUN_DIR/cpp.json, and when present python.json, cases.json,
context.json and gate.json; the rows and every ratio come from
derive.rows (see evictlab_tools/derive.py for the columns). summary.csv has
derive.COLUMNS; summary.md the context, the targets' status, a headline
(the reference policy `lru` on the default dict, kvobj values), the memory
per entry by dict, the policy sweep (RUN_DIR/sim/, evictlab_tools/sweep.py:
the policies ranked by hit ratio at two cache sizes per trace), the Python
boundary (RUN_DIR/boundary/, evictlab_tools/boundary.py: per trace, policy x
{Python model, binding per block, binding batched, C++} in ns per block and
issue 15's two targets met or not), then every case by family.

A cell is empty where the column does not apply, "n/a" where the other case
is missing and "error" where a case reported error_occurred.
"""

import csv
import os
import sys

from . import context as context_mod
from . import boundary as boundary_mod
from . import cases, derive, gbench, simresults, targets as targets_mod

HEADLINE_POLICY = "lru"     # the reference port (docs/CASES.md)
HEADLINE_KV = "kvobj"
HEADLINE_VARIANTS = {"UpdateOnGet": "dist:uniform",
                     "UpdateOnPut": "evictions:1"}


def fmt_csv(v):
    if isinstance(v, float):
        return f"{v:.3f}"
    return "" if v is None else str(v)


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(derive.COLUMNS)
        for r in rows:
            w.writerow([fmt_csv(r[c]) for c in derive.COLUMNS])


def md_num(v):
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 0.01 or v == 0:
        return f"{v:.2f}"
    return f"{v:.2g}"     # e.g. an inlined no-op: 0.0026 ns


def md_ns(v):
    return md_num(v) if isinstance(v, float) else ("" if v is None
                                                   else str(v))


def md_ratio(v):
    return md_num(v) + "×" if isinstance(v, float) else ("" if v is None
                                                         else str(v))


def md_table(header, body):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return out


def context_lines(run):
    ctx = context_mod.normalize(run.context)
    bench = run.cpp.context
    sha = ctx.get("git_sha")
    dirty = ctx.get("git_dirty")
    items = [
        ("git", (str(sha)[:12] + (" (dirty)" if dirty else "")) if sha
         else None),
        ("commit", ctx.get("commit_message")),
        ("profile", ctx.get("profile")),
        ("compiler", ctx.get("compiler")),
        ("flags", ctx.get("cxx_flags")),
        ("CPU", ctx.get("cpu_model")),
        ("num_cpus", ctx.get("num_cpus") or bench.get("num_cpus")),
        ("library_build_type", ctx.get("library_build_type")
         or bench.get("library_build_type")),
        ("date", bench.get("date") or ctx.get("date_utc")),
        ("host", bench.get("host_name") or ctx.get("host")),
        ("dicts", ", ".join(
            d + (" (default)" if d == run.case_list.default_dict else "")
            for d in run.case_list.dicts if d != cases.PYTHON_DICT)),
    ]
    if run.python is not None:
        pc = run.python.context
        items.append(("python model", f"Python {pc.get('python_version', '?')}"
                      f", torch {pc.get('torch_version', '?')}"))
    return [f"- {k}: {v}" for k, v in items if v not in (None, "")]


def headline(rows, default_dict):
    body = []
    for r in rows:
        if (r["policy"] == HEADLINE_POLICY and r["dict"] == default_dict
                and r["kv"] == HEADLINE_KV
                and HEADLINE_VARIANTS.get(r["family"]) == r["variant"]):
            body.append([f"{r['family']} ({r['variant']})", r["key"],
                         r["entries"], md_ns(r["cpp_median_ns"]),
                         md_ns(r["python_median_ns"]),
                         md_ratio(r["speedup_vs_python"]),
                         md_ratio(r["speedup_vs_naive"]),
                         md_ratio(r["ratio_to_floor"]),
                         md_ratio(r["ratio_to_ind_floor"])])
    return body


def memory_table(rows, case_list):
    """bytes_per_entry of the lru kvobj UpdateOnGet uniform caches: rows
    (key, entries), a column per dict of the run and one for the Python
    model. Returns (header, body)."""
    dicts = [d for d in case_list.dicts if d != cases.PYTHON_DICT]
    cells, py = {}, {}
    for r in rows:
        if (r["family"] == "UpdateOnGet" and r["policy"] == HEADLINE_POLICY
                and r["kv"] == HEADLINE_KV and r["variant"] == "dist:uniform"
                and r["bytes_per_entry"] is not None):
            cells[(r["key"], r["entries"], r["dict"])] = r["bytes_per_entry"]
            if r["python_bytes_per_entry"] is not None:
                py[(r["key"], r["entries"])] = r["python_bytes_per_entry"]
    keys = sorted({(k, n) for (k, n, _) in cells},
                  key=lambda kn: (case_list.key_kinds.index(kn[0]), kn[1]))
    used = [d for d in dicts if any(k[2] == d for k in cells)]
    body = []
    for key, n in keys:
        row = [key, n]
        for d in used:
            v = cells.get((key, n, d))
            row.append("" if v is None else f"{v:.0f}")
        v = py.get((key, n))
        row.append("" if v is None else f"{v:.0f}")
        body.append(row)
    return ["key", "entries"] + used + ["Python"], body


def targets_table(rows, targets):
    body = []
    for t in targets_mod.summary(rows, targets):
        worst = ""
        if t["n"]:
            worst = (f"{md_num(t['worst_value'])} {t['unit']} "
                     f"(`{t['worst_case']}`)")
        missing = f"{len(t['missing'])} missing" if t["missing"] else ""
        body.append([t["text"], targets_mod.status(t), worst, missing])
    return body


def md_e3(v):
    """v / 10^3 (ns -> µs), or the cell's reason."""
    return md_num(v / 1e3) if isinstance(v, float) else md_ns(v)


def _request_vs_lru(r, sub):
    """A request's time over lru's same request (same dict, kv, key,
    entries, chunks and hits), from the rows of the table."""
    if r["policy"] == derive.LRU:
        return None
    lru = r["case"].with_fields(policy=derive.LRU).name
    other = next((x for x in sub if x["name"] == lru), None)
    if other is None:
        return derive.NA
    return derive._ratio(r["cpp_median_ns"], other["cpp_median_ns"])


def md_e6(v):
    """v / 10^6 (req/s -> M req/s, ns -> ms), or the cell's reason."""
    return md_num(v / 1e6) if isinstance(v, float) else md_ns(v)


def simulate_table(sub):
    """BM_Simulate as policy x (trace, cache): M req/s, miss ratio and the
    replay's time over its lookup-only floor's (BM_SimulateFloor) for each
    trace and cache size, in the rows' order. Returns (header, body)."""
    variants, cells = [], {}
    for r in sub:
        if r["variant"] not in variants:
            variants.append(r["variant"])
        cells[(r["policy"], r["variant"])] = r
    hdr = ["policy"]
    for v in variants:
        p = cases.Case("", "Simulate", variant=v).params
        label = f"{p.get('trace', v)} {p.get('cache', '')}".strip()
        hdr += [f"{label} M req/s", "miss ratio", "÷floor"]
    body = []
    for policy in dict.fromkeys(r["policy"] for r in sub):
        row = [policy or ""]
        for v in variants:
            r = cells.get((policy, v))
            if r is None:
                row += ["", "", ""]
                continue
            miss = r["miss_ratio"]
            row += [md_e6(r["req_per_s"]),
                    f"{miss:.4f}" if isinstance(miss, float) else md_ns(miss),
                    md_ratio(r["ratio_to_floor"])]
        body.append(row)
    return hdr, body


def sweep_lines(run):
    """The policy sweep's section: per trace, every policy ranked by its hit
    ratio (token hit ratio in KV mode) at simresults.summary_sizes; a policy
    that needs future knowledge (Belady) is marked as the offline bound."""
    sweep = simresults.load_sweep(run.path)
    lines = ["## Policy sweep (sim/)", ""]
    if not sweep.present:
        return lines + ["No sim/ in this run (scripts/run.sh --no-sweep, or "
                        "a run from before the sweep).", ""]
    lines += ["Every policy on each trace (`evictlab simulate --policy all "
              "--json`; the commands are in sim/<trace>.txt), ranked by hit "
              "ratio at two of its cache sizes; equal ratios share a rank.",
              ""]
    for t in sweep.traces:
        sizes = simresults.summary_sizes(t)
        model = t.context.get("model") or t.context.get("kv_bytes_per_token")
        lines += [f"### {t.id} ({t.format}{', ' + str(model) if model else ''}"
                  f"; {t.metric_label})", ""]
        ranks = [simresults.ranking(t, sz) for sz in sizes]
        hdr = ["policy"]
        for sz in sizes:
            hdr += [f"{simresults.fmt_bytes(sz)}", "rank"]
        by = [{p: (rk, v) for rk, p, v in r} for r in ranks]
        body = []
        for _rk, p, _v in ranks[0]:
            offline = run.case_list.policy_traits(p).get(
                "needs_future_knowledge")
            row = [f"{p} (offline)" if offline else p]
            for b in by:
                rk, v = b.get(p, (None, None))
                row += ["" if v is None else f"{v:.4f}",
                        "" if rk is None else str(rk)]
            body.append(row)
        lines += md_table(hdr, body) + [""]
    for tid, msg in sweep.errors:
        lines.append(f"- `{tid}`: missing: {msg}")
    if sweep.errors:
        lines.append("")
    return lines


def _met(v):
    return "–" if v is None else ("met" if v else "**not met**")


def boundary_lines(run):
    """The Python boundary's section (RUN_DIR/boundary/, scripts/pyboundary
    through evictlab_tools/boundary.py): per trace and cache size, every
    policy's ns per block reference four ways and issue 15's two targets
    for the batched binding, met or not."""
    b = boundary_mod.load_run(run.path)
    lines = ["## The Python boundary (boundary/)", ""]
    if not b.present:
        return lines + ["No boundary/ in this run (scripts/run.sh "
                        "--no-python, or a run from before this step).", ""]
    if b.tables:
        runs = f"the median of {b.runs} replays" if b.runs and b.runs > 1 \
            else "one replay"
        load = ("; load average at the end: "
                + " ".join(f"{x:.1f}" for x in b.loadavg)) \
            if b.loadavg else ""
        cmd = f" and the command, `{' '.join(b.command)}`" if b.command \
            else ""
        lines += [
            "Every policy's KV-mode replay of each trace four ways, in ns "
            "of the calling thread's CPU time per block reference "
            f"({runs} per way{load}), so that the ratios within a row hold "
            "on a loaded machine; boundary/pyboundary.md has every column"
            f"{cmd}. Targets (issue 15): "
            f"{boundary_mod.TARGETS[0][1]} (model ns ÷ batched ns) and "
            f"{boundary_mod.TARGETS[1][1]} (batched ns ÷ C++ ns); "
            "– where the lab has no Python model of the policy.", ""]
        tk = [t[0] for t in boundary_mod.TARGETS]
        for t in b.tables:
            lines += [f"### {t.id} at {boundary_mod.fmt_size(t.cache_size)} "
                      f"({t.cache_size:,} tokens, {t.n_block:,} block "
                      f"references)", ""]
            hdr = ["policy"] + [label + " ns" for _w, label in
                                boundary_mod.WAYS]
            hdr += ["batched × model", boundary_mod.TARGETS[0][1],
                    "batched ÷ C++", boundary_mod.TARGETS[1][1]]
            body = []
            for r in t.rows:
                row = [r.policy + ("" if r.counters_equal
                                   else " (counters DIFFER)")]
                row += [md_ns(r.ns[w]) if r.ns[w] is not None else "–"
                        for w, _l in boundary_mod.WAYS]
                row += [md_ratio(r.x_model) if r.x_model is not None
                        else "–", _met(r.met(tk[0])),
                        md_ratio(r.x_cpp), _met(r.met(tk[1]))]
                body.append(row)
            lines += md_table(hdr, body) + [""]
            for k, text, _op, _th in boundary_mod.TARGETS:
                checked = [r for r in t.rows if r.met(k) is not None]
                missed = [r.policy for r in checked if not r.met(k)]
                lines.append(f"- {text}: met for "
                             f"{len(checked) - len(missed)} of "
                             f"{len(checked)} policies"
                             + (f"; not met: {', '.join(missed)}" if missed
                                else ""))
            lines.append("")
    for msg in b.errors:
        lines.append(f"- missing: {msg}")
    if b.errors:
        lines.append("")
    return lines


def family_table(family, sub):
    if family == "GetSize":
        hdr = ["kv", "variant", "C++ ns", "Python ns", "×Python",
               "÷field_read"]
        body = [[r["kv"] or "", r["variant"], md_ns(r["cpp_median_ns"]),
                 md_ns(r["python_median_ns"]),
                 md_ratio(r["speedup_vs_python"]),
                 md_ratio(r["ratio_to_field_read"])] for r in sub]
    elif family == "MemoryFloor":
        hdr = ["entries", "access", "lines", "C++ ns"]
        body = [[r["entries"],
                 r["case"].params.get("access", "dependent"),
                 r["case"].params.get("lines", "1"),
                 md_ns(r["cpp_median_ns"])] for r in sub]
    elif family in cases.REQUEST_FAMILIES:
        hdr = ["policy", "dict", "kv", "key", "entries", "chunks", "hits",
               "C++ µs", "Python µs", "×Python", "÷lru"]
        body = [[r["policy"] or "", r["dict"] or "", r["kv"] or "",
                 r["key"] or "", r["entries"],
                 r["case"].params.get("chunks", ""),
                 r["case"].params.get("hits", ""),
                 md_e3(r["cpp_median_ns"]), md_e3(r["python_median_ns"]),
                 md_ratio(r["speedup_vs_python"]),
                 md_ratio(_request_vs_lru(r, sub))] for r in sub]
    elif family == "Simulate":
        return simulate_table(sub)
    elif family == "SimulateFloor":
        hdr = ["trace", "cache", "M req/s", "ms per trace"]
        body = [[r["case"].params.get("trace", ""),
                 r["case"].params.get("cache", ""), md_e6(r["req_per_s"]),
                 md_e6(r["cpp_median_ns"])] for r in sub]
    else:
        hdr = ["policy", "dict", "kv", "key", "entries", "variant", "C++ ns",
               "Python ns", "×Python", "naive ns", "×naive"]
        hdr += ["floor ns", "÷floor", "ind. floor ns", "÷ind. floor"] \
            if family == "UpdateOnGet" else ["÷get"]
        hdr += ["÷lru"]
        body = []
        for r in sub:
            row = [r["policy"] or "", r["dict"] or "", r["kv"] or "",
                   r["key"] or "", r["entries"], r["variant"],
                   md_ns(r["cpp_median_ns"]), md_ns(r["python_median_ns"]),
                   md_ratio(r["speedup_vs_python"]),
                   md_ns(r["naive_median_ns"]),
                   md_ratio(r["speedup_vs_naive"])]
            if family == "UpdateOnGet":
                row += [md_ns(r["floor_ns"]), md_ratio(r["ratio_to_floor"]),
                        md_ns(r["ind_floor_ns"]),
                        md_ratio(r["ratio_to_ind_floor"])]
            else:
                row += [md_ratio(r["ratio_to_get"])]
            row += [md_ratio(r["ratio_to_lru"])]
            body.append(row)
    return hdr, body


def markdown(run, rows, targets):
    cl = run.case_list
    lines = [f"# evictlab run `{os.path.basename(os.path.normpath(run.path))}`",
             ""]
    lines += context_lines(run)
    lines += ["",
              "Times are median real ns per operation.  ×Python = Python ns / "
              "C++ ns (default dict; hstr/hcek against the Python model's "
              "str/cek, whose str caches its hash as HashedKey does); ×naive "
              "= the same case over dict:naive ns / this case's ns; ÷floor = "
              "UpdateOnGet ns / BM_MemoryFloor ns at the same entries (one "
              "dependent miss); ÷ind. floor = UpdateOnGet ns / the "
              "independent-access floor of the lines the hit touches "
              "(`BM_MemoryFloor/.../access:independent/lines:<k>`, k per "
              "dict and policy in docs/PERFORMANCE.md); ÷get "
              "= a one-eviction put / the same cache's uniform get; ÷lru = "
              "this case / lru's same case.  Request times are µs per "
              "whole request.  Blank: "
              "not applicable; n/a: missing; error: the case reported an "
              "error.", ""]
    lines += ["## Targets", ""]
    lines += md_table(["target", "status", "worst", ""],
                      targets_table(rows, targets)) + [""]
    head = headline(rows, cl.default_dict)
    lines += [f"## Headline: {HEADLINE_POLICY}, dict:{cl.default_dict}, "
              f"{HEADLINE_KV}", ""]
    if head:
        lines += md_table(["op", "key", "entries", "C++ ns", "Python ns",
                           "×Python", "×naive", "÷floor", "÷ind. floor"],
                          head)
    else:
        lines.append(f"No {HEADLINE_POLICY}/{HEADLINE_KV} UpdateOnGet or "
                     "UpdateOnPut cases.")
    lines.append("")
    if run.path:
        lines += sweep_lines(run)
        lines += boundary_lines(run)
    hdr, mem = memory_table(rows, cl)
    if mem:
        lines += ["## Memory: bytes per entry beyond key and value (kvobj)",
                  "",
                  "The dict's and evictor's own heap per entry (C++: mallinfo2 "
                  "around building the cache; Python: tracemalloc around "
                  "building an OrderedDict of the same keys and objects).",
                  ""]
        lines += md_table(hdr, mem) + [""]
    for family in cl.families:
        sub = [r for r in rows if r["family"] == family]
        if not sub:
            continue
        lines += [f"## {family} ({len(sub)} case{'s' if len(sub) != 1 else ''})",
                  ""]
        lines += md_table(*family_table(family, sub)) + [""]
    errors = run.cpp.errors()
    if errors:
        lines += [f"## Errors ({len(errors)})", ""]
        lines += [f"- `{n}`: {m}" for n, m in sorted(errors.items())] + [""]
    py_only = derive.python_only(run)
    if py_only:
        lines += [f"{len(py_only)} Python case(s) have no C++ counterpart.",
                  ""]
    return "\n".join(lines)


def summarize(run_dir, targets=None):
    """Writes summary.csv and summary.md; returns the rows."""
    run = derive.load(run_dir)
    targets = targets_mod.load() if targets is None else targets
    rows = derive.rows(run, targets)
    write_csv(os.path.join(run_dir, "summary.csv"), rows)
    with open(os.path.join(run_dir, "summary.md"), "w",
              encoding="utf-8") as f:
        f.write(markdown(run, rows, targets))
    return rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    run_dir = argv[0]
    try:
        rows = summarize(run_dir)
    except gbench.GBenchError as e:
        print(f"summarize: {e}", file=sys.stderr)
        return 1
    print(f"summarize: {len(rows)} cases -> "
          f"{os.path.join(run_dir, 'summary.csv')}, summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
