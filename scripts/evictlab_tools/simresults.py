"""The policy sweep's results: one loader of RUN_DIR/sim/ for every tool.

    load_sweep(run_dir) -> Sweep     the run's sim/*.json (and *.err)
    load_trace(path, id) -> Trace    one `evictlab simulate --json` file
    ranking(trace, size) -> [(rank, policy, hit)]
    summary_sizes(trace) -> the two cache sizes summary.md ranks at

A sim/<id>.json is `evictlab simulate --json` output (SIM-SPEC section 6):
{"trace", "format", "context", "results": [one per policy x cache size]}.
In KV mode (`--format mooncake`) a result carries the counters of SIM-SPEC
section 5 (token_hit_ratio, block_hit_ratio, n_token, ...); in classic mode
miss_ratio and byte_miss_ratio. Both carry policy, cache_size (bytes),
seconds and req_per_s, and n_req (SIM-SPEC section 6; without it the time
per request comes from req_per_s).

The hit ratio this module reports, `hit`, is what a reader compares across
policies: the token hit ratio in KV mode (the share of prefill tokens the
cache saves) and 1 - miss_ratio in classic mode. `ns_per_req` is the
simulation's wall time per request (seconds / n_req).

A malformed file raises SimResultsError naming the file, the result index
and the field; load_sweep records it per trace instead of raising, so one bad
file does not hide the others. sim/<id>.err (written by sweep.py when a
simulation failed) is reported as that trace's error.

Standard library only.
"""

import dataclasses
import json
import math
import os

SIM_DIR = "sim"


class SimResultsError(ValueError):
    pass


@dataclasses.dataclass
class Trace:
    id: str                 # the file's stem, e.g. "conversation_trace"
    path: str               # the sim/<id>.json read
    trace: str              # the trace file simulated
    format: str
    kv: bool                # KV mode: token hit ratios
    context: dict
    policies: list          # in the file's order (the registry's)
    sizes: list             # cache sizes in bytes, ascending
    results: dict           # (policy, cache_size) -> result dict

    @property
    def metric(self):
        return "token_hit_ratio" if self.kv else "hit_ratio"

    @property
    def metric_label(self):
        return "token hit ratio" if self.kv else "hit ratio (1 − miss ratio)"

    def hit(self, policy, size):
        r = self.results.get((policy, size))
        if r is None:
            return None
        return r["token_hit_ratio"] if self.kv else 1.0 - r["miss_ratio"]

    def ns_per_req(self, policy, size):
        r = self.results.get((policy, size))
        if r is None:
            return None
        if _number(r.get("n_req")) and r["n_req"] > 0:
            return r["seconds"] * 1e9 / r["n_req"]
        rps = r.get("req_per_s")
        return 1e9 / rps if _number(rps) and rps > 0 else None

    @property
    def n_req(self):
        """Requests in the trace (every result replays all of them)."""
        r = next(iter(self.results.values()))
        if _number(r.get("n_req")):
            return r["n_req"]
        return round(r["seconds"] * r["req_per_s"])


@dataclasses.dataclass
class Sweep:
    present: bool           # the run has a sim/ directory
    traces: list            # [Trace], KV-mode traces first, then by id
    errors: list            # [(id, message)]: files that failed or are bad


_NUM_FIELDS = ("cache_size", "seconds")
_KV_FIELDS = ("token_hit_ratio", "block_hit_ratio")
_CLASSIC_FIELDS = ("miss_ratio",)


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) \
        and math.isfinite(v)


