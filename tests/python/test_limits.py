#!/usr/bin/python3
"""Tests of the issue-14 derivations (evictlab_tools/derive.py, targets.py,
cases.py): each hit over the independent-access floor of its lines, every
policy against lru's same case, bytes per entry over lru's, the BM_Request
family's names and its Python counterpart, the fresh-key cases' Python
match, and the new rows of targets.json met / not met from one run.

Run from the repo root:
  PYTHONPATH=scripts /usr/bin/python3 -m unittest tests/python/test_limits.py
"""

import os
import subprocess
import sys
import tempfile
import unittest

from evictlab_tools import cases, derive, summarize, targets as targets_mod

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

GET = "BM_UpdateOnGet/{p}/dict:flat/kvobj/{k}/entries:{n}/dist:uniform"
FRESH = GET + "/key:fresh"
PUT = "BM_UpdateOnPut/{p}/dict:flat/kvobj/{k}/entries:{n}/evictions:1"
REQ = ("BM_Request/{p}/dict:{d}/kvobj/{k}/entries:1024/chunks:32/"
       "hits:0.5")
FLOOR = "BM_MemoryFloor/entries:{n}"
IND = "BM_MemoryFloor/entries:{n}/access:independent/lines:{k}"


def entry(name, ns, **counters):
    e = {"name": name, "run_name": name, "run_type": "iteration",
         "repetitions": 1, "repetition_index": 0, "threads": 1,
         "iterations": 100, "real_time": ns, "cpu_time": ns,
         "time_unit": "ns"}
    e.update(counters)
    return e


def doc(entries):
    return {"context": {}, "benchmarks": entries}


def case_list(names, hit_lines):
    """A cases.json of the named cases (parsed), with the registry's
    traits of lru and fifo and the UpdateOnGet cases' hit_lines."""
    out = []
    for n in names:
        c = cases.parse_name(n).as_dict()
        if c["family"] == "UpdateOnGet":
            c["hit_lines"] = hit_lines.get(c["policy"])
        out.append(c)
    return {"schema": cases.SCHEMA,
            "policies": [{"name": "lru"}, {"name": "fifo"}],
            "dicts": [{"name": "flat", "default": True},
                      {"name": "naive", "default": False}],
            "cases": out}


class Fixture:
    """A run of 2^20 lru/fifo gets and puts with floors, and requests."""

    def __init__(self, lru_get=30.0, fifo_get=40.0, lru_put=60.0,
                 fifo_put=150.0, ind5=25.0, fifo_bytes=40.0):
        n = 1 << 20
        self.cpp = [
            entry(GET.format(p="lru", k="hcek", n=n), lru_get,
                  bytes_per_entry=24.0),
            entry(GET.format(p="fifo", k="hcek", n=n), fifo_get,
                  bytes_per_entry=fifo_bytes),
            entry(PUT.format(p="lru", k="hcek", n=n), lru_put),
            entry(PUT.format(p="fifo", k="hcek", n=n), fifo_put),
            entry(FLOOR.format(n=n), 80.0),
            entry(IND.format(n=n, k=5), ind5),
            entry(IND.format(n=n, k=2), 12.0),
            entry(FRESH.format(p="lru", k="hcek", n=1024), 50.0),
            entry(FRESH.format(p="lru", k="cek", n=1024), 100.0),
            entry(REQ.format(p="lru", d="flat", k="hcek"), 4000.0),
            entry(REQ.format(p="fifo", d="flat", k="hcek"), 5000.0),
            entry(REQ.format(p="dummy", d="flat", k="hcek"), 3000.0),
        ]
        self.py = [
            entry(FRESH.format(p="lru", k="cek", n=1024).replace(
                "dict:flat", "dict:pydict"), 3000.0),
            entry(REQ.format(p="lru", d="pydict", k="cek"), 240000.0),
            entry(REQ.format(p="fifo", d="pydict", k="cek"), 100000.0),
        ]
        self.hit_lines = {"lru": 5, "fifo": 2}

    def rows(self, targets=None):
        names = [e["name"] for e in self.cpp]
        run = derive.make_run(doc(self.cpp), doc(self.py),
                              case_list(names, self.hit_lines))
        return {r["name"]: r for r in derive.rows(run, targets)}


