"""Benchmark cases as records (docs/CASES.md): the one place that knows how a
benchmark name is built.

    Case                      the record: name, family, policy, dict, kv, key,
                              entries, variant (+ .params, .with_fields())
    load_case_list(src)       a CaseList from `evictlab_bench
                              --evictlab_list_cases` output (a path, a JSON
                              text or the parsed document)
    case_list_from_names(names)
                              a CaseList for runs without cases.json (old
                              runs, baselines, python.json): parse_name on
                              each name, axes in first-seen order
    case_list_for_run(doc, names)
                              the run's cases.json (if any) completed with
                              the names it does not list
    parse_name(name)          Case of any name, old or new (ALIASES applied)
    canonical(name)           the case's identity: Google Benchmark option
                              suffixes dropped, old names mapped to new ones
    strip_suffixes(name)      only the suffixes dropped (/iterations:N, ...)
    alias(name)               an old name (dict in the policy name) -> new
    format_name(case)         the benchmark name of a record
    param(case, key)          one "key:value" part of the variant, or None
    ere_escape(name)          a name escaped for --benchmark_filter (POSIX
                              extended regex)

CaseList gives the display orders from the registry (cases.json lists
policies and dicts in registry order); for old runs, the order of the alias
table, then first-seen order:

    cl.policies, cl.dicts, cl.kv_kinds, cl.key_kinds   lists of names
    cl.default_dict                                    e.g. "flat"
    cl.policy_traits(name), cl.dict_info(name)         the registry records
    cl.sort_key(case)                                  display order key
    cl.get(name), name in cl, iter(cl), len(cl)

Command line (scripts/run.sh): python3 -m evictlab_tools.cases CASES_JSON
FIELD prints a field of the case list: default_dict, or policies / dicts /
kv_kinds / key_kinds (one a line).

Standard library only.
"""

import dataclasses
import json
import os
import re
import sys

SCHEMA = "evictlab.cases/1"
FAMILIES = ("GetSize", "UpdateOnGet", "UpdateOnPut", "Request",
            "MemoryFloor", "Simulate", "SimulateFloor")
CACHE_FAMILIES = ("UpdateOnGet", "UpdateOnPut")   # the ones with policy/dict
# One whole request of a serving engine (BM_Request: build keys, prefix
# lookup, touches, puts): named like the cache families (policy, dict, kv,
# key, entries, then chunks:<N>/hits:<f>), but a cost per request, not per
# operation, so the tools keep it out of the per-operation views.
REQUEST_FAMILIES = ("Request",)
# The families whose names carry policy/dict:<dict>/kv/key.
KEYED_FAMILIES = CACHE_FAMILIES + REQUEST_FAMILIES
# Whole-trace replays (BM_Simulate/<policy>/trace:<t>/cache:<c>): a policy,
# no dict (the simulator's own); their floor has neither.
SIM_FAMILIES = ("Simulate", "SimulateFloor")

# Old policy component -> (policy, dict), for names before the policy and
# dict axes were split (runs up to 2026-11-29; docs/CASES.md "Old names").
ALIASES = {
    "lru": ("lru", "flat"),
    "lru_strict": ("lru_strict", "flat"),
    "dummy": ("dummy", "flat"),
    "lru_node": ("lru", "node"),
    "naive_lru": ("lru", "naive"),
}
# The default dict of runs made before cases.json existed: what the old
# reference policy name `lru` meant.
OLD_DEFAULT_DICT = ALIASES["lru"][1]
# The dict label of the Python model's cases (LMCache's evictor over
# Python's OrderedDict): not one of the C++ dicts.
PYTHON_DICT = "pydict"

# Name parts Google Benchmark appends for per-benchmark options.
_SUFFIX_RE = re.compile(
    r"(/(repeats|min_time|min_warmup_time|iterations|threads):[^/]*"
    r"|/(real_time|manual_time|process_time))+$")
