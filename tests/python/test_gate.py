"""Unit tests of the gate's logic (evictlab_tools/gatelib.py, gate.py) on
known inputs."""
import json
import os
import re
import tempfile
import textwrap
import unittest

from evictlab_tools import cases, gate, gatelib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CASES = os.path.join(HERE, "fixtures", "cases_small.json")


def case(ir):
    return {"ir_per_op": ir, "est_cycles_per_op": ir * 2, "iterations": 100}


class ParseTest(unittest.TestCase):
    def write(self, text):
        fd, path = tempfile.mkstemp()
        with os.fdopen(fd, "w") as f:
            f.write(textwrap.dedent(text))
        self.addCleanup(os.remove, path)
        return path

    def test_client_request_dump(self):
        path = self.write("""\
            # callgrind format
            desc: Trigger: Client Request: BM_UpdateOnGet/lru/kvobj/str/entries:1024/dist:uniform
            events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
            summary: 0
            totals: 1000 300 100 10 20 5 1 2 3
            """)
        name, ev = gatelib.parse_callgrind_dump(path)
        self.assertEqual(name, "BM_UpdateOnGet/lru/kvobj/str/entries:1024/dist:uniform")
        self.assertEqual(ev["Ir"], 1000)
        self.assertEqual(ev["DLmw"], 3)
        # accesses 1400; L1 misses 35; LL misses 6 -> 1365 + 5*29 + 35*6
        self.assertEqual(gatelib.estimated_cycles(ev), 1365 + 145 + 210)

    def test_termination_dump_is_ignored(self):
        path = self.write("""\
            desc: Trigger: Program termination
            events: Ir
            totals: 0
            """)
        self.assertEqual(gatelib.parse_callgrind_dump(path), (None, {}))

    def test_per_op_divides_by_iterations(self):
        out = gatelib.per_op({"a": {"Ir": 4096}}, {"a": 2048})
        self.assertEqual(out["a"]["ir_per_op"], 2.0)
        self.assertEqual(gatelib.per_op({"a": {"Ir": 1}}, {}), {})


class CompareTest(unittest.TestCase):
    def test_rise_above_threshold_fails_and_sorts_first(self):
        r = gatelib.compare({"a": case(100), "b": case(100)},
                            {"a": case(101), "b": case(103)}, 2.0)
        self.assertTrue(r["failed"])
        self.assertEqual([x["case"] for x in r["rows"]], ["b", "a"])
        self.assertEqual(r["rows"][0]["status"], "REGRESSION")
        self.assertAlmostEqual(r["rows"][0]["change_pct"], 3.0)
        self.assertEqual(r["rows"][1]["status"], "ok")

    def test_exactly_at_threshold_passes(self):
        r = gatelib.compare({"a": case(100)}, {"a": case(102)}, 2.0)
        self.assertFalse(r["failed"])

    def test_per_case_override(self):
        r = gatelib.compare({"noisy": case(100)}, {"noisy": case(104)}, 2.0,
                            {"^noi": 5})
        self.assertFalse(r["failed"])
        self.assertEqual(r["rows"][0]["threshold"], 5.0)

    def test_missing_case_fails_new_case_is_reported(self):
        r = gatelib.compare({"gone": case(100)}, {"fresh": case(50)}, 2.0)
        self.assertTrue(r["failed"])
        statuses = {x["case"]: x["status"] for x in r["rows"]}
        self.assertEqual(statuses, {"gone": "missing", "fresh": "new"})
        r = gatelib.compare({}, {"fresh": case(50)}, 2.0)
        self.assertFalse(r["failed"])
        self.assertIn("1 new", gatelib.format_report(r))

    def test_improvement_passes(self):
        r = gatelib.compare({"a": case(100)}, {"a": case(80)}, 2.0)
        self.assertFalse(r["failed"])
        self.assertEqual(r["rows"][0]["status"], "improved")

    def test_report_names_regressed_case(self):
        r = gatelib.compare({"x/y": case(10)}, {"x/y": case(20)}, 2.0)
        text = gatelib.format_report(r)
        self.assertIn("x/y", text)
        self.assertIn("+100.00%", text)
        self.assertIn("gate: FAIL", text)


