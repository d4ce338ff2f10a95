#!/usr/bin/python3
"""Summarize one run directory of scripts/run.sh.

Usage: /usr/bin/python3 scripts/summarize.py RUN_DIR

Reads RUN_DIR/cpp.json (Google Benchmark JSON of evictlab_bench, names as in
docs/WORKLOADS.md), RUN_DIR/python.json (optional, scripts/pybench.py) and
RUN_DIR/context.json (optional), and writes RUN_DIR/summary.csv and
RUN_DIR/summary.md with one row per C++ case:

  cpp_median_ns       median real time per op (the "median" aggregate, or
                      the median of the repetitions when there is none)
  python_median_ns    the same for the Python model's case of the same name
  speedup_vs_python   Python ns / C++ ns
  naive_lru_median_ns the same case with the policy replaced by naive_lru
  speedup_vs_naive    naive_lru ns / this case's ns (lru, lru_strict, lru_node rows)
  floor_ns            BM_MemoryFloor/entries:<n> (UpdateOnGet rows)
  ratio_to_floor      this case's ns / floor_ns (UpdateOnGet rows)

A cell is empty where the column does not apply (e.g. Python columns for
lru_strict, naive_lru and BM_MemoryFloor, which the model does not have), "n/a" where the other case
is missing and "error" where it reported error_occurred.  Standard library
only.
"""

import csv
import json
import os
import statistics
import sys

COLUMNS = ["name", "op", "policy", "kv", "key", "entries", "variant",
           "cpp_median_ns", "python_median_ns", "speedup_vs_python",
           "naive_lru_median_ns", "speedup_vs_naive", "floor_ns",
           "ratio_to_floor"]
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Name parts Google Benchmark appends for options, not part of the case.
GB_SUFFIXES = ("real_time", "manual_time", "process_time")
GB_SUFFIX_PREFIXES = ("min_time:", "min_warmup_time:", "repeats:",
                      "iterations:", "threads:")
NAIVE_FOR = ("lru", "lru_strict", "lru_node")
PY_POLICIES = ("lru", "dummy")          # what scripts/pybench.py times
PY_OPS = ("GetSize", "UpdateOnGet", "UpdateOnPut")
OP_ORDER = ["GetSize", "UpdateOnGet", "UpdateOnPut", "MemoryFloor"]
ERROR = "error"
NA = "n/a"


def canonical(name):
    """Drops Google Benchmark option suffixes (/real_time, /threads:1...)."""
    parts = name.split("/")
    while len(parts) > 1 and (parts[-1] in GB_SUFFIXES or
                              parts[-1].startswith(GB_SUFFIX_PREFIXES)):
        parts.pop()
    return "/".join(parts)


def parse_name(name):
    """Splits a WORKLOADS.md name into op, policy, kv, key, entries, variant."""
    parts = canonical(name).split("/")
    op = parts[0][3:] if parts[0].startswith("BM_") else parts[0]
    row = {"op": op, "policy": "", "kv": "", "key": "", "entries": "",
           "variant": ""}
    rest = parts[1:]
    entries = [p for p in rest if p.startswith("entries:")]
    if entries:
        try:
            row["entries"] = int(entries[0].split(":", 1)[1])
        except ValueError:
            row["entries"] = entries[0].split(":", 1)[1]
    if op in ("UpdateOnGet", "UpdateOnPut") and len(rest) >= 3:
        row["policy"], row["kv"], row["key"] = rest[0], rest[1], rest[2]
        row["variant"] = "/".join(p for p in rest[3:]
                                  if not p.startswith("entries:"))
    elif op == "GetSize" and rest:
        if rest[0] == "field_read":
            row["variant"] = "field_read"
        else:
            row["kv"] = rest[0]
            row["variant"] = "/".join(rest[1:])
    else:
        row["variant"] = "/".join(p for p in rest
                                  if not p.startswith("entries:"))
    return row


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def medians(doc):
    """canonical name -> median real ns per op, or ERROR (with messages)."""
    groups = {}
    for b in doc.get("benchmarks", []):
        name = canonical(b.get("run_name") or b.get("name", ""))
        groups.setdefault(name, []).append(b)
    out, errors = {}, {}
    for name, entries in groups.items():
        def ns(b):
            return float(b["real_time"]) * UNIT_NS.get(
                b.get("time_unit", "ns"), 1.0)
        ok_aggs = [b for b in entries if b.get("run_type") == "aggregate"
                   and b.get("aggregate_name") == "median"
                   and not b.get("error_occurred")]
        ok_iters = [b for b in entries if b.get("run_type", "iteration")
                    == "iteration" and not b.get("error_occurred")
                    and "real_time" in b]
        try:
            if ok_aggs:
                out[name] = ns(ok_aggs[0])
                continue
            if ok_iters:
                out[name] = statistics.median(ns(b) for b in ok_iters)
                continue
        except (TypeError, ValueError):
            pass
        out[name] = ERROR
        errors[name] = next((b.get("error_message", "") for b in entries
                             if b.get("error_occurred")), "no usable time")
    return out, errors