# Google Benchmark names its aggregates "<run name>_<aggregate>".
AGGREGATE_NAMES = ("mean", "median", "stddev", "cv")


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark case (docs/CASES.md "The record"). Fields that do not
    apply to the family are None; variant is "" when there is none."""
    name: str
    family: str
    policy: str = None
    dict: str = None
    kv: str = None
    key: str = None
    entries: int = None
    variant: str = ""
    # UpdateOnGet: the cache lines a hit touches (the case list's
    # "hit_lines", bench/common/hit_lines.h), whose independent-access
    # BM_MemoryFloor the tools divide the hit by; None when not listed.
    hit_lines: int = dataclasses.field(default=None, compare=False)

    @property
    def params(self):
        """The "key:value" parts of the variant as a dict of strings, e.g.
        {"evictions": "1"}; parts without a colon map to ""."""
        out = {}
        for part in self.variant.split("/") if self.variant else ():
            k, _, v = part.partition(":")
            out[k] = v
        return out

    def with_fields(self, **fields):
        """The same case with some fields replaced, its name re-rendered:
        e.g. case.with_fields(dict="naive")."""
        c = dataclasses.replace(self, name="", **fields)
        return dataclasses.replace(c, name=format_name(c))

    def as_dict(self):
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d):
        """A Case from a case-list entry (unknown keys are ignored)."""
        fields = {f.name for f in dataclasses.fields(Case)}
        kw = {k: v for k, v in d.items() if k in fields}
        kw.setdefault("variant", "")
        if kw.get("variant") is None:
            kw["variant"] = ""
        return Case(**kw)


def param(case, key):
    """The value of one "key:value" part of case.variant, or None."""
    return case.params.get(key)


def ere_escape(name):
    """Escapes a benchmark name for Google Benchmark's POSIX extended regex
    (--benchmark_filter)."""
    return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in name)


def strip_suffixes(name):
    """Drops Google Benchmark option suffixes (/iterations:N, /real_time,
    /threads:N, /repeats:N, /min_time:X, ...) from a benchmark name."""
    return _SUFFIX_RE.sub("", name)


def alias(name):
    """Maps an old name (BM_UpdateOn*/<old policy>/<kv>/...) to the new one
    (BM_UpdateOn*/<policy>/dict:<dict>/<kv>/...) by ALIASES; other names are
    returned as they are."""
    parts = name.split("/")
    if (len(parts) > 2 and parts[0][3:] in CACHE_FAMILIES
            and not parts[2].startswith("dict:") and parts[1] in ALIASES):
        policy, dict_ = ALIASES[parts[1]]
        parts[1:2] = [policy, "dict:" + dict_]
    return "/".join(parts)


def canonical(name):
    """A case's identity in today's names: suffixes dropped, then aliased.
    Every tool keys its results by this."""
    return alias(strip_suffixes(name))


def parse_name(name):
    """The Case of a benchmark name (old or new; suffixes dropped, ALIASES
    applied). For runs without a case list; unknown shapes still give a
    family and the rest of the name as the variant. Never raises."""
    name = canonical(name)
    parts = name.split("/")
    family = parts[0][3:] if parts[0].startswith("BM_") else parts[0]
    rest = parts[1:]
    f = {}
    if family in KEYED_FAMILIES and len(rest) >= 4 \
            and rest[1].startswith("dict:"):
        f["policy"], f["dict"] = rest[0], rest[1][len("dict:"):]
        f["kv"], f["key"] = rest[2], rest[3]
        rest = rest[4:]
    elif family == "GetSize" and rest and rest[0] != "field_read":
        f["kv"] = rest[0]
        rest = rest[1:]
    elif family in SIM_FAMILIES and rest and ":" not in rest[0]:
        f["policy"] = rest[0]
        rest = rest[1:]
    if rest and rest[0].startswith("entries:"):
        value = rest[0][len("entries:"):]
        f["entries"] = int(value) if value.isdigit() else None
        rest = rest[1:]
    return Case(name=name, family=family, variant="/".join(rest), **f)


def format_name(case):
    """The benchmark name of a record (docs/CASES.md "Names"): the inverse of
    parse_name for today's names."""
    parts = ["BM_" + case.family]
    if case.family in KEYED_FAMILIES:
        parts += [case.policy, "dict:" + case.dict, case.kv, case.key]
    elif case.kv:
        parts.append(case.kv)
    elif case.family in SIM_FAMILIES and case.policy:
        parts.append(case.policy)
    if case.entries is not None:
        parts.append(f"entries:{case.entries}")
    if case.variant:
        parts.append(case.variant)
    return "/".join(parts)


class CaseListError(ValueError):
    """A case list that does not follow docs/CASES.md."""


def _first_seen(values):
    out = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


def _alias_order(values, i):
    known = _first_seen(v[i] for v in ALIASES.values())
    return [v for v in known if v in values] + \
        [v for v in values if v not in known]