def load_trace(path, trace_id=None):
    """One sim/<id>.json -> Trace; SimResultsError on anything malformed."""
    trace_id = trace_id or os.path.basename(path).rsplit(".json", 1)[0]
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise SimResultsError("%s: %s" % (path, e)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise SimResultsError("%s: not `evictlab simulate --json` output (no "
                              "\"results\" list)" % path)
    fmt = str(doc.get("format") or "")
    results, policies, sizes = {}, [], set()
    kv = any(isinstance(r, dict) and "token_hit_ratio" in r
             for r in doc["results"])
    for i, r in enumerate(doc["results"]):
        where = "%s: results[%d]" % (path, i)
        if not isinstance(r, dict):
            raise SimResultsError("%s: not an object" % where)
        if not isinstance(r.get("policy"), str) or not r["policy"]:
            raise SimResultsError("%s: field 'policy' missing or not a "
                                  "string" % where)
        for k in _NUM_FIELDS + (_KV_FIELDS if kv else _CLASSIC_FIELDS):
            if not _number(r.get(k)):
                raise SimResultsError("%s: field '%s' missing or not a "
                                      "number (%r)" % (where, k, r.get(k)))
        if not (_number(r.get("n_req")) or _number(r.get("req_per_s"))):
            raise SimResultsError("%s: neither 'n_req' nor 'req_per_s' is a "
                                  "number" % where)
        if r["cache_size"] <= 0 or r["seconds"] < 0:
            raise SimResultsError("%s: cache_size must be positive and "
                                  "seconds not negative" % where)
        key = (r["policy"], r["cache_size"])
        if key in results:
            raise SimResultsError("%s: a second result for %s at %d bytes" %
                                  (where, key[0], key[1]))
        results[key] = r
        if r["policy"] not in policies:
            policies.append(r["policy"])
        sizes.add(r["cache_size"])
    if not results:
        raise SimResultsError("%s: no results" % path)
    return Trace(trace_id, path, str(doc.get("trace") or ""), fmt, kv,
                 doc.get("context") if isinstance(doc.get("context"), dict)
                 else {}, policies, sorted(sizes), results)


def load_sweep(run_dir):
    """The run's sweep; a run without sim/ gives Sweep(False, [], [])."""
    d = os.path.join(run_dir, SIM_DIR)
    if not os.path.isdir(d):
        return Sweep(False, [], [])
    traces, errors = [], []
    names = sorted(os.listdir(d))
    for fn in names:
        stem, ext = os.path.splitext(fn)
        if ext == ".json":
            try:
                traces.append(load_trace(os.path.join(d, fn), stem))
            except SimResultsError as e:
                errors.append((stem, str(e)))
        elif ext == ".err" and stem + ".json" not in names:
            with open(os.path.join(d, fn), encoding="utf-8",
                      errors="replace") as f:
                text = f.read()
            lines = text.strip().splitlines()
            # The first line is the command; the status and stderr follow.
            detail = " ".join(lines[1:3]) if len(lines) > 1 else text.strip()
            errors.append((stem, "the simulation failed: %s (sim/%s)" %
                           (detail, fn)))
    traces.sort(key=lambda t: (not t.kv, t.id.lower()))
    return Sweep(True, traces, errors)


def ranking(trace, size):
    """[(rank, policy, hit)] at one cache size, best first; equal hit ratios
    (e.g. lru and lru_strict, which evict the same blocks) share a rank."""
    vals = [(p, trace.hit(p, size)) for p in trace.policies]
    vals = [(p, v) for p, v in vals if v is not None]
    vals.sort(key=lambda pv: -pv[1])
    out, rank, prev = [], 0, None
    for i, (p, v) in enumerate(vals):
        if prev is None or abs(v - prev) > 1e-12:
            rank, prev = i + 1, v
        out.append((rank, p, v))
    return out


def summary_sizes(trace):
    """The two sizes summary.md ranks at: a quarter and half of the way up
    the sweep's sizes (of 8: the 3rd and the 5th; the latter is also the
    policy page's default scatter size). On the sweep's traces both lie where
    the curves still climb and the policies differ; past the knee every
    online policy is within a few % of the others."""
    s = trace.sizes
    picks = [s[len(s) // 4], s[len(s) // 2]]
    return list(dict.fromkeys(picks))


def fmt_bytes(n):
    """Bytes the way --cache-sizes takes them: 512GiB, 1TiB, 1536MiB."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)
