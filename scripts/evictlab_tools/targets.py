"""The speed targets, read from targets.json (the one place they are written).

    load(path=TARGETS_JSON) -> [Target]
    Target fields: id, text, where, metric, op (">=" or "<="), threshold,
        unit, linear (targets.json "scale": "linear": the metric is a
        difference, e.g. bytes over lru's, which may be zero or negative;
        the default scale is a ratio, which must be positive)
    target.applies(case, default_dict) -> bool
        whether the target holds this case (a cases.Case) to its threshold;
        `where` matches record fields (a list: any of; "dict": "default" is
        the case list's default dict; "variant_excludes": a substring the
        variant must not contain; "exclude": {field: value(s)}, cases
        left out)
    target.check(value) -> dict
        {"target", "what", "value", "op", "threshold", "met", "margin"}
        (margin: log of the distance to the threshold, > 0 when met; on a
        linear scale the distance over the threshold); with
        value None (an operand is missing from the run) only
        {"target", "what"}: reported as not checked, never dropped
    summary(rows, targets) -> [dict]
        per target: {"target", "text", "n" (cases checked), "met",
        "missing" (cases with an operand missing), "worst_case",
        "worst_value", "op", "threshold", "unit"}, from rows of
        derive.rows (their "checks" and "missing")
    status(entry) -> "met" | "not met" | "met in k of n" | "not checked"

Standard library only.
"""

import dataclasses
import json
import math
import os

TARGETS_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "targets.json")
_RECORD_FIELDS = ("family", "policy", "dict", "kv", "key", "entries",
                  "variant")


@dataclasses.dataclass(frozen=True)
class Target:
    id: str
    text: str
    where: dict
    metric: str
    op: str
    threshold: float
    unit: str = ""
    linear: bool = False

    def applies(self, case, default_dict):
        for field, want in self.where.items():
            if field == "variant_excludes":
                if want in (case.variant or ""):
                    return False
                continue
            if field == "exclude":
                # {field: value or [values]}: cases the target leaves out
                # (e.g. lru itself in "every policy against lru's").
                for f, v in want.items():
                    if getattr(case, f) in (v if isinstance(v, list)
                                            else [v]):
                        return False
                continue
            have = getattr(case, field)
            wants = want if isinstance(want, list) else [want]
            if field == "dict":
                wants = [default_dict if w == "default" else w
                         for w in wants]
            if have not in wants:
                return False
        return True

    def check(self, value):
        if value is None or isinstance(value, bool) \
                or not isinstance(value, (int, float)) \
                or not math.isfinite(value) \
                or (value <= 0 and not self.linear):
            return {"target": self.id, "what": self.unit}
        met = value >= self.threshold if self.op == ">=" \
            else value <= self.threshold
        if self.linear:
            scale = abs(self.threshold) or 1.0
            margin = ((value - self.threshold) if self.op == ">="
                      else (self.threshold - value)) / scale
        else:
            margin = (math.log(value / self.threshold) if self.op == ">="
                      else math.log(self.threshold / value))
        return {"target": self.id, "what": self.unit, "value": value,
                "op": self.op, "threshold": self.threshold, "met": met,
                "margin": margin}


class TargetsError(ValueError):
    pass


def load(path=TARGETS_JSON):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = []
    for t in doc.get("targets", []):
        if t.get("op") not in (">=", "<="):
            raise TargetsError(f"{path}: target {t.get('id')}: op must be "
                               f"'>=' or '<='")
        unknown = set(t.get("where", {})) - set(_RECORD_FIELDS) \
            - {"variant_excludes", "exclude"}
        unknown |= {f"exclude.{f}" for f in
                    t.get("where", {}).get("exclude", {})
                    if f not in _RECORD_FIELDS}
        if unknown:
            raise TargetsError(f"{path}: target {t['id']}: unknown where "
                               f"field(s) {sorted(unknown)}")
        scale = t.get("scale", "ratio")
        if scale not in ("ratio", "linear"):
            raise TargetsError(f"{path}: target {t.get('id')}: scale must "
                               f"be 'ratio' or 'linear'")
        out.append(Target(t["id"], t["text"], dict(t.get("where", {})),
                          t["metric"], t["op"], float(t["threshold"]),
                          t.get("unit", ""), scale == "linear"))
    if len({t.id for t in out}) != len(out):
        raise TargetsError(f"{path}: target ids repeat")
    return out


def summary(rows, targets):
    out = []
    for t in targets:
        checked = [(r["name"], x) for r in rows for x in r.get("checks", [])
                   if x["target"] == t.id]
        missing = [r["name"] for r in rows for x in r.get("missing", [])
                   if x["target"] == t.id]
        entry = {"target": t.id, "text": t.text, "n": len(checked),
                 "met": sum(1 for _, x in checked if x["met"]),
                 "missing": missing, "op": t.op, "threshold": t.threshold,
                 "unit": t.unit}
        if checked:
            worst_case, worst = min(checked, key=lambda c: c[1]["margin"])
            entry.update(worst_case=worst_case, worst_value=worst["value"])
        out.append(entry)
    return out


def status(entry):
    if not entry["n"]:
        return "not checked"
    if entry["met"] == entry["n"]:
        return "met"
    if entry["met"] == 0:
        return "not met"
    return f"met in {entry['met']} of {entry['n']}"