class CaseList:
    """The cases of a binary (or of a run) and the registry's axes."""

    def __init__(self, cases, policies=None, dicts=None, kv_kinds=None,
                 key_kinds=None, from_registry=False):
        self.cases = list(cases)
        self._by_name = {c.name: c for c in self.cases}
        self._policies = list(policies or [])
        self._dicts = list(dicts or [])
        # Axis values the registry did not list (old runs, Python cases)
        # follow in first-seen order.
        self.policies = _first_seen(
            [p["name"] for p in self._policies]
            + [c.policy for c in self.cases])
        self.dicts = _first_seen([d["name"] for d in self._dicts]
                                 + [c.dict for c in self.cases])
        self.kv_kinds = _first_seen(list(kv_kinds or [])
                                    + [c.kv for c in self.cases])
        self.key_kinds = _first_seen(list(key_kinds or [])
                                     + [c.key for c in self.cases])
        self.families = _first_seen(
            [f for f in FAMILIES if any(c.family == f for c in self.cases)]
            + [c.family for c in self.cases])
        self.from_registry = from_registry
        if not from_registry:
            # Old runs: the alias table is the old registry's order.
            self.policies = _alias_order(self.policies, 0)
            self.dicts = _alias_order(self.dicts, 1)
        defaults = [d["name"] for d in self._dicts if d.get("default")]
        if defaults:
            self.default_dict = defaults[0]
        elif OLD_DEFAULT_DICT in self.dicts or not self.dicts:
            self.default_dict = OLD_DEFAULT_DICT
        else:
            self.default_dict = self.dicts[0]

    def __iter__(self):
        return iter(self.cases)

    def __len__(self):
        return len(self.cases)

    def __contains__(self, name):
        return name in self._by_name

    def get(self, name):
        """The Case of a canonical name, or None."""
        return self._by_name.get(name)

    def case(self, name):
        """The Case of any name: the listed record, else parse_name."""
        name = canonical(name)
        return self._by_name.get(name) or parse_name(name)

    def policy_traits(self, name):
        """The registry's record of a policy (docs/CASES.md), or {}."""
        return next((p for p in self._policies if p["name"] == name), {})

    def dict_info(self, name):
        return next((d for d in self._dicts if d["name"] == name), {})

    def add(self, case):
        """Adds a case not listed yet (keeps the axes' orders)."""
        if case.name in self._by_name:
            return
        self.cases.append(case)
        self._by_name[case.name] = case
        for attr, value in (("policies", case.policy), ("dicts", case.dict),
                            ("kv_kinds", case.kv), ("key_kinds", case.key),
                            ("families", case.family)):
            axis = getattr(self, attr)
            if value is not None and value not in axis:
                axis.append(value)

    def sort_key(self, case):
        """Display order: family, policy, dict, kv, key (registry order),
        entries, variant."""
        def pos(axis, value):
            return (axis.index(value) if value in axis else len(axis)) \
                if value is not None else -1
        return (pos(self.families, case.family),
                pos(self.policies, case.policy), pos(self.dicts, case.dict),
                pos(self.kv_kinds, case.kv), pos(self.key_kinds, case.key),
                case.entries if case.entries is not None else -1,
                case.variant)

    def sorted(self, cases=None):
        return sorted(self.cases if cases is None else cases,
                      key=self.sort_key)

    def to_doc(self):
        return {"schema": SCHEMA, "policies": self._policies,
                "dicts": self._dicts, "kv_kinds": self.kv_kinds,
                "key_kinds": self.key_kinds,
                "cases": [c.as_dict() for c in self.cases]}


def load_case_list(src):
    """A CaseList from the case list document: a path to cases.json, its
    JSON text, or the parsed dict. Raises CaseListError if it is not one."""
    doc = src
    if isinstance(src, (str, os.PathLike)):
        text = str(src)
        if not text.lstrip().startswith("{"):
            with open(text, encoding="utf-8") as f:
                text = f.read()
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise CaseListError(f"case list is not JSON: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise CaseListError("case list has no \"cases\" array")
    if doc.get("schema", SCHEMA) != SCHEMA:
        raise CaseListError(f"case list schema {doc.get('schema')!r}, "
                            f"expected {SCHEMA!r}")
    cases = []
    for i, d in enumerate(doc["cases"]):
        if not isinstance(d, dict) or not d.get("name") or not d.get("family"):
            raise CaseListError(f"case {i}: needs \"name\" and \"family\"")
        c = Case.from_dict(d)
        if c.name != canonical(c.name):
            raise CaseListError(f"case {i}: {c.name!r} is not a case name")
        cases.append(c)
    return CaseList(cases, doc.get("policies"), doc.get("dicts"),
                    doc.get("kv_kinds"), doc.get("key_kinds"),
                    from_registry=True)


def case_list_from_names(names):
    """A CaseList of the cases named (old or new names), for runs that have no
    cases.json: axes in first-seen order, default dict OLD_DEFAULT_DICT."""
    seen = {}
    for n in names:
        c = parse_name(n)
        seen.setdefault(c.name, c)
    return CaseList(seen.values())


def case_list_for_run(doc, names):
    """The run's case list: `doc` (cases.json, a path or None) completed with
    the named cases it does not list (parsed from their names)."""
    if doc is None:
        return case_list_from_names(names)
    cl = load_case_list(doc)
    for n in names:
        if canonical(n) not in cl:
            cl.add(parse_name(n))
    return cl


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    fields = ("default_dict", "policies", "dicts", "kv_kinds", "key_kinds")
    if len(argv) != 2 or argv[1] not in fields:
        print("usage: python3 -m evictlab_tools.cases CASES_JSON "
              f"{{{'|'.join(fields)}}}", file=sys.stderr)
        return 2
    try:
        value = getattr(load_case_list(argv[0]), argv[1])
    except (OSError, CaseListError) as e:
        print(f"cases: {argv[0]}: {e}", file=sys.stderr)
        return 1
    print(value if isinstance(value, str) else "\n".join(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