def ratio(num, den):
    """num / den, or the reason it cannot be computed."""
    for v in (num, den):
        if v == ERROR:
            return ERROR
        if v is None or v == NA:
            return NA
    if den == 0:
        return NA
    return num / den


# Hash-carrying C++ keys (HashedKey) are compared with the Python model's own
# keys of the same kind: Python's str caches its hash (so `hstr` is the
# like-for-like C++ port of a Python str key); its CacheEngineKey does not.
PY_KEY_FOR = {"hstr": "str", "hcek": "cek"}


def python_counterpart(name):
    parts = name.split("/")
    if len(parts) > 3 and parts[3] in PY_KEY_FOR:
        parts[3] = PY_KEY_FOR[parts[3]]
    return "/".join(parts)


def build_rows(cpp, py=None):
    """Rows for every C++ case (cpp, py: name -> ns or ERROR)."""
    rows = []
    for name in cpp:
        r = {"name": name}
        r.update(parse_name(name))
        this = cpp[name]
        r["cpp_median_ns"] = this
        py_name = python_counterpart(name)
        if py is not None and py_name in py:
            r["python_median_ns"] = py[py_name]
            r["speedup_vs_python"] = ratio(py[py_name], this)
        elif r["op"] in PY_OPS and (
                r["policy"] in PY_POLICIES
                or (r["op"] == "GetSize"
                    and not r["variant"].startswith("dispatch:"))):
            r["python_median_ns"] = r["speedup_vs_python"] = NA
        else:  # the Python model has no such policy / operation
            r["python_median_ns"] = r["speedup_vs_python"] = ""
        if r["policy"] in NAIVE_FOR:
            parts = name.split("/")
            parts[1] = "naive_lru"
            naive = cpp.get("/".join(parts), NA)
            r["naive_lru_median_ns"] = naive
            r["speedup_vs_naive"] = ratio(naive, this)
        else:
            r["naive_lru_median_ns"] = r["speedup_vs_naive"] = ""
        if r["op"] == "UpdateOnGet" and r["entries"] != "":
            floor = cpp.get(f"BM_MemoryFloor/entries:{r['entries']}", NA)
            r["floor_ns"] = floor
            r["ratio_to_floor"] = ratio(this, floor)
        else:
            r["floor_ns"] = r["ratio_to_floor"] = ""
        rows.append(r)

    def sort_key(r):
        op = OP_ORDER.index(r["op"]) if r["op"] in OP_ORDER else len(OP_ORDER)
        ent = r["entries"] if isinstance(r["entries"], int) else -1
        return (op, r["policy"], r["kv"], r["key"], ent, r["variant"])
    # Stable: cases the sort does not tell apart keep the file's order.
    rows.sort(key=sort_key)
    return rows


def fmt_ns(v):
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def fmt_ratio(v):
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def fmt_cell(col, v):
    if col.endswith("_ns"):
        return fmt_ns(v)
    if col.startswith(("speedup", "ratio")):
        return fmt_ratio(v)
    return str(v)


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([fmt_cell(c, r[c]) for c in COLUMNS])


def md_num(v):
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 0.01 or v == 0:
        return f"{v:.2f}"
    return f"{v:.2g}"     # e.g. an inlined no-op: 0.0026 ns


def md_ns(v):
    return md_num(v) if isinstance(v, float) else str(v)