class SelectionTest(unittest.TestCase):
    """The gate's cases come from the case list, not from a regex of names."""

    def setUp(self):
        self.cl = cases.load_case_list(CASES)

    def test_every_registered_policy_on_the_default_dict(self):
        chosen = gatelib.gate_cases(self.cl)
        gets = {c.policy for c in chosen if c.family == "UpdateOnGet"}
        # fifo and mru are in the fixture's registry only: no list to edit
        self.assertEqual(gets, {"lru", "lru_strict", "dummy", "fifo", "mru"})
        self.assertEqual({c.dict for c in chosen if c.dict}, {"flat"})
        self.assertEqual({c.entries for c in chosen if c.entries}, {1024})
        # Every KV kind for lru, kvobj only for the other policies.
        kinds = {(c.policy, c.kv) for c in chosen if c.kv and
                 c.family in ("UpdateOnGet", "UpdateOnPut")}
        self.assertEqual({kv for p, kv in kinds if p != "lru"}, {"kvobj"})
        all_kinds = {c.kv for c in self.cl if c.kv and c.policy == "lru"}
        self.assertEqual({kv for p, kv in kinds if p == "lru"}, all_kinds)
        getsize = sorted(c.name for c in chosen if c.family == "GetSize")
        self.assertEqual(getsize, [
            "BM_GetSize/field_read", "BM_GetSize/kvobj",
            "BM_GetSize/tensor/dtype:bfloat16/rank:1/view:narrow"])

    def test_shards_hold_whole_groups_and_every_case_once(self):
        chosen = gatelib.gate_cases(self.cl)
        for jobs in (1, 2, 3, 64):
            parts = gate.shards(chosen, jobs)
            groups = {(c.family, c.policy or "") for c in chosen}
            self.assertEqual(len(parts), min(jobs, len(groups)))
            names = [c.name for part in parts for c in part]
            self.assertEqual(sorted(names), sorted(c.name for c in chosen))
            owner = {}
            for i, part in enumerate(parts):
                for c in part:
                    # a (family, policy) group never straddles two shards
                    self.assertEqual(owner.setdefault((c.family, c.policy), i), i)
        # Greedy by size: two shards differ by at most the largest group.
        two = gate.shards(chosen, 2)
        biggest = max(sum(1 for c in chosen if (c.family, c.policy) == g)
                      for g in {(c.family, c.policy) for c in chosen})
        self.assertLessEqual(abs(len(two[0]) - len(two[1])), biggest)
        # Each shard's filter matches exactly its own cases.
        for part in two:
            rx = re.compile(gatelib.bench_filter(part, self.cl))
            self.assertEqual({c.name for c in self.cl if rx.search(c.name)},
                             {c.name for c in part})

    def test_jobs_below_one_is_a_usage_error(self):
        self.assertEqual(gate.main(["--jobs", "0", "--no-build"]), 2)

    def test_whole_trace_replays_are_not_gated(self):
        # BM_Simulate* time whole traces; the gate counts per-op
        # instructions, so neither its selection nor its filter takes them.
        with open(CASES) as f:
            doc = json.load(f)
        for name, policy in (
                ("BM_Simulate/lru/trace:cloudphysics/cache:128MiB", "lru"),
                ("BM_SimulateFloor/trace:cloudphysics/cache:128MiB", None)):
            doc["cases"].append({
                "name": name, "family": name[3:name.index("/")],
                "policy": policy, "dict": None, "kv": None, "key": None,
                "entries": None,
                "variant": "trace:cloudphysics/cache:128MiB"})
        cl = cases.load_case_list(doc)
        chosen, flt = gate.select(cl, None)
        self.assertEqual(chosen, gatelib.gate_cases(self.cl))
        rx = re.compile(flt)
        self.assertFalse([c.name for c in cl if c.family.startswith(
            "Simulate") and (gatelib.is_gate_case(c, cl.default_dict)
                             or rx.search(c.name))])

    def test_bench_filter_matches_exactly_the_selection(self):
        chosen, flt = gate.select(self.cl, None)
        rx = re.compile(flt)
        matched = {c.name for c in self.cl if rx.search(c.name)}
        self.assertEqual(matched, {c.name for c in chosen})
        # the library appends /iterations:N with fixed iterations
        one = chosen[-1].name
        self.assertTrue(rx.search(one + "/iterations:2048"))
        self.assertFalse(rx.search(one + "/extra"))
        self.assertLess(len(flt), 1000)   # product patterns, not a name list

    def test_user_filter_selects_listed_cases(self):
        chosen, flt = gate.select(
            self.cl, r"^BM_UpdateOnGet/fifo/dict:naive/.*entries:1024/")
        self.assertEqual([c.name for c in chosen], [
            "BM_UpdateOnGet/fifo/dict:naive/kvobj/hstr/entries:1024/"
            "dist:uniform"])
        self.assertTrue(re.search(flt, chosen[0].name + "/iterations:8"))

    def test_committed_baseline_reads_through_the_aliases(self):
        with open(os.path.join(REPO, "results", "baseline", "gate.json")) as f:
            base = json.load(f)["cases"]
        names = {cases.canonical(n) for n in base}
        self.assertEqual(len(names), len(base))
        self.assertIn("BM_UpdateOnGet/lru/dict:flat/kvobj/str/entries:1024/"
                      "dist:uniform", names)
        self.assertFalse([n for n in names if n.startswith("BM_UpdateOn")
                          and "/dict:" not in n])


if __name__ == "__main__":
    unittest.main()