class IndependentFloorTest(unittest.TestCase):

    def test_each_hit_is_divided_by_the_floor_of_its_own_lines(self):
        rows = Fixture().rows()
        n = 1 << 20
        lru = rows[GET.format(p="lru", k="hcek", n=n)]
        self.assertEqual(lru["ind_floor_ns"], 25.0)
        self.assertAlmostEqual(lru["ratio_to_ind_floor"], 30.0 / 25.0)
        # the dependent floor is still there, beside it
        self.assertAlmostEqual(lru["ratio_to_floor"], 30.0 / 80.0)
        fifo = rows[GET.format(p="fifo", k="hcek", n=n)]
        self.assertEqual(fifo["ind_floor_ns"], 12.0)   # 2 lines, not 5

    def test_missing_floor_or_lines_is_not_applicable(self):
        f = Fixture()
        f.cpp = [e for e in f.cpp if "lines:5" not in e["name"]]
        rows = f.rows()
        lru = rows[GET.format(p="lru", k="hcek", n=1 << 20)]
        self.assertEqual(lru["ratio_to_ind_floor"], derive.NA)
        f = Fixture()
        f.hit_lines = {}
        lru = f.rows()[GET.format(p="lru", k="hcek", n=1 << 20)]
        self.assertIsNone(lru["ratio_to_ind_floor"])

    def test_target_met_and_not_met(self):
        t = {x.id: x for x in targets_mod.load()}["get_2_20_ind_floor"]
        for ind5, met in ((25.0, True), (15.0, False)):
            rows = Fixture(ind5=ind5).rows([t])
            r = rows[GET.format(p="lru", k="hcek", n=1 << 20)]
            self.assertEqual([c["met"] for c in r["checks"]], [met])


class VersusLruTest(unittest.TestCase):

    def test_ratios_and_bytes_against_lru(self):
        rows = Fixture().rows()
        n = 1 << 20
        fifo = rows[GET.format(p="fifo", k="hcek", n=n)]
        self.assertAlmostEqual(fifo["ratio_to_lru"], 40.0 / 30.0)
        self.assertAlmostEqual(fifo["bytes_over_lru"], 16.0)
        put = rows[PUT.format(p="fifo", k="hcek", n=n)]
        self.assertAlmostEqual(put["ratio_to_lru"], 150.0 / 60.0)
        lru = rows[GET.format(p="lru", k="hcek", n=n)]
        self.assertIsNone(lru["ratio_to_lru"])      # not against itself

    def test_targets_from_one_run(self):
        ts = [t for t in targets_mod.load()
              if t.id in ("hit_vs_lru", "put_vs_lru", "bytes_vs_lru")]
        s = {e["target"]: e for e in targets_mod.summary(
            list(Fixture().rows(ts).values()), ts)}
        self.assertEqual(targets_mod.status(s["hit_vs_lru"]), "met")
        self.assertEqual(targets_mod.status(s["put_vs_lru"]), "not met")
        # 16 B over lru is exactly the limit: met
        self.assertEqual(targets_mod.status(s["bytes_vs_lru"]), "met")
        s = {e["target"]: e for e in targets_mod.summary(
            list(Fixture(fifo_bytes=41.0).rows(ts).values()), ts)}
        self.assertEqual(targets_mod.status(s["bytes_vs_lru"]), "not met")

    def test_lru_itself_is_neither_checked_nor_missing(self):
        ts = [t for t in targets_mod.load()
              if t.id in ("hit_vs_lru", "put_vs_lru", "bytes_vs_lru")]
        rows = Fixture().rows(ts)
        for name in (GET.format(p="lru", k="hcek", n=1 << 20),
                     PUT.format(p="lru", k="hcek", n=1 << 20)):
            self.assertEqual(rows[name]["checks"], [], name)
            self.assertEqual(rows[name]["missing"], [], name)

    def test_exclude_names_a_record_field(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json",
                                         delete=False) as f:
            f.write('{"targets": [{"id": "t2", "text": "t", "where": '
                    '{"exclude": {"colour": "red"}}, "metric": "m", '
                    '"op": "<=", "threshold": 1}]}')
        try:
            with self.assertRaisesRegex(targets_mod.TargetsError,
                                        "t2.*exclude.colour"):
                targets_mod.load(f.name)
        finally:
            os.unlink(f.name)

    def test_equal_or_smaller_bytes_are_checked_not_dropped(self):
        ts = [t for t in targets_mod.load() if t.id == "bytes_vs_lru"]
        for b in (24.0, 20.0):
            rows = Fixture(fifo_bytes=b).rows(ts)
            r = rows[GET.format(p="fifo", k="hcek", n=1 << 20)]
            self.assertEqual(len(r["checks"]), 1, b)
            self.assertTrue(r["checks"][0]["met"])


class LinearScaleTest(unittest.TestCase):

    def test_linear_target_accepts_zero_and_negative(self):
        t = targets_mod.Target("x", "x", {}, "m", "<=", 16.0, "B",
                               linear=True)
        self.assertTrue(t.check(0.0)["met"])
        self.assertTrue(t.check(-8.0)["met"])
        self.assertFalse(t.check(17.0)["met"])
        self.assertGreater(t.check(0.0)["margin"], t.check(8.0)["margin"])
        self.assertNotIn("met", t.check(float("nan")))

    def test_ratio_target_still_refuses_zero(self):
        t = targets_mod.Target("x", "x", {}, "m", "<=", 2.0)
        self.assertNotIn("met", t.check(0.0))

    def test_bad_scale_is_an_error_naming_the_target(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json",
                                         delete=False) as f:
            f.write('{"targets": [{"id": "t1", "text": "t", "where": {}, '
                    '"metric": "m", "op": "<=", "threshold": 1, '
                    '"scale": "log"}]}')
        try:
            with self.assertRaisesRegex(targets_mod.TargetsError, "t1"):
                targets_mod.load(f.name)
        finally:
            os.unlink(f.name)