def md_ratio(v):
    return md_num(v) + "×" if isinstance(v, float) else str(v)


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def context_lines(run_dir, cpp_doc, py_doc):
    lines = []
    ctx = {}
    path = os.path.join(run_dir, "context.json")
    if os.path.exists(path):
        try:
            ctx = load_json(path)
        except (OSError, ValueError) as e:
            lines.append(f"- context.json unreadable: {e}")

    def pick(*keys, src=None):
        src = ctx if src is None else src
        for k in keys:
            cur = src
            for part in k.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            if cur not in (None, ""):
                return cur
        return None

    cctx = cpp_doc.get("context", {}) if cpp_doc else {}
    sha = pick("git_sha", "git.sha", "sha", "commit")
    dirty = pick("dirty", "git_dirty", "git.dirty")
    items = [
        ("git", (str(sha)[:12] + (" (dirty)" if dirty else "")) if sha
         else None),
        ("commit", pick("commit_message", "git.message", "message")),
        ("profile", pick("profile")),
        ("compiler", pick("compiler", "cxx_compiler", "compiler_version")),
        ("flags", pick("flags", "cxx_flags")),
        ("CPU", pick("cpu_model", "cpu", "cpu.model")),
        ("library_build_type",
         pick("library_build_type") or cctx.get("library_build_type")),
        ("date", cctx.get("date") or pick("date")),
        ("host", cctx.get("host_name")),
        ("num_cpus", cctx.get("num_cpus")),
    ]
    if py_doc:
        pc = py_doc.get("context", {})
        items.append(("python model", f"Python {pc.get('python_version', '?')}"
                      f", torch {pc.get('torch_version', '?')}"))
    for k, v in items:
        if v not in (None, ""):
            lines.append(f"- {k}: {v}")
    return lines


def headline(rows):
    """UpdateOnGet/lru (uniform) and UpdateOnPut/lru evictions:1, kvobj."""
    pick = {}
    for r in rows:
        if r["policy"] != "lru" or r["kv"] != "kvobj":
            continue
        if r["op"] == "UpdateOnGet" and r["variant"] == "dist:uniform":
            label = "UpdateOnGet (dist:uniform)"
        elif r["op"] == "UpdateOnPut" and r["variant"] == "evictions:1":
            label = "UpdateOnPut (evictions:1)"
        else:
            continue
        pick[(label, r["key"], r["entries"])] = r
    out = []
    for (label, key, n), r in sorted(
            pick.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                          kv[0][2] if isinstance(kv[0][2], int)
                                          else -1)):
        out.append([label, key, n, md_ns(r["cpp_median_ns"]),
                    md_ns(r["python_median_ns"]),
                    md_ratio(r["speedup_vs_python"]),
                    md_ratio(r["speedup_vs_naive"]),
                    md_ratio(r["ratio_to_floor"]) if r["ratio_to_floor"] != ""
                    else ""])
    return out


MEMORY_POLICIES = ("lru", "lru_node", "naive_lru")
KEY_ORDER = {"str": 0, "cek": 1, "hstr": 2, "hcek": 3}


def memory_table(cpp_doc, py_doc):
    """bytes_per_entry (the dict's and evictor's own heap per entry beyond
    key and value) of the kvobj UpdateOnGet uniform caches: rows (key,
    entries), one column per C++ policy and one for the Python model."""
    def collect(doc):
        out = {}
        for b in (doc or {}).get("benchmarks", []):
            if b.get("run_type") != "iteration" or "bytes_per_entry" not in b:
                continue
            r = parse_name(canonical(b.get("run_name") or b["name"]))
            if (r["op"] == "UpdateOnGet" and r["kv"] == "kvobj"
                    and r["variant"] == "dist:uniform"):
                out[(r["policy"], r["key"], r["entries"])] = b["bytes_per_entry"]
        return out
    cpp, py = collect(cpp_doc), collect(py_doc)
    keys = sorted({(k, n) for (_, k, n) in cpp},
                  key=lambda kn: (KEY_ORDER.get(kn[0], 9), kn[1]))
    body = []
    for key, n in keys:
        row = [key, n]
        for policy in MEMORY_POLICIES:
            v = cpp.get((policy, key, n))
            row.append("" if v is None else f"{v:.0f}")
        v = py.get(("lru", PY_KEY_FOR.get(key, key), n))
        row.append("" if v is None else f"{v:.0f}")
        body.append(row)
    return body


