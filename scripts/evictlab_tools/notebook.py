"""Regenerates the tables of the lab notebook (docs/PERFORMANCE.md) from run
directories, between marker comments; the prose around them is left alone.

    scripts/notebook [--results DIR] [--check] [FILE]

FILE defaults to docs/PERFORMANCE.md, DIR to results/ (run ids are looked up
under DIR/runs/). A table is written as

    <!-- notebook: KIND run=RUN_ID [runs=RUN_ID,RUN_ID] -->
    (generated; replaced on every run)
    <!-- /notebook -->

KINDs (all from derive.rows, targets from targets.json):
  headline   lru on the default dict, kvobj: get (uniform) and put (1
             eviction) per key and size: C++ ns, Python ns, ×Python, ×naive,
             ÷floor, ÷ind. floor (the independent-access floor) (run=)
  dicts      lru, kvobj, hashed keys: ns per dict of the run, the floor,
             Python, and each other dict ÷ the default       (run=)
  targets    every target's worst case and status per run, newest first
             (runs=B,A)

--check writes nothing and exits 1 when FILE is out of date (0 when not).
Exit 2 on a bad marker or a missing run.
"""

import argparse
import os
import re
import sys

from . import derive, targets as targets_mod
from .summarize import headline, md_ns, md_num, md_ratio, md_table

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BEGIN_RE = re.compile(r"^<!-- notebook: (\w+)((?: \w+=[^ ]+)*) -->$")
END = "<!-- /notebook -->"
DICT_KEYS = ("hstr", "hcek")
DICT_VARIANTS = {"UpdateOnGet": "dist:uniform", "UpdateOnPut": "evictions:1"}


class NotebookError(Exception):
    pass


def dicts_table(rows, case_list):
    default = case_list.default_dict
    dicts = [default] + [d for d in case_list.dicts if d != default
                         and any(r["dict"] == d for r in rows)]
    by = {(r["family"], r["key"], r["entries"], r["dict"]): r for r in rows
          if r["policy"] == "lru" and r["kv"] == "kvobj"
          and DICT_VARIANTS.get(r["family"]) == r["variant"]}
    header = (["op", "key", "entries"] + [f"`{d}` ns" for d in dicts]
              + ["floor ns", "Python ns"]
              + [f"`{d}` ÷ `{default}`" for d in dicts[1:]])
    body = []
    for family in DICT_VARIANTS:
        for key in DICT_KEYS:
            sizes = sorted({k[2] for k in by if k[0] == family and k[1] == key})
            for n in sizes:
                base = by.get((family, key, n, default))
                if base is None:
                    continue
                cells = [by.get((family, key, n, d)) for d in dicts]
                row = [family, key, n]
                row += [md_ns(c["cpp_median_ns"]) if c else "" for c in cells]
                row += [md_ns(base["floor_ns"]),
                        md_ns(base["python_median_ns"])]
                for c in cells[1:]:
                    ratio = derive._ratio(c["cpp_median_ns"],
                                          base["cpp_median_ns"]) if c else None
                    row.append(md_ratio(ratio))
                body.append(row)
    return md_table(header, body)


def targets_table(per_run, targets):
    header = ["target"] + [f"`{run_id}`" for run_id, _ in per_run] + \
        ["status"]
    summaries = [targets_mod.summary(rows, targets) for _, rows in per_run]
    body = []
    for i, t in enumerate(targets):
        cells = []
        for s in summaries:
            e = s[i]
            cells.append(f"{targets_mod.status(e)}; worst "
                         f"{md_num(e['worst_value'])} {e['unit']}"
                         if e["n"] else "not checked")
        statuses = {targets_mod.status(s[i]) for s in summaries}
        overall = statuses.pop() if len(statuses) == 1 else "differs by run"
        body.append([t.text] + cells + [overall])
    return md_table(header, body)


def render(kind, args, load_run):
    if kind == "targets":
        ids = [x for x in args.get("runs", args.get("run", "")).split(",")
               if x]
        if not ids:
            raise NotebookError("targets needs runs=ID[,ID...]")
        targets = targets_mod.load()
        return targets_table([(i, derive.rows(load_run(i), targets))
                              for i in ids], targets)
    if "run" not in args:
        raise NotebookError(f"{kind} needs run=ID")
    run = load_run(args["run"])
    rows = derive.rows(run)
    if kind == "headline":
        return md_table(["op", "key", "entries", "C++ ns", "Python ns",
                         "×Python", "×naive", "÷floor", "÷ind. floor"],
                        headline(rows, run.case_list.default_dict))
    if kind == "dicts":
        return dicts_table(rows, run.case_list)
    raise NotebookError(f"unknown table kind {kind!r}")


def regenerate(text, load_run):
    """The document with every marked table regenerated."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        m = BEGIN_RE.match(line.strip())
        if not m:
            continue
        args = dict(a.split("=", 1) for a in m.group(2).split())
        try:
            end = lines.index(END, i)
        except ValueError:
            raise NotebookError(f"line {i}: no {END} after the marker") \
                from None
        out += render(m.group(1), args, load_run)
        out.append(END)
        i = end + 1
    return "\n".join(out)


def run_loader(results_dir):
    cache = {}

    def load_run(run_id):
        if run_id not in cache:
            path = os.path.join(results_dir, "runs", run_id)
            if not os.path.isfile(os.path.join(path, "cpp.json")):
                raise NotebookError(f"no run {run_id} under {results_dir}")
            cache[run_id] = derive.load(path)
        return cache[run_id]
    return load_run


def main(argv=None):
    ap = argparse.ArgumentParser(prog="scripts/notebook",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?",
                    default=os.path.join(REPO, "docs", "PERFORMANCE.md"))
    ap.add_argument("--results", default=os.path.join(REPO, "results"))
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if FILE is out of date; write nothing")
    args = ap.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
        new = regenerate(text, run_loader(args.results))
    except (OSError, NotebookError) as e:
        print(f"notebook: {e}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(f"notebook: {args.file} is out of date (scripts/notebook)",
                  file=sys.stderr)
            return 1
        return 0
    if new != text:
        with open(args.file, "w", encoding="utf-8") as f:
            f.write(new)
    print(f"notebook: {args.file}: tables regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
