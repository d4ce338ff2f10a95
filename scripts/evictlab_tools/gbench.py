"""The one loader of Google Benchmark JSON (1.7.x schema; also pybench's).

    load(src, time_field="real_time") -> Results
        src: a path, a JSON text or the parsed document. Validates it (a
        dict with a "benchmarks" list, each entry with a name; known time
        units; numeric times) and raises GBenchError otherwise.
    read_doc(path) -> dict
        the parsed, validated document (for tools that rewrite it: merge)
    ns(entry, time_field="real_time") -> float
        one entry's time in ns

Results (keyed by cases.canonical(name): suffixes dropped, old names
aliased to today's):
    results.context                    the document's "context"
    results[name] -> CaseResult        (KeyError if absent); `in`, iter, len,
    results.get(name), .names()        .items()
    results.medians()                  {name: median ns, or None if errored}
    results.samples()                  {name: [ns per repetition]} (no errors)
    results.errors()                   {name: error message}

CaseResult fields:
    name, raw_names (as written in the file), samples (ns per repetition,
    in file order), cpu_samples, median (the "median" aggregate when there
    is one, else the median of the repetitions), mean, stddev, cv, min, max,
    n (repetitions), iterations (of the first repetition), counters
    ({counter: median over repetitions}: items_per_second, evictions,
    bytes_per_entry, ...), counter_samples, error (message or None: a case
    with error_occurred and no usable repetition).

Standard library only.
"""

import dataclasses
import json
import math
import os
import statistics

from . import cases

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Keys of an entry that are not user counters.
_STANDARD_KEYS = {
    "name", "run_name", "run_type", "family_index",
    "per_family_instance_index", "repetitions", "repetition_index",
    "threads", "iterations", "real_time", "cpu_time", "time_unit",
    "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
    "label",
}


class GBenchError(ValueError):
    """A file that is not Google Benchmark JSON."""


@dataclasses.dataclass
class CaseResult:
    name: str
    raw_names: list = dataclasses.field(default_factory=list)
    samples: list = dataclasses.field(default_factory=list)
    cpu_samples: list = dataclasses.field(default_factory=list)
    median: float = None
    mean: float = None
    stddev: float = None
    cv: float = None
    min: float = None
    max: float = None
    n: int = 0
    iterations: int = None
    counters: dict = dataclasses.field(default_factory=dict)
    counter_samples: dict = dataclasses.field(default_factory=dict)
    error: str = None


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) \
        and math.isfinite(x)


def ns(entry, time_field="real_time"):
    """An entry's time in ns per iteration (time_unit converted)."""
    unit = entry.get("time_unit", "ns")
    if unit not in UNIT_NS:
        raise GBenchError(f"{entry.get('name')}: unknown time_unit {unit!r}")
    t = entry.get(time_field)
    if not _finite(t):
        raise GBenchError(f"{entry.get('name')}: {time_field} is not a "
                          f"number: {t!r}")
    return float(t) * UNIT_NS[unit]


def _parse(src):
    doc = src
    where = "document"
    if isinstance(src, (str, os.PathLike)):
        text = str(src)
        if not text.lstrip().startswith("{"):
            where = text
            try:
                with open(text, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise GBenchError(f"{where}: {e.strerror}") from None
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise GBenchError(f"{where}: not JSON: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"),
                                                   list):
        raise GBenchError(f"{where}: not Google Benchmark JSON (no "
                          "\"benchmarks\" list)")
    for i, b in enumerate(doc["benchmarks"]):
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            raise GBenchError(f"{where}: benchmarks[{i}] has no name")
        if b.get("time_unit", "ns") not in UNIT_NS:
            raise GBenchError(f"{where}: {b['name']}: unknown time_unit "
                              f"{b.get('time_unit')!r}")
    return doc


def read_doc(path):
    """The validated document of a Google Benchmark JSON file."""
    return _parse(path)


def _run_name(b):
    run = b.get("run_name")
    if not run:
        run = b["name"]
        agg = b.get("aggregate_name")
        if b.get("run_type") == "aggregate" and agg \
                and run.endswith("_" + agg):
            run = run[:-len(agg) - 1]
    return run


class Results:
    """The cases of one Google Benchmark JSON document (see the module
    docstring)."""

    def __init__(self, doc, time_field="real_time"):
        self.context = doc.get("context") or {}
        self.time_field = time_field
        self._cases = {}
        aggs = {}
        errors = {}
        for b in doc["benchmarks"]:
            raw = _run_name(b)
            name = cases.canonical(raw)
            r = self._cases.get(name)
            if r is None:
                r = self._cases[name] = CaseResult(name)
            if raw not in r.raw_names:
                r.raw_names.append(raw)
            if b.get("error_occurred"):
                errors[name] = b.get("error_message") or "error"
                continue
            if b.get("run_type") == "aggregate":
                agg = b.get("aggregate_name")
                t = b.get(time_field)
                if agg == "cv" and _finite(t):
                    aggs.setdefault(name, {})["cv"] = float(t)
                elif agg in ("mean", "median", "stddev") and _finite(t):
                    aggs.setdefault(name, {})[agg] = ns(b, time_field)
                continue
            if not _finite(b.get(time_field)):
                continue
            r.samples.append(ns(b, time_field))
            if _finite(b.get("cpu_time")):
                r.cpu_samples.append(ns(b, "cpu_time"))
            if r.iterations is None and isinstance(b.get("iterations"), int):
                r.iterations = b["iterations"]
            for k, v in b.items():
                if k not in _STANDARD_KEYS and _finite(v):
                    r.counter_samples.setdefault(k, []).append(float(v))
        for name, r in self._cases.items():
            ag = aggs.get(name, {})
            xs = r.samples
            r.n = len(xs)
            if not xs and "median" not in ag:
                r.error = errors.get(name, "no usable time")
                continue
            r.median = ag.get("median", statistics.median(xs) if xs
                              else None)
            r.mean = ag.get("mean", statistics.fmean(xs) if xs else r.median)
            if "stddev" in ag:
                r.stddev = ag["stddev"]
            elif len(xs) > 1:
                r.stddev = statistics.stdev(xs)
            r.cv = ag.get("cv", (r.stddev / r.mean)
                          if r.stddev is not None and r.mean else None)
            r.min = min(xs) if xs else r.median
            r.max = max(xs) if xs else r.median
            r.counters = {k: statistics.median(v)
                          for k, v in r.counter_samples.items()}

    def __getitem__(self, name):
        return self._cases[name]

    def __contains__(self, name):
        return name in self._cases

    def __iter__(self):
        return iter(self._cases)

    def __len__(self):
        return len(self._cases)

    def get(self, name, default=None):
        return self._cases.get(name, default)

    def names(self):
        return list(self._cases)

    def items(self):
        return self._cases.items()

    def medians(self):
        return {n: r.median for n, r in self._cases.items()}

    def samples(self):
        return {n: list(r.samples) for n, r in self._cases.items()
                if r.error is None and r.samples}

    def errors(self):
        return {n: r.error for n, r in self._cases.items()
                if r.error is not None}


def load(src, time_field="real_time"):
    """Results of a Google Benchmark JSON document (path, text or dict)."""
    if time_field not in ("real_time", "cpu_time"):
        raise ValueError(f"time_field must be real_time or cpu_time, "
                         f"not {time_field!r}")
    return Results(_parse(src), time_field)
