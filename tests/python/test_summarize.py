#!/usr/bin/python3
"""Tests of scripts/summarize.py on the fixture run in fixtures/run_small.

Run from the repo root:
  /usr/bin/python3 -m unittest discover -s tests/python -v
"""

import contextlib
import csv
import io
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))

import summarize  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "run_small")
G = "BM_UpdateOnGet/{p}/kvobj/cek/entries:{n}/dist:uniform"
P = "BM_UpdateOnPut/{p}/kvobj/{k}/entries:1024/evictions:1"


class SummarizeFixtureTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="summarize_test_")
        self.run_dir = os.path.join(self.tmp, "run")
        shutil.copytree(FIXTURE, self.run_dir)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def summarize(self):
        with contextlib.redirect_stdout(io.StringIO()):
            rc = summarize.main([self.run_dir])
        self.assertEqual(rc, 0)
        with open(os.path.join(self.run_dir, "summary.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(self.run_dir, "summary.md")) as f:
            md = f.read()
        return {r["name"]: r for r in rows}, md

    def test_columns(self):
        rows, _ = self.summarize()
        with open(os.path.join(self.run_dir, "summary.csv")) as f:
            header = f.readline().strip().split(",")
        self.assertEqual(header, summarize.COLUMNS)
        r = rows[G.format(p="lru", n=1024)]
        self.assertEqual((r["op"], r["policy"], r["kv"], r["key"],
                          r["entries"], r["variant"]),
                         ("UpdateOnGet", "lru", "kvobj", "cek", "1024",
                          "dist:uniform"))

    def test_ratios(self):
        rows, _ = self.summarize()
        r = rows[G.format(p="lru", n=1024)]
        # The median aggregate (100) wins over the repetitions' median (95).
        self.assertAlmostEqual(float(r["cpp_median_ns"]), 100.0)
        self.assertAlmostEqual(float(r["python_median_ns"]), 1500.0)
        self.assertAlmostEqual(float(r["speedup_vs_python"]), 15.0)
        # naive_lru has repetitions only: their median is 300.
        self.assertAlmostEqual(float(r["naive_lru_median_ns"]), 300.0)
        self.assertAlmostEqual(float(r["speedup_vs_naive"]), 3.0)
        self.assertAlmostEqual(float(r["floor_ns"]), 50.0)
        self.assertAlmostEqual(float(r["ratio_to_floor"]), 2.0)
        # lru_strict reported in microseconds: 0.12 us = 120 ns.
        s = rows[G.format(p="lru_strict", n=1024)]
        self.assertAlmostEqual(float(s["cpp_median_ns"]), 120.0)
        self.assertAlmostEqual(float(s["speedup_vs_naive"]), 2.5)
        self.assertAlmostEqual(float(s["ratio_to_floor"]), 2.4)
        p = rows[P.format(p="lru", k="cek")]
        self.assertAlmostEqual(float(p["speedup_vs_python"]), 100.0)
        g = rows["BM_GetSize/kvobj"]
        self.assertAlmostEqual(float(g["speedup_vs_python"]), 23.0)

    def test_gb_name_suffix_matches_python_name(self):
        rows, _ = self.summarize()
        r = rows["BM_GetSize/disk"]  # "BM_GetSize/disk/real_time" in C++
        self.assertAlmostEqual(float(r["speedup_vs_python"]), 25.0)

    def test_missing_and_errors_never_crash(self):
        rows, md = self.summarize()
        r = rows[G.format(p="lru", n=4096)]     # no Python, naive, floor
        for col in ("python_median_ns", "speedup_vs_python",
                    "naive_lru_median_ns", "speedup_vs_naive", "floor_ns",
                    "ratio_to_floor"):
            self.assertEqual(r[col], "n/a", col)
        p = rows[P.format(p="lru", k="cek")]    # naive_lru case missing
        self.assertEqual(p["speedup_vs_naive"], "n/a")
        e = rows[P.format(p="lru", k="str")]    # C++ case errored
        self.assertEqual(e["cpp_median_ns"], "error")
        self.assertEqual(e["speedup_vs_python"], "error")
        self.assertEqual(e["speedup_vs_naive"], "error")
        t = rows["BM_GetSize/tensor/dtype:bfloat16/rank:5/view:narrow"]
        self.assertEqual(t["python_median_ns"], "error")  # Python errored
        self.assertIn("evicted keys differ from the reference", md)

    def test_not_applicable_cells_are_blank(self):
        rows, _ = self.summarize()
        d = rows[G.format(p="dummy", n=1024)]
        self.assertEqual(d["speedup_vs_naive"], "")     # only lru, lru_strict
        self.assertAlmostEqual(float(d["ratio_to_floor"]), 0.2)
        n = rows[G.format(p="naive_lru", n=1024)]
        self.assertEqual(n["python_median_ns"], "")     # no Python naive_lru
        self.assertEqual(n["speedup_vs_naive"], "")
        f = rows["BM_MemoryFloor/entries:1024"]
        self.assertEqual((f["op"], f["entries"]), ("MemoryFloor", "1024"))
        self.assertEqual(f["speedup_vs_python"], "")
        put = rows[P.format(p="lru", k="cek")]
        self.assertEqual(put["ratio_to_floor"], "")     # UpdateOnGet only

    def test_markdown(self):
        _, md = self.summarize()
        self.assertIn("0123456789ab (dirty)", md)          # context.json
        self.assertIn("library_build_type: debug", md)
        self.assertIn("## Headline: lru, kvobj", md)
        self.assertIn("| UpdateOnGet (dist:uniform) | cek | 1024 | 100 | "
                      "1,500 | 15.0× | 3.00× | 2.00× |", md)
        self.assertIn("| UpdateOnPut (evictions:1) | cek | 1024 | 200 | "
                      "20,000 | 100× | n/a |  |", md)
        for op in ("GetSize", "UpdateOnGet", "UpdateOnPut", "MemoryFloor"):
            self.assertIn(f"## {op} (", md)
        self.assertIn("1 Python case(s) have no C++ counterpart", md)

    def test_without_python_json_or_context(self):
        os.remove(os.path.join(self.run_dir, "python.json"))
        os.remove(os.path.join(self.run_dir, "context.json"))
        rows, md = self.summarize()
        r = rows[G.format(p="lru", n=1024)]
        self.assertEqual(r["python_median_ns"], "n/a")
        self.assertAlmostEqual(float(r["speedup_vs_naive"]), 3.0)
        self.assertIn("# evictlab run `run`", md)

    def test_missing_cpp_json_is_an_error_not_a_crash(self):
        os.remove(os.path.join(self.run_dir, "cpp.json"))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(summarize.main([self.run_dir]), 1)
        self.assertIn("cpp.json: not found", err.getvalue())

    def test_parse_name(self):
        self.assertEqual(
            summarize.parse_name(
                "BM_UpdateOnPut/lru/tensor/str/entries:65536/status:illegal"),
            {"op": "UpdateOnPut", "policy": "lru", "kv": "tensor",
             "key": "str", "entries": 65536, "variant": "status:illegal"})
        self.assertEqual(summarize.parse_name("BM_GetSize/field_read")["variant"],
                         "field_read")
        self.assertEqual(
            summarize.parse_name("BM_MemoryFloor/entries:1024/real_time"),
            {"op": "MemoryFloor", "policy": "", "kv": "", "key": "",
             "entries": 1024, "variant": ""})


if __name__ == "__main__":
    unittest.main()


class MemoryTableTest(unittest.TestCase):
    """The memory section: bytes_per_entry per policy and of the Python model
    (matched through the hstr -> str mapping), from iteration entries only."""

    @staticmethod
    def entry(name, value, run_type="iteration"):
        return {"name": name, "run_name": name, "run_type": run_type,
                "bytes_per_entry": value}

    def test_columns_and_python_counterpart(self):
        name = "BM_UpdateOnGet/{p}/kvobj/{k}/entries:1024/dist:uniform"
        cpp = {"benchmarks": [
            self.entry(name.format(p="lru", k="hstr"), 24.4),
            self.entry(name.format(p="naive_lru", k="hstr"), 80.0),
            self.entry(name.format(p="lru_node", k="hstr"), 40.0),
            # aggregates and other ops are ignored
            self.entry(name.format(p="lru", k="hstr"), 999.0, "aggregate"),
            self.entry("BM_UpdateOnPut/lru/kvobj/hstr/entries:1024/"
                       "evictions:1", 999.0),
        ]}
        py = {"benchmarks": [self.entry(name.format(p="lru", k="str"), 73.5)]}
        self.assertEqual(summarize.memory_table(cpp, py),
                         [["hstr", 1024, "24", "40", "80", "74"]])

    def test_no_counters_no_table(self):
        self.assertEqual(summarize.memory_table({"benchmarks": []}, None), [])
