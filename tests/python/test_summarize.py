#!/usr/bin/python3
"""Tests of evictlab_tools/summarize.py (and the derivation under it) on the
fixture runs: fixtures/run_small has the old names (before the dict axis:
lru, naive_lru, ...), read through cases.ALIASES; fixtures/run_new has
today's names, a cases.json, a gate.json and Python cases of dict pydict.

Run from the repo root:
  PYTHONPATH=scripts /usr/bin/python3 -m unittest discover -s tests/python -v
"""

import contextlib
import csv
import glob
import io
import json
import os
import shutil
import tempfile
import unittest

from evictlab_tools import derive, summarize

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
# The old fixture's names, as the alias table renames them.
G = "BM_UpdateOnGet/{p}/dict:{d}/kvobj/cek/entries:{n}/dist:uniform"
P = "BM_UpdateOnPut/{p}/dict:{d}/kvobj/{k}/entries:1024/evictions:1"


def run_summarize(run_dir):
    with contextlib.redirect_stdout(io.StringIO()):
        rc = summarize.main([run_dir])
    assert rc == 0, rc
    with open(os.path.join(run_dir, "summary.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(run_dir, "summary.md")) as f:
        md = f.read()
    return {r["name"]: r for r in rows}, md


class FixtureCopy(unittest.TestCase):
    FIXTURE = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="summarize_test_")
        self.run_dir = os.path.join(self.tmp, "run")
        shutil.copytree(os.path.join(HERE, "fixtures", self.FIXTURE),
                        self.run_dir)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def summarize(self):
        return run_summarize(self.run_dir)


class OldNamesTest(FixtureCopy):
    FIXTURE = "run_small"

    def test_columns(self):
        rows, _ = self.summarize()
        with open(os.path.join(self.run_dir, "summary.csv")) as f:
            header = f.readline().strip().split(",")
        self.assertEqual(header, derive.COLUMNS)
        r = rows[G.format(p="lru", d="flat", n=1024)]
        self.assertEqual((r["family"], r["policy"], r["dict"], r["kv"],
                          r["key"], r["entries"], r["variant"]),
                         ("UpdateOnGet", "lru", "flat", "kvobj", "cek",
                          "1024", "dist:uniform"))
        # naive_lru is the lru policy over the naive dict
        self.assertIn(G.format(p="lru", d="naive", n=1024), rows)
        self.assertFalse([n for n in rows if "naive_lru" in n])

    def test_ratios(self):
        rows, _ = self.summarize()
        r = rows[G.format(p="lru", d="flat", n=1024)]
        # The median aggregate (100) wins over the repetitions' median (95).
        self.assertAlmostEqual(float(r["cpp_median_ns"]), 100.0)
        self.assertAlmostEqual(float(r["python_median_ns"]), 1500.0)
        self.assertAlmostEqual(float(r["speedup_vs_python"]), 15.0)
        # naive_lru has repetitions only: their median is 300.
        self.assertAlmostEqual(float(r["naive_median_ns"]), 300.0)
        self.assertAlmostEqual(float(r["speedup_vs_naive"]), 3.0)
        self.assertAlmostEqual(float(r["floor_ns"]), 50.0)
        self.assertAlmostEqual(float(r["ratio_to_floor"]), 2.0)
        # lru_strict reported in microseconds: 0.12 us = 120 ns.
        s = rows[G.format(p="lru_strict", d="flat", n=1024)]
        self.assertAlmostEqual(float(s["cpp_median_ns"]), 120.0)
        self.assertAlmostEqual(float(s["ratio_to_floor"]), 2.4)
        # ×naive compares the same policy over dict:naive: there is no
        # lru_strict over the naive dict in this run.
        self.assertEqual(s["speedup_vs_naive"], "n/a")
        p = rows[P.format(p="lru", d="flat", k="cek")]
        self.assertAlmostEqual(float(p["speedup_vs_python"]), 100.0)
        g = rows["BM_GetSize/kvobj"]
        self.assertAlmostEqual(float(g["speedup_vs_python"]), 23.0)

    def test_gb_name_suffix_matches_python_name(self):
        rows, _ = self.summarize()
        r = rows["BM_GetSize/disk"]  # "BM_GetSize/disk/real_time" in C++
        self.assertAlmostEqual(float(r["speedup_vs_python"]), 25.0)

    def test_missing_and_errors_never_crash(self):
        rows, md = self.summarize()
        r = rows[G.format(p="lru", d="flat", n=4096)]  # no Python, naive..
        for col in ("python_median_ns", "speedup_vs_python",
                    "naive_median_ns", "speedup_vs_naive", "floor_ns",
                    "ratio_to_floor"):
            self.assertEqual(r[col], "n/a", col)
        p = rows[P.format(p="lru", d="flat", k="cek")]  # no naive case
        self.assertEqual(p["speedup_vs_naive"], "n/a")
        e = rows[P.format(p="lru", d="flat", k="str")]  # C++ case errored
        self.assertEqual(e["cpp_median_ns"], "error")
        self.assertEqual(e["speedup_vs_python"], "error")
        self.assertEqual(e["speedup_vs_naive"], "error")
        t = rows["BM_GetSize/tensor/dtype:bfloat16/rank:5/view:narrow"]
        self.assertEqual(t["python_median_ns"], "error")  # Python errored
        self.assertIn("evicted keys differ from the reference", md)

    def test_not_applicable_cells_are_blank(self):
        rows, _ = self.summarize()
        d = rows[G.format(p="dummy", d="flat", n=1024)]
        self.assertAlmostEqual(float(d["ratio_to_floor"]), 0.2)
        self.assertAlmostEqual(float(d["speedup_vs_python"]), 3.0)
        n = rows[G.format(p="lru", d="naive", n=1024)]
        self.assertEqual(n["python_median_ns"], "")   # not the default dict
        self.assertEqual(n["speedup_vs_naive"], "")   # it is the naive dict
        f = rows["BM_MemoryFloor/entries:1024"]
        self.assertEqual((f["family"], f["entries"]), ("MemoryFloor", "1024"))
        self.assertEqual(f["speedup_vs_python"], "")
        put = rows[P.format(p="lru", d="flat", k="cek")]
        self.assertEqual(put["ratio_to_floor"], "")   # UpdateOnGet only

    def test_markdown(self):
        _, md = self.summarize()
        self.assertIn("0123456789ab (dirty)", md)          # context.json
        self.assertIn("library_build_type: debug", md)
        self.assertIn("## Headline: lru, dict:flat, kvobj", md)
        self.assertIn("| UpdateOnGet (dist:uniform) | cek | 1024 | 100 | "
                      "1,500 | 15.0× | 3.00× | 2.00× |", md)
        self.assertIn("| UpdateOnPut (evictions:1) | cek | 1024 | 200 | "
                      "20,000 | 100× | n/a |  |", md)
        for fam in ("GetSize", "UpdateOnGet", "UpdateOnPut", "MemoryFloor"):
            self.assertIn(f"## {fam} (", md)
        self.assertIn("1 Python case(s) have no C++ counterpart", md)
        self.assertIn("| GetSize tensor ≤ 2× kvobj | met |", md)

    def test_without_python_json_or_context(self):
        os.remove(os.path.join(self.run_dir, "python.json"))
        os.remove(os.path.join(self.run_dir, "context.json"))
        rows, md = self.summarize()
        r = rows[G.format(p="lru", d="flat", n=1024)]
        self.assertEqual(r["python_median_ns"], "n/a")
        self.assertAlmostEqual(float(r["speedup_vs_naive"]), 3.0)
        self.assertIn("# evictlab run `run`", md)

    def test_missing_cpp_json_is_an_error_not_a_crash(self):
        os.remove(os.path.join(self.run_dir, "cpp.json"))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(summarize.main([self.run_dir]), 1)
        self.assertIn("cpp.json", err.getvalue())


class NewNamesTest(FixtureCopy):
    FIXTURE = "run_new"
    G = "BM_UpdateOnGet/{p}/dict:{d}/kvobj/hstr/entries:{n}/dist:uniform"
    P = "BM_UpdateOnPut/{p}/dict:{d}/kvobj/hstr/entries:{n}/evictions:1"

    def test_python_pydict_rows_match_the_default_dict(self):
        rows, _ = self.summarize()
        r = rows[self.G.format(p="lru", d="flat", n=1024)]
        self.assertAlmostEqual(float(r["python_median_ns"]), 60.0)  # str
        self.assertAlmostEqual(float(r["speedup_vs_python"]), 12.0)
        self.assertEqual(rows[self.G.format(p="lru", d="absl", n=1024)]
                         ["speedup_vs_python"], "")
        self.assertFalse([n for n in rows if "pydict" in n])

    def test_naive_axis_and_registered_but_missing(self):
        rows, _ = self.summarize()
        self.assertAlmostEqual(float(rows[self.G.format(
            p="lru", d="absl", n=1024)]["speedup_vs_naive"]), 2.0)
        self.assertAlmostEqual(float(rows[self.G.format(
            p="fifo", d="flat", n=1024)]["speedup_vs_naive"]), 2.0)
        self.assertEqual(rows[self.G.format(p="mru", d="flat", n=1024)]
                         ["speedup_vs_naive"], "n/a")

    def test_units_suffixes_gate_and_put_vs_get(self):
        rows, _ = self.summarize()
        big = rows[self.G.format(p="lru", d="flat", n=1048576)]
        self.assertAlmostEqual(float(big["cpp_median_ns"]), 90.0)  # 0.09 us
        self.assertAlmostEqual(float(big["ratio_to_floor"]), 0.45)
        small = rows[self.G.format(p="lru", d="flat", n=1024)]
        # the floor ran with /iterations:2048
        self.assertAlmostEqual(float(small["ratio_to_floor"]), 1.25)
        self.assertAlmostEqual(float(small["ir_per_op"]), 70.1)
        put = rows[self.P.format(p="lru", d="flat", n=1024)]
        self.assertAlmostEqual(float(put["ratio_to_get"]), 10.0)
        # gate.json named it the old way
        self.assertAlmostEqual(float(put["ir_per_op"]), 632.6)
        t = rows["BM_GetSize/tensor/dtype:bfloat16/rank:1/view:narrow"]
        self.assertAlmostEqual(float(t["ratio_to_kvobj"]), 2.5)

    def test_order_follows_the_registry(self):
        rows, _ = self.summarize()
        gets = [n for n in rows if n.startswith("BM_UpdateOnGet/")
                and "entries:1024/" in n]
        self.assertEqual(gets, [
            self.G.format(p=p, d=d, n=1024) for p, d in (
                ("lru", "flat"), ("lru", "absl"), ("lru", "naive"),
                ("fifo", "flat"), ("fifo", "naive"), ("mru", "flat"))])

    def test_targets_in_markdown(self):
        _, md = self.summarize()
        self.assertIn("| get ≥ 10× Python at 2^10–2^14 | met | 12.0 × "
                      "Python", md)
        self.assertIn("| GetSize tensor ≤ 2× kvobj | not met | 2.50 ×", md)
        self.assertIn("| put ≥ 5× Python at 2^20 | not checked |  | "
                      "1 missing |", md)
        self.assertIn("| key | entries | flat | naive | Python |", md)
        self.assertIn("| hstr | 1024 | 24 | 90 | 73 |", md)


class HistoryTest(unittest.TestCase):
    """Every committed run directory (old names) still summarizes."""

    def test_every_committed_run(self):
        # Benchmark runs only (as the dashboard reads them): a run dir with
        # a cpp.json, not e.g. scripts/simspeed's *_simspeed dirs.
        runs = sorted(glob.glob(os.path.join(REPO, "results", "runs", "*",
                                             "cpp.json")))
        runs = [os.path.dirname(p) for p in runs]
        self.assertTrue(runs)
        for run_dir in runs:
            with self.subTest(run=os.path.basename(run_dir)):
                run = derive.load(run_dir)
                rows = derive.rows(run)
                self.assertEqual(len(rows), len(run.cpp))
                self.assertEqual(run.case_list.default_dict, "flat")
                heads = [r for r in rows if r["name"] ==
                         "BM_UpdateOnGet/lru/dict:flat/kvobj/cek/"
                         "entries:1024/dist:uniform"]
                self.assertEqual(len(heads), 1)
                self.assertIsInstance(heads[0]["speedup_vs_python"], float)
                self.assertIsInstance(heads[0]["speedup_vs_naive"], float)

    def test_headline_of_the_readme_run(self):
        # README's headline (run 20261129T152206Z_5217b3e): hstr get at 2^20
        # 86.4 ns, 7.33x Python, 2.43x naive_lru, 0.43x floor.
        run = derive.load(os.path.join(REPO, "results", "runs",
                                       "20261129T152206Z_5217b3e"))
        r = next(r for r in derive.rows(run) if r["name"] ==
                 "BM_UpdateOnGet/lru/dict:flat/kvobj/hstr/entries:1048576/"
                 "dist:uniform")
        self.assertEqual(f"{r['cpp_median_ns']:.1f}", "86.4")
        self.assertEqual(f"{r['speedup_vs_python']:.2f}", "7.33")
        self.assertEqual(f"{r['speedup_vs_naive']:.2f}", "2.43")
        self.assertEqual(f"{r['ratio_to_floor']:.2f}", "0.43")


class SimulateTest(unittest.TestCase):
    """BM_Simulate and its floor (bench/simulate_benchmarks.cc): a run
    without cases.json, so the names go through cases.parse_name."""
    S = "BM_Simulate/{p}/trace:{t}/cache:{c}"
    F = "BM_SimulateFloor/trace:{t}/cache:{c}"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="summarize_sim_test_")

        def entry(name, ms, counters=None, error=None):
            e = {"name": name, "run_name": name, "run_type": "iteration",
                 "repetitions": 1, "repetition_index": 0, "threads": 1,
                 "iterations": 10, "real_time": ms, "cpu_time": ms,
                 "time_unit": "ms"}
            e.update(counters or {})
            if error:
                e.update(error_occurred=True, error_message=error)
            return e
        n = 100000   # requests per trace: 10 ms = 10 M req/s
        bms = [entry(self.S.format(p="lru", t="cloudphysics", c="128MiB"),
                     5.0, {"items_per_second": n / 5e-3,
                           "miss_ratio": 0.82, "n_miss": 82000.0}),
               entry(self.S.format(p="fifo", t="cloudphysics", c="128MiB"),
                     10.0, {"items_per_second": n / 10e-3,
                            "miss_ratio": 0.85, "n_miss": 85000.0}),
               entry(self.S.format(p="lru", t="zipf1.0", c="40MiB"), 20.0,
                     {"items_per_second": n / 20e-3, "miss_ratio": 0.25}),
               entry(self.S.format(p="fifo", t="zipf1.0", c="40MiB"), 0.0,
                     error="fifo: two replays differ"),
               entry(self.F.format(t="cloudphysics", c="128MiB"), 1.0,
                     {"items_per_second": n / 1e-3, "found_ratio": 0.18})]
        with open(os.path.join(self.tmp, "cpp.json"), "w") as f:
            json.dump({"context": {}, "benchmarks": bms}, f)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_rows_and_policy_by_trace_table(self):
        rows, md = run_summarize(self.tmp)
        lru = rows[self.S.format(p="lru", t="cloudphysics", c="128MiB")]
        self.assertEqual((lru["family"], lru["policy"], lru["dict"],
                          lru["variant"]),
                         ("Simulate", "lru", "",
                          "trace:cloudphysics/cache:128MiB"))
        self.assertAlmostEqual(float(lru["req_per_s"]), 2e7)
        self.assertAlmostEqual(float(lru["miss_ratio"]), 0.82)
        self.assertAlmostEqual(float(lru["floor_ns"]), 1e6)
        self.assertAlmostEqual(float(lru["ratio_to_floor"]), 5.0)
        # no floor was run for zipf; the errored case says so
        self.assertEqual(rows[self.S.format(p="lru", t="zipf1.0",
                                            c="40MiB")]["ratio_to_floor"],
                         "n/a")
        bad = rows[self.S.format(p="fifo", t="zipf1.0", c="40MiB")]
        self.assertEqual((bad["req_per_s"], bad["miss_ratio"]),
                         ("error", "error"))
        floor = rows[self.F.format(t="cloudphysics", c="128MiB")]
        self.assertEqual((floor["policy"], floor["miss_ratio"]), ("", ""))
        self.assertAlmostEqual(float(floor["req_per_s"]), 1e8)
        self.assertIn("| policy | cloudphysics 128MiB M req/s | miss ratio | "
                      "÷floor | zipf1.0 40MiB M req/s | miss ratio | ÷floor |",
                      md)
        self.assertIn("| lru | 20.0 | 0.8200 | 5.00× | 5.00 | 0.2500 | n/a |",
                      md)
        self.assertIn("| fifo | 10.0 | 0.8500 | 10.0× | error | error | "
                      "error |", md)
        self.assertIn("## SimulateFloor (1 case)", md)
        self.assertIn("| cloudphysics | 128MiB | 100 | 1.00 |", md)


if __name__ == "__main__":
    unittest.main()