def write_md(path, run_dir, rows, cpp_doc, py_doc, errors, py_only):
    lines = [f"# evictlab run `{os.path.basename(os.path.normpath(run_dir))}`",
             ""]
    lines += context_lines(run_dir, cpp_doc, py_doc)
    lines += ["",
              "Times are median real ns per operation.  ×Python = Python ns / "
              "C++ ns (same name); ×naive = naive_lru ns / this case's ns; "
              "÷floor = UpdateOnGet ns / BM_MemoryFloor ns at the same "
              "entries.  Keys: str/cek as std::string/CacheEngineKey; "
              "hstr/hcek the same keys in HashedKey (hash computed once), "
              "compared with the Python model's str/cek case.  Blank: not "
              "applicable; n/a: missing; error: the case reported an error.",
              ""]
    head = headline(rows)
    lines += ["## Headline: lru, kvobj", ""]
    if head:
        lines += md_table(["op", "key", "entries", "C++ ns", "Python ns",
                           "×Python", "×naive_lru", "÷floor"], head)
    else:
        lines.append("No lru/kvobj UpdateOnGet or UpdateOnPut cases.")
    lines.append("")
    mem = memory_table(cpp_doc, py_doc)
    if mem:
        lines += ["## Memory: bytes per entry beyond key and value (kvobj)",
                  "",
                  "The dict's and evictor's own heap per entry (C++: mallinfo2 "
                  "around building the cache; Python: tracemalloc around "
                  "building an OrderedDict of the same keys and objects).",
                  ""]
        lines += md_table(["key", "entries"] + list(MEMORY_POLICIES)
                          + ["Python"], mem) + [""]
    ops = [o for o in OP_ORDER if any(r["op"] == o for r in rows)]
    ops += sorted({r["op"] for r in rows} - set(OP_ORDER))
    for op in ops:
        sub = [r for r in rows if r["op"] == op]
        lines += [f"## {op} ({len(sub)} case{'s' if len(sub) != 1 else ''})",
                  ""]
        if op == "GetSize":
            hdr = ["kv", "variant", "C++ ns", "Python ns", "×Python"]
            body = [[r["kv"], r["variant"], md_ns(r["cpp_median_ns"]),
                     md_ns(r["python_median_ns"]),
                     md_ratio(r["speedup_vs_python"])] for r in sub]
        elif op == "MemoryFloor":
            hdr = ["entries", "C++ ns"]
            body = [[r["entries"], md_ns(r["cpp_median_ns"])] for r in sub]
        else:
            hdr = ["policy", "kv", "key", "entries", "variant", "C++ ns",
                   "Python ns", "×Python", "naive_lru ns", "×naive"]
            if op == "UpdateOnGet":
                hdr += ["floor ns", "÷floor"]
            body = []
            for r in sub:
                row = [r["policy"], r["kv"], r["key"], r["entries"],
                       r["variant"], md_ns(r["cpp_median_ns"]),
                       md_ns(r["python_median_ns"]),
                       md_ratio(r["speedup_vs_python"]),
                       md_ns(r["naive_lru_median_ns"]),
                       md_ratio(r["speedup_vs_naive"])]
                if op == "UpdateOnGet":
                    row += [md_ns(r["floor_ns"]), md_ratio(r["ratio_to_floor"])]
                body.append(row)
        lines += md_table(hdr, body) + [""]
    if errors:
        lines += [f"## Errors ({len(errors)})", ""]
        for name, msg in sorted(errors.items()):
            lines.append(f"- `{name}`: {msg}")
        lines.append("")
    if py_only:
        lines += [f"{py_only} Python case(s) have no C++ counterpart.", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def summarize(run_dir):
    """Writes summary.csv and summary.md; returns the rows."""
    cpp_path = os.path.join(run_dir, "cpp.json")
    cpp_doc = load_json(cpp_path)
    cpp, errors = medians(cpp_doc)
    py_doc, py = None, None
    py_path = os.path.join(run_dir, "python.json")
    if os.path.exists(py_path):
        try:
            py_doc = load_json(py_path)
            py, _ = medians(py_doc)
        except (OSError, ValueError) as e:
            print(f"summarize: ignoring unreadable python.json: {e}",
                  file=sys.stderr)
    rows = build_rows(cpp, py)
    py_only = len(set(py or {}) - set(cpp))
    write_csv(os.path.join(run_dir, "summary.csv"), rows)
    write_md(os.path.join(run_dir, "summary.md"), run_dir, rows, cpp_doc,
             py_doc, errors, py_only)
    return rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    run_dir = argv[0]
    try:
        rows = summarize(run_dir)
    except FileNotFoundError as e:
        print(f"summarize: {e.filename}: not found", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"summarize: cpp.json is not valid JSON: {e}", file=sys.stderr)
        return 1
    print(f"summarize: {len(rows)} cases -> "
          f"{os.path.join(run_dir, 'summary.csv')}, summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