class RequestFamilyTest(unittest.TestCase):

    def test_names_round_trip(self):
        name = REQ.format(p="s3fifo", d="flat", k="hcek")
        c = cases.parse_name(name)
        self.assertEqual((c.family, c.policy, c.dict, c.kv, c.key, c.entries,
                          c.params), ("Request", "s3fifo", "flat", "kvobj",
                                      "hcek", 1024,
                                      {"chunks": "32", "hits": "0.5"}))
        self.assertEqual(cases.format_name(c), name)

    def test_python_match_and_target(self):
        t = {x.id: x for x in targets_mod.load()}["request_py"]
        rows = Fixture().rows([t])
        lru = rows[REQ.format(p="lru", d="flat", k="hcek")]
        # hcek against the model's cek
        self.assertAlmostEqual(lru["speedup_vs_python"], 60.0)
        self.assertTrue(lru["checks"][0]["met"])
        fifo = rows[REQ.format(p="fifo", d="flat", k="hcek")]
        self.assertAlmostEqual(fifo["speedup_vs_python"], 20.0)
        self.assertFalse(fifo["checks"][0]["met"])
        # dummy has a Python side (LMCache v0's DummyEvictor,
        # pymodel/v0_request.py) that the fixture lacks: missing, not dropped
        dummy = rows[REQ.format(p="dummy", d="flat", k="hcek")]
        self.assertEqual(dummy["python_median_ns"], derive.NA)
        self.assertEqual(dummy["checks"], [])
        self.assertEqual(len(dummy["missing"]), 1)

    def test_request_is_not_a_per_operation_family(self):
        # kept out of the per-operation charts and the gate
        self.assertNotIn("Request", cases.CACHE_FAMILIES)
        self.assertIn("Request", cases.KEYED_FAMILIES)


class FreshKeyTest(unittest.TestCase):

    def test_fresh_key_matches_the_python_fresh_key_case(self):
        t = {x.id: x for x in targets_mod.load()}["fresh_get_py"]
        rows = Fixture().rows([t])
        cek = rows[FRESH.format(p="lru", k="cek", n=1024)]
        self.assertAlmostEqual(cek["speedup_vs_python"], 30.0)
        self.assertTrue(cek["checks"][0]["met"])
        # hcek is compared with the model's cek too (a fresh str/cek has
        # no cached hash in Python either)
        hcek = rows[FRESH.format(p="lru", k="hcek", n=1024)]
        self.assertAlmostEqual(hcek["speedup_vs_python"], 60.0)
        # the shared-key case is not matched with the fresh one
        f = Fixture()
        f.cpp.append(entry(GET.format(p="lru", k="cek", n=1024), 20.0))
        r = f.rows([t])[GET.format(p="lru", k="cek", n=1024)]
        self.assertEqual(r["speedup_vs_python"], derive.NA)
        self.assertEqual(r["checks"], [])


class SummaryTest(unittest.TestCase):

    def test_markdown_has_the_new_columns_and_the_request_table(self):
        f = Fixture()
        names = [e["name"] for e in f.cpp]
        run = derive.make_run(doc(f.cpp), doc(f.py),
                              case_list(names, f.hit_lines))
        rows = derive.rows(run)
        run.path = "run"
        md = summarize.markdown(run, rows, targets_mod.load())
        self.assertIn("÷ind. floor", md)
        self.assertIn("## Request (3 cases)", md)
        self.assertIn("| lru | flat | kvobj | hcek | 1024 | 32 | 0.5 | 4.00 "
                      "| 240 | 60.0× |", md)
        for t in targets_mod.load():
            self.assertIn(t.text, md)


class CaseListTest(unittest.TestCase):
    """The binary's case list gives each hit its line count, and registers
    an independent floor for each count used (needs build/evictlab_bench)."""

    BIN = os.path.join(REPO, "build", "evictlab_bench")

    @unittest.skipUnless(os.access(BIN, os.X_OK), "build/evictlab_bench")
    def test_hit_lines_have_floors(self):
        p = subprocess.run([self.BIN, "--evictlab_list_cases",
                            "--evictlab_entries=1024"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        cl = cases.load_case_list(p.stdout)
        floors = {c.name for c in cl if c.family == "MemoryFloor"}
        gets = [c for c in cl if c.family == "UpdateOnGet"]
        self.assertTrue(gets)
        for c in gets:
            self.assertIsInstance(c.hit_lines, int, c.name)
            self.assertIn(derive.independent_floor_name(1024, c.hit_lines),
                          floors, c.name)
        lines = {(c.policy, c.dict): c.hit_lines for c in gets}
        # flat: group + key, and a promotion's three links
        self.assertEqual(lines[("lru", "flat")], 5)
        self.assertEqual(lines[("fifo", "flat")], 2)
        self.assertEqual(lines[("lru", "node")], 5)
        reqs = [c for c in cl if c.family == "Request"]
        self.assertEqual(len(reqs), len(cl.policies) * 2 * 9)


if __name__ == "__main__":
    unittest.main()
