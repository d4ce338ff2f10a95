"""Unit tests of the gate's logic (scripts/lib/gatelib.py) on known inputs."""
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import gatelib  # noqa: E402


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


if __name__ == "__main__":
    unittest.main()
