"""The one derivation of per-case rows and ratios of a run; summary.md,
summary.csv, the dashboard's ratio page and docs/PERFORMANCE.md's tables
all come from here.

    load(run_dir, time_field="real_time") -> Run
        reads RUN_DIR/{cpp.json, python.json, cases.json, context.json,
        gate.json} (all but cpp.json optional)
    make_run(cpp, python=None, cases_doc=None, context=None, gate=None,
             time_field="real_time", path=None) -> Run
        the same from loaded documents (dicts; cpp/python may also be
        gbench.Results): for callers that loaded the files themselves
    rows(run, targets=None) -> [dict]
        one row per C++ case of the run, in the case list's display order
        (a pure function of the run's documents); targets: a list of
        targets.Target (default: targets.load())
    rows_for_dir(run_dir) -> [dict]           rows(load(run_dir))
    python_only(run) -> [name]                Python cases with no C++ row

Run fields: path, cpp, python (gbench.Results or None), case_list
(cases.CaseList: cases.json completed with every name in cpp.json and
python.json), context (dict), gate (the gate.json dict or None).

A row holds the case's record (name, family, policy, dict, kv, key,
entries, variant, and "case": the cases.Case), then:

  cpp_median_ns        median real ns per op (gbench: median aggregate, else
                       the repetitions' median); cpp_min_ns, cpp_max_ns, n
  python_median_ns     the Python model's case (rows of the default dict and
                       GetSize; hstr/hcek are matched with the model's
                       str/cek, whose str caches its hash as HashedKey does;
                       Request rows of the policies with a Python request
                       side, PYTHON_REQUEST_POLICIES);
  speedup_vs_python    Python ns / C++ ns
  naive_median_ns      the same case over dict:naive (rows of other dicts)
  speedup_vs_naive     naive ns / this case's ns
  floor_ns, ratio_to_floor      BM_MemoryFloor at the same entries and
                       this ns / floor ns (UpdateOnGet); for Simulate, the
                       BM_SimulateFloor of the same trace and cache size
                       (ns per whole-trace iteration)
  ind_floor_ns, ratio_to_ind_floor   UpdateOnGet: the independent-access
                       floor of the lines the hit touches (the case's
                       hit_lines: BM_MemoryFloor/entries:<n>/
                       access:independent/lines:<k>) and this ns / its ns
  lru_median_ns, ratio_to_lru   UpdateOnGet dist:uniform and UpdateOnPut
                       evictions:1 of a policy other than lru: the same
                       case under lru (same dict, kv, key, entries) and
                       this ns / lru's ns
  bytes_over_lru       those UpdateOnGet rows: bytes_per_entry minus lru's
  get_median_ns, ratio_to_get   the same cache's UpdateOnGet dist:uniform
                       and put ns / get ns (UpdateOnPut evictions:1)
  ratio_to_field_read  GetSize ns / GetSize/field_read ns (GetSize kinds)
  ratio_to_kvobj       GetSize tensor ns / GetSize/kvobj ns
  bytes_per_entry, python_bytes_per_entry   the counter, when reported
  ir_per_op, est_cycles_per_op              from gate.json, when present
  req_per_s            requests per second (items_per_second) of Simulate
                       and SimulateFloor
  miss_ratio           the Simulate case's miss ratio counter
  error                the C++ case's error message, or None
  checks, missing      targets.Target.check results: checked / an operand
                       missing from the run

Cell values: a float; None where the column does not apply to the case;
NA ("n/a") where it applies but the other case is missing from the run;
ERROR ("error") where a case it needs reported an error.

Standard library only.
"""

import dataclasses
import json
import os

from . import cases, gbench, targets as targets_mod
from .pymodel import POLICIES as PYTHON_POLICIES
from .pymodel import V0_REQUEST_POLICIES
from .pymodel.kv_policies import POLICIES as _KV_POLICIES

# The policies with a Python side of BM_Request: the KV models' request
# loop (LMCache v1 / vLLM-shaped policies, pymodel/kv_policies.py), then
# LMCache v0's evictors (pymodel/v0_request.py: lru_strict, dummy).
PYTHON_REQUEST_POLICIES = tuple(_KV_POLICIES) + V0_REQUEST_POLICIES
LRU = "lru"    # the reference every policy is compared with
# The variants compared with lru's same case.
VS_LRU_VARIANTS = {"UpdateOnGet": "dist:uniform", "UpdateOnPut": "evictions:1"}

NA = "n/a"
ERROR = "error"
NAIVE_DICT = "naive"
# The Python model's key kinds for the hash-carrying C++ keys: a Python str
# caches its hash, as HashedKey does (docs/WORKLOADS.md).
PY_KEY_FOR = {"hstr": "str", "hcek": "cek"}
COLUMNS = ["name", "family", "policy", "dict", "kv", "key", "entries",
           "variant", "cpp_median_ns", "python_median_ns",
           "speedup_vs_python", "naive_median_ns", "speedup_vs_naive",
           "floor_ns", "ratio_to_floor", "get_median_ns", "ratio_to_get",
           "ratio_to_field_read", "ratio_to_kvobj", "bytes_per_entry",
           "python_bytes_per_entry", "ir_per_op", "est_cycles_per_op",
           "req_per_s", "miss_ratio", "ind_floor_ns", "ratio_to_ind_floor",
           "lru_median_ns", "ratio_to_lru", "bytes_over_lru"]


@dataclasses.dataclass
class Run:
    path: str
    cpp: object
    python: object
    case_list: object
    context: dict
    gate: dict


def _read_json(path):
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def make_run(cpp, python=None, cases_doc=None, context=None, gate=None,
             time_field="real_time", path=None):
    if not isinstance(cpp, gbench.Results):
        cpp = gbench.load(cpp, time_field)
    if python is not None and not isinstance(python, gbench.Results):
        python = gbench.load(python, time_field)
    names = list(cpp) + (list(python) if python is not None else [])
    case_list = cases.case_list_for_run(cases_doc, names)
    return Run(path, cpp, python, case_list, context or {}, gate)


def load(run_dir, time_field="real_time"):
    """The run directory's documents (cpp.json required)."""
    cpp = gbench.load(os.path.join(run_dir, "cpp.json"), time_field)
    py_path = os.path.join(run_dir, "python.json")
    python = gbench.load(py_path, time_field) \
        if os.path.isfile(py_path) else None
    return make_run(cpp, python, _read_json(os.path.join(run_dir,
                                                         "cases.json")),
                    _read_json(os.path.join(run_dir, "context.json")),
                    _read_json(os.path.join(run_dir, "gate.json")),
                    time_field, run_dir)


def _ratio(num, den):
    """num / den, or the reason it cannot be computed (None: n/a)."""
    for v in (num, den):
        if v == ERROR:
            return ERROR
        if v is None or v == NA:
            return NA
    if not den:
        return NA
    return num / den


def _median(results, name):
    """A case's median ns, ERROR, or NA when absent."""
    r = results.get(name) if results is not None else None
    if r is None:
        return NA
    return ERROR if r.error is not None else r.median


def _python_index(python):
    """(family, policy, kv, key, entries, variant) -> Python case name: the
    model has one dict, so its cases match C++ cases without the dict."""
    out = {}
    for name in python or ():
        c = cases.parse_name(name)
        out[(c.family, c.policy, c.kv, c.key, c.entries, c.variant)] = name
    return out


def _python_applies(c, default_dict):
    if c.family == "GetSize":
        return "dispatch" not in c.params
    if c.family in cases.REQUEST_FAMILIES:
        return c.dict == default_dict and c.policy in PYTHON_REQUEST_POLICIES
    return (c.family in cases.CACHE_FAMILIES and c.dict == default_dict
            and c.policy in PYTHON_POLICIES)


def rows(run, targets=None):
    """Rows of every C++ case of the run (see the module docstring)."""
    if targets is None:
        targets = targets_mod.load()
    cpp, py, cl = run.cpp, run.python, run.case_list
    default = cl.default_dict
    py_index = _python_index(py)
    gate_cases = {}
    for name, v in ((run.gate or {}).get("cases") or {}).items():
        gate_cases[cases.canonical(name)] = v
    field_read = _median(cpp, "BM_GetSize/field_read")
    kvobj_size = _median(cpp, "BM_GetSize/kvobj")
    out = []
    for c in cl.sorted([cl.case(n) for n in cpp]):
        res = cpp[c.name]
        this = ERROR if res.error is not None else res.median
        r = {f: getattr(c, f) for f in ("name", "family", "policy", "dict",
                                        "kv", "key", "entries", "variant")}
        r.update(case=c, cpp_median_ns=this, cpp_min_ns=res.min,
                 cpp_max_ns=res.max, n=res.n, error=res.error)
        for col in COLUMNS[9:]:
            r[col] = None
        r["bytes_per_entry"] = res.counters.get("bytes_per_entry")
        # Python model
        if _python_applies(c, default):
            key = PY_KEY_FOR.get(c.key, c.key)
            py_name = py_index.get((c.family, c.policy, c.kv, key,
                                    c.entries, c.variant))
            r["python_median_ns"] = _median(py, py_name) if py_name else NA
            r["speedup_vs_python"] = _ratio(r["python_median_ns"], this)
            if py_name and py[py_name].error is None:
                r["python_bytes_per_entry"] = \
                    py[py_name].counters.get("bytes_per_entry")
        # The naive dict
        if c.dict is not None and c.dict != NAIVE_DICT \
                and NAIVE_DICT in cl.dicts:
            r["naive_median_ns"] = _median(cpp, c.with_fields(
                dict=NAIVE_DICT).name)
            r["speedup_vs_naive"] = _ratio(r["naive_median_ns"], this)
        # The memory floor
        if c.family == "UpdateOnGet" and c.entries is not None:
            r["floor_ns"] = _median(cpp, cases.format_name(cases.Case(
                "", "MemoryFloor", entries=c.entries)))
            r["ratio_to_floor"] = _ratio(this, r["floor_ns"])
            if c.hit_lines:
                r["ind_floor_ns"] = _median(cpp, independent_floor_name(
                    c.entries, c.hit_lines))
                r["ratio_to_ind_floor"] = _ratio(this, r["ind_floor_ns"])
        # Against lru's same case
        if c.policy is not None and c.policy != LRU \
                and VS_LRU_VARIANTS.get(c.family) == c.variant:
            lru = c.with_fields(policy=LRU)
            r["lru_median_ns"] = _median(cpp, lru.name)
            r["ratio_to_lru"] = _ratio(this, r["lru_median_ns"])
            if c.family == "UpdateOnGet":
                mine = r["bytes_per_entry"]
                res_lru = cpp.get(lru.name)
                theirs = res_lru.counters.get("bytes_per_entry") \
                    if res_lru is not None and res_lru.error is None else None
                if isinstance(mine, (int, float)) and \
                        isinstance(theirs, (int, float)):
                    r["bytes_over_lru"] = float(mine - theirs)
                else:
                    r["bytes_over_lru"] = ERROR if res.error is not None \
                        or (res_lru is not None and res_lru.error) else NA
        # Whole-trace replays: speed, miss ratio, and the lookup-only floor
        if c.family in cases.SIM_FAMILIES:
            for col, counter in (("req_per_s", "items_per_second"),
                                 ("miss_ratio", "miss_ratio")):
                if c.family == "Simulate" or col == "req_per_s":
                    r[col] = ERROR if res.error is not None \
                        else res.counters.get(counter, NA)
            if c.family == "Simulate":
                r["floor_ns"] = _median(cpp, c.with_fields(
                    family="SimulateFloor", policy=None).name)
                r["ratio_to_floor"] = _ratio(this, r["floor_ns"])
        # A put against a get of the same cache
        if c.family == "UpdateOnPut" and c.variant == "evictions:1":
            r["get_median_ns"] = _median(cpp, c.with_fields(
                family="UpdateOnGet", variant="dist:uniform").name)
            r["ratio_to_get"] = _ratio(this, r["get_median_ns"])
        # The size rule against reading the field, and tensors against kvobj
        if c.family == "GetSize" and c.kv is not None:
            r["ratio_to_field_read"] = _ratio(this, field_read)
            if c.kv == "tensor":
                r["ratio_to_kvobj"] = _ratio(this, kvobj_size)
        g = gate_cases.get(c.name)
        if isinstance(g, dict):
            r["ir_per_op"] = g.get("ir_per_op")
            r["est_cycles_per_op"] = g.get("est_cycles_per_op")
        checks = [t.check(r[t.metric] if isinstance(r[t.metric], float)
                          else None)
                  for t in targets if t.applies(c, default)]
        r["checks"] = [x for x in checks if "met" in x]
        r["missing"] = [x for x in checks if "met" not in x]
        out.append(r)
    return out


def independent_floor_name(entries, lines):
    """The independent-access floor of `lines` cache lines at `entries`."""
    return cases.format_name(cases.Case(
        "", "MemoryFloor", entries=entries,
        variant=f"access:independent/lines:{lines}"))


def rows_for_dir(run_dir):
    return rows(load(run_dir))


def python_only(run):
    """Python cases that no C++ row of the run is compared with."""
    if run.python is None:
        return []
    matched = set()
    default = run.case_list.default_dict
    index = _python_index(run.python)
    for name in run.cpp:
        c = run.case_list.case(name)
        if _python_applies(c, default):
            k = (c.family, c.policy, c.kv, PY_KEY_FOR.get(c.key, c.key),
                 c.entries, c.variant)
            if k in index:
                matched.add(index[k])
    return [n for n in run.python if n not in matched]
