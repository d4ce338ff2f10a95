#!/usr/bin/python3
"""Unit tests of scripts/dashboard on the fixtures in fixtures/results/.

Run: /usr/bin/python3 -m unittest discover -s tests/dashboard -v
(or /usr/bin/python3 tests/dashboard/test_dashboard.py). Standard library only.
The fixtures are made by make_fixtures.py (deterministic); see its docstring
for what is planted in them.
"""

import importlib.machinery
import importlib.util
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(REPO, "scripts", "dashboard")
FIXTURES = os.path.join(HERE, "fixtures", "results")


def load_dashboard():
    loader = importlib.machinery.SourceFileLoader("evictlab_dashboard", SCRIPT)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


dash = load_dashboard()

REGRESSION = "BM_UpdateOnGet/lru/kvobj/cek/entries:1048576/dist:uniform"
NOISY = "BM_UpdateOnPut/lru/kvobj/cek/entries:65536/evictions:1"
PENDING = "BM_UpdateOnGet/naive_lru/kvobj/cek/entries:16384/dist:uniform"
ERRORED = "BM_UpdateOnPut/naive_lru/kvobj/cek/entries:1048576/evictions:8"


def gbench(benchmarks, context=None):
    return {"context": context or {}, "benchmarks": benchmarks}


def it(name, t, rep=0, unit="ns", **kw):
    d = {"name": name, "run_name": name, "run_type": "iteration",
         "repetitions": 3, "repetition_index": rep, "threads": 1,
         "iterations": 1000, "real_time": t, "cpu_time": t * 0.9,
         "time_unit": unit}
    d.update(kw)
    return d


def agg(name, which, t, unit="ns"):
    return {"name": name + "_" + which, "run_name": name,
            "run_type": "aggregate", "repetitions": 3, "threads": 1,
            "aggregate_name": which,
            "aggregate_unit": "percentage" if which == "cv" else "time",
            "iterations": 3, "real_time": t, "cpu_time": t, "time_unit": unit}


class NameTest(unittest.TestCase):
    def test_parse_update_on_get(self):
        c = dash.parse_case(
            "BM_UpdateOnGet/lru/kvobj/cek/entries:1024/dist:uniform")
        self.assertEqual(c, {"family": "UpdateOnGet", "policy": "lru",
                             "kv": "kvobj", "key": "cek", "entries": 1024,
                             "dist": "uniform"})

    def test_parse_update_on_put_variants(self):
        c = dash.parse_case(
            "BM_UpdateOnPut/naive_lru/disk/str/entries:65536/evictions:8")
        self.assertEqual((c["policy"], c["kv"], c["key"], c["entries"],
                          c["evictions"], c["variant"]),
                         ("naive_lru", "disk", "str", 65536, 8, "evictions:8"))
        c = dash.parse_case(
            "BM_UpdateOnPut/lru/kvobj/cek/entries:1024/status:illegal")
        self.assertEqual(c["variant"], "status:illegal")

    def test_parse_getsize_and_floor(self):
        c = dash.parse_case(
            "BM_GetSize/tensor/dtype:bfloat16/rank:5/view:narrow")
        self.assertEqual((c["family"], c["kv"], c["dtype"], c["rank"],
                          c["view"]), ("GetSize", "tensor", "bfloat16", 5,
                                       "narrow"))
        self.assertEqual(dash.parse_case("BM_MemoryFloor/entries:4096"),
                         {"family": "MemoryFloor", "entries": 4096})

    def test_case_name_drops_setting_suffixes(self):
        self.assertEqual(dash.case_name("BM_GetSize/kvobj/repeats:5"),
                         "BM_GetSize/kvobj")
        self.assertEqual(dash.case_name("BM_GetSize/kvobj/threads:1"),
                         "BM_GetSize/kvobj")
        self.assertEqual(
            dash.case_name("BM_MemoryFloor/entries:1024/min_time:0.010/"
                           "real_time"), "BM_MemoryFloor/entries:1024")


class GbenchTest(unittest.TestCase):
    def test_median_aggregate_and_spread(self):
        n = "BM_GetSize/kvobj"
        doc = gbench([it(n, 1.0, 0), it(n, 3.0, 1), it(n, 2.5, 2),
                      agg(n, "mean", 2.1667), agg(n, "median", 2.5),
                      agg(n, "stddev", 1.04), agg(n, "cv", 0.48)])
        st = dash.parse_gbench(doc)[n]
        self.assertEqual(st["median"], 2.5)
        self.assertEqual((st["min"], st["max"], st["n"]), (1.0, 3.0, 3))
        self.assertAlmostEqual(st["cv"], 0.48)

    def test_records_without_run_name(self):
        n = "BM_GetSize/disk"
        recs = [it(n, 1.0, 0), it(n, 2.0, 1), it(n, 9.0, 2),
                agg(n, "median", 2.0), agg(n, "mean", 4.0)]
        for r in recs:
            del r["run_name"]
        st = dash.parse_gbench(gbench(recs))
        self.assertEqual(list(st), [n])
        self.assertEqual((st[n]["median"], st[n]["mean"]), (2.0, 4.0))

    def test_time_units_and_cpu_time(self):
        n = "BM_UpdateOnPut/lru/kvobj/cek/entries:1048576/evictions:1"
        doc = gbench([it(n, 0.5, 0, "us"), it(n, 0.7, 1, "us")])
        st = dash.parse_gbench(doc)[n]
        self.assertAlmostEqual(st["median"], 600.0)
        self.assertAlmostEqual(st["min"], 500.0)
        st = dash.parse_gbench(doc, "cpu_time")[n]
        self.assertAlmostEqual(st["median"], 540.0)

    def test_single_run_without_repetitions(self):
        n = "BM_MemoryFloor/entries:1024"
        st = dash.parse_gbench(gbench([it(n, 1.5)]))[n]
        self.assertEqual((st["median"], st["min"], st["max"], st["n"]),
                         (1.5, 1.5, 1.5, 1))

    def test_error_and_counters(self):
        e = "BM_UpdateOnGet/lru/disk/cek/entries:1024/dist:zipf"
        n = "BM_UpdateOnPut/lru/disk/cek/entries:1024/evictions:8"
        doc = gbench([it(e, 0, error_occurred=True, error_message="wrong"),
                      it(n, 10, evictions=8, bytes_per_entry=120,
                         items_per_second=1e8)])
        out = dash.parse_gbench(doc)
        self.assertEqual(out[e], {"error": "wrong"})
        self.assertEqual((out[n]["evictions"], out[n]["bytes_per_entry"]),
                         (8, 120))


class FixtureRunsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.runs = dash.load_runs(FIXTURES)
        cls.latest = cls.runs[-1]

    def test_runs_in_commit_order(self):
        self.assertEqual([r["sha7"] for r in self.runs],
                         ["3f9a1c2", "8b7d4e0", "c41e9a7", "51d0b3f",
                          "e07f6a9"])
        self.assertEqual([r["seq"] for r in self.runs], [1, 2, 3, 4, 5])
        self.assertEqual(self.latest["message"],
                         "ci: run the gate on every push")

    def test_context(self):
        r = self.latest
        self.assertEqual(r["library_build_type"], "debug")
        self.assertEqual(r["profile"], "full")
        labels = dict(r["highlights"])
        self.assertEqual(labels["library_build_type"], "debug")
        self.assertIn("12.2.0", labels["compiler"])
        self.assertIn("benchmark 1.7.1", labels["libraries"])
        self.assertIn("Xeon", labels["CPU"])
        self.assertEqual(labels["Python model"],
                         "Python 3.11.2, torch 2.1.2, numpy 1.24.2")
        self.assertEqual(r["context"]["python.library_build_type"], "python")
        # Google Benchmark's own context is merged in.
        self.assertEqual(r["context"]["num_cpus"], 2)
        self.assertFalse(self.runs[0]["has_gate"])
        self.assertTrue(self.latest["has_gate"])

    def test_charts_of_latest_run(self):
        charts = dash.chart_specs(self.latest)
        counts = {c["id"]: len(c["series"]) for c in charts}
        self.assertEqual(counts, {
            "updateonget-dist-uniform": 9, "updateonget-dist-zipf": 4,
            "updateonput-evictions-1": 9, "updateonput-evictions-0": 3,
            "updateonput-evictions-8": 3, "updateonput-status-illegal": 2})
        uni = charts[0]
        self.assertEqual(uni["x"], [10, 12, 14, 16, 18, 20])
        labels = [s["label"] for s in uni["series"]]
        self.assertEqual(labels[0], "lru · kvobj · cek")
        self.assertIn("naive_lru · kvobj · cek", labels)
        self.assertIn("Python lru · kvobj · cek", labels)
        self.assertTrue(labels[-1].startswith("MemoryFloor"))
        for c in charts:
            self.assertEqual(c["series"][-1]["policy"], "floor")
        lru = uni["series"][0]
        self.assertEqual(lru["cases"][0],
                         "BM_UpdateOnGet/lru/kvobj/cek/entries:1024/"
                         "dist:uniform")
        med, lo, hi = lru["data"][0]
        self.assertTrue(lo <= med <= hi)

    def test_failed_case_is_not_charted(self):
        ev8 = [c for c in dash.chart_specs(self.latest)
               if c["id"] == "updateonput-evictions-8"][0]
        naive = [s for s in ev8["series"] if s["policy"] == "naive_lru"][0]
        self.assertIsNone(naive["data"][-1])

    def test_ratio_rows_worst_first(self):
        rows = dash.ratio_rows(self.latest)
        self.assertEqual(rows[0]["case"], ERRORED)
        self.assertIn("error", rows[0])
        margins = [min(x["margin"] for x in r["checks"]) for r in rows
                   if r["checks"]]
        self.assertEqual(margins, sorted(margins))
        first_met = next(i for i, r in enumerate(rows) if r["checks"] and all(
            x["met"] for x in r["checks"]))
        self.assertTrue(all(not all(x["met"] for x in r["checks"])
                            for r in rows[1:first_met]))
        # Rows without targets come after every row with one.
        kinds = [bool(r["checks"]) for r in rows[1:]]
        self.assertEqual(kinds, sorted(kinds, reverse=True))

    def test_ratio_values_and_targets(self):
        rows = {r["case"]: r for r in dash.ratio_rows(self.latest)}
        r = rows["BM_UpdateOnGet/lru/kvobj/cek/entries:1024/dist:uniform"]
        self.assertAlmostEqual(r["speedup_py"], r["py_ns"] / r["ns"])
        self.assertAlmostEqual(r["speedup_naive"], r["naive_ns"] / r["ns"])
        self.assertIsNotNone(r["vs_floor"])
        self.assertIsNotNone(r["ir"])
        (chk,) = r["checks"]
        self.assertEqual((chk["target"], chk["op"], chk["threshold"],
                          chk["met"]), ("get_small_py", ">=", 10, True))
        r = rows["BM_UpdateOnGet/lru/kvobj/str/entries:16384/dist:uniform"]
        self.assertFalse(r["checks"][0]["met"])
        r = rows[REGRESSION]
        self.assertEqual({x["target"] for x in r["checks"]},
                         {"get_2_20_py", "get_2_20_floor", "get_2_20_naive"})
        r = rows["BM_UpdateOnPut/lru/kvobj/cek/entries:1048576/evictions:1"]
        self.assertEqual({x["target"] for x in r["checks"]},
                         {"put_2_20_py", "put_vs_get"})
        get = rows[REGRESSION]
        self.assertAlmostEqual(r["vs_get"], r["ns"] / get["ns"])
        r = rows["BM_GetSize/bytearray"]
        self.assertEqual(r["checks"][0]["target"], "getsize_field")
        self.assertFalse(r["checks"][0]["met"])
        r = rows["BM_GetSize/tensor/dtype:bfloat16/rank:1/view:contiguous"]
        self.assertEqual(r["checks"][0]["target"], "getsize_tensor")
        self.assertTrue(r["checks"][0]["met"])
        self.assertEqual(rows["BM_GetSize/field_read"]["checks"], [])
        # lru/kvobj/str has no naive_lru twin in the fixture: reported n/a.
        self.assertEqual(rows["BM_UpdateOnGet/lru/kvobj/str/entries:1048576/"
                              "dist:uniform"]["missing"],
                         [{"target": "get_2_20_naive",
                           "what": "× vs naive_lru"}])

    def test_hashed_keys_compare_with_python_str_and_cek(self):
        def st(ns):
            return {"median": ns, "min": ns, "max": ns, "n": 3}
        get = "BM_UpdateOnGet/{p}/kvobj/{k}/entries:1024/dist:uniform"
        run = {"cpp": {get.format(p="lru", k="hstr"): st(5.0),
                       get.format(p="lru", k="hcek"): st(4.0),
                       "BM_GetSize/field_read": st(1.0),
                       "BM_GetSize/kvobj": st(1.2),
                       "BM_GetSize/kvobj/dispatch:visit": st(3.0)},
               "py": {get.format(p="lru", k="str"): st(60.0),
                      get.format(p="lru", k="cek"): st(20.0)},
               "gate": {}}
        rows = {r["case"]: r for r in dash.ratio_rows(run)}
        hstr = rows[get.format(p="lru", k="hstr")]
        self.assertEqual((hstr["py_ns"], hstr["speedup_py"]), (60.0, 12.0))
        self.assertTrue(hstr["checks"][0]["met"])
        hcek = rows[get.format(p="lru", k="hcek")]
        self.assertEqual(hcek["speedup_py"], 5.0)
        self.assertFalse(hcek["checks"][0]["met"])
        # The losing dispatch variants are measured, not held to targets.
        self.assertEqual(rows["BM_GetSize/kvobj/dispatch:visit"]["checks"], [])
        self.assertTrue(rows["BM_GetSize/kvobj"]["checks"][0]["met"])

    def test_target_summary(self):
        s = {t["target"]: t for t in dash.target_summary(
            dash.ratio_rows(self.latest))}
        self.assertEqual(len(s), 9)
        self.assertEqual((s["get_small_py"]["n"], s["get_small_py"]["met"]),
                         (6, 3))
        self.assertEqual((s["put_vs_get"]["n"], s["put_vs_get"]["met"]),
                         (18, 18))
        self.assertEqual(s["getsize_field"]["worst_case"],
                         "BM_GetSize/bytearray")

    def test_history_flags_only_the_planted_changes(self):
        h = dash.history(self.runs)
        flagged = {n for n, x in h.items()
                   if x["ns_changes"] or x.get("ir_changes")}
        self.assertEqual(flagged, {REGRESSION})
        (c,) = h[REGRESSION]["ns_changes"]
        self.assertEqual((c["index"], c["kind"]), (3, "regression"))
        self.assertAlmostEqual(c["ratio"], 1.3, delta=0.06)
        (c,) = h[REGRESSION]["ir_changes"]
        self.assertEqual((c["index"], c["kind"]), (3, "regression"))
        self.assertAlmostEqual(c["ratio"], 1.22, delta=0.01)
        self.assertIsNone(h[REGRESSION]["ir"][0])  # run 1 had no gate
        # One noisy run is not a change, nor pending (it is not the last).
        self.assertEqual(h[NOISY]["ns_changes"], [])
        self.assertIsNone(h[NOISY]["ns_pending"])
        pend = {n for n, x in h.items() if x["ns_pending"]}
        self.assertEqual(pend, {PENDING})
        self.assertEqual(h[PENDING]["ns_pending"]["index"], 4)
        # Cases only in the full run have one point.
        one = h["BM_UpdateOnGet/lru/tensor/cek/entries:4096/dist:uniform"]
        self.assertEqual(sum(v is not None for v in one["ns"]), 1)

    def test_profiles(self):
        names = set(self.latest["cpp"])
        ps = dash.load_profiles(FIXTURES, sorted(names))
        self.assertEqual(len(ps), 1)
        self.assertEqual(ps[0]["case"], REGRESSION)
        self.assertEqual(ps[0]["files"], ["flame.html", "perf.folded"])


def noisy(rng, level, n, rel):
    return [level * math.exp(rng.gauss(0, rel)) for _ in range(n)]


class ChangePointTest(unittest.TestCase):
    def test_flat_noise_has_no_change(self):
        for seed in range(20):
            rng = random.Random(seed)
            r = dash.detect_changes(noisy(rng, 100, 40, 0.02))
            self.assertEqual(r["changes"], [], "seed %d" % seed)

    def test_step_up_is_a_regression_at_the_right_run(self):
        rng = random.Random(1)
        v = noisy(rng, 100, 12, 0.02) + noisy(rng, 125, 8, 0.02)
        (c,) = dash.detect_changes(v)["changes"]
        self.assertEqual((c["index"], c["kind"]), (12, "regression"))
        self.assertAlmostEqual(c["ratio"], 1.25, delta=0.04)

    def test_step_down_is_an_improvement(self):
        rng = random.Random(2)
        v = noisy(rng, 200, 6, 0.01) + noisy(rng, 120, 6, 0.01)
        (c,) = dash.detect_changes(v)["changes"]
        self.assertEqual((c["index"], c["kind"]), (6, "improvement"))

    def test_two_steps(self):
        rng = random.Random(3)
        v = (noisy(rng, 100, 8, 0.01) + noisy(rng, 150, 8, 0.01)
             + noisy(rng, 110, 8, 0.01))
        cs = dash.detect_changes(v)["changes"]
        self.assertEqual([(c["index"], c["kind"]) for c in cs],
                         [(8, "regression"), (16, "improvement")])

    def test_one_noisy_point_is_never_a_change(self):
        base = [100, 101, 99, 100, 102, 100, 99, 101]
        for i in range(len(base)):
            for factor in (1.5, 3.0, 0.5):
                v = list(base)
                v[i] *= factor
                r = dash.detect_changes(v)
                self.assertEqual(r["changes"], [], (i, factor))

    def test_last_point_jump_is_pending_until_confirmed(self):
        v = [100, 101, 99, 100, 102, 100, 130]
        r = dash.detect_changes(v)
        self.assertEqual(r["changes"], [])
        self.assertEqual((r["pending"]["index"], r["pending"]["kind"]),
                         (6, "regression"))
        r = dash.detect_changes(v + [131])
        (c,) = r["changes"]
        self.assertEqual(c["index"], 6)
        self.assertIsNone(r["pending"])

    def test_step_smaller_than_min_effect_is_ignored(self):
        v = [100.0] * 10 + [103.0] * 10  # noiseless, 3 % < 5 %
        self.assertEqual(dash.detect_changes(v)["changes"], [])
        (c,) = dash.detect_changes(v, min_effect=0.02)["changes"]
        self.assertEqual(c["index"], 10)

    def test_step_within_noise_is_ignored(self):
        rng = random.Random(4)
        v = noisy(rng, 100, 6, 0.10) + noisy(rng, 108, 6, 0.10)
        self.assertEqual(dash.detect_changes(v)["changes"], [])

    def test_within_run_noise_raises_the_bar(self):
        v = [100, 100.5, 99.5, 100, 108, 108.5, 107.5, 108]
        self.assertEqual(len(dash.detect_changes(v)["changes"]), 1)
        self.assertEqual(dash.detect_changes(v, rel_noise=0.08)["changes"],
                         [])

    def test_missing_runs_keep_positions(self):
        v = [100, None, 101, 99, None, 130, 131, None, 130]
        r = dash.detect_changes(v)
        (c,) = r["changes"]
        self.assertEqual(c["index"], 5)
        self.assertIsNone(r["levels"][1])
        self.assertAlmostEqual(r["levels"][8], 130, delta=1)

    def test_short_and_degenerate_series(self):
        self.assertEqual(dash.detect_changes([])["changes"], [])
        self.assertEqual(dash.detect_changes([None, None])["changes"], [])
        self.assertEqual(dash.detect_changes([100, 200, 200])["changes"], [])
        r = dash.detect_changes([5.0] * 10)
        self.assertEqual(r["changes"], [])
        self.assertEqual(r["sigma"], dash.CP_NOISE_FLOOR)
        self.assertEqual(dash.detect_changes([0, -1, 5, 5])["changes"], [])

    def test_segmentation_matches_brute_force(self):
        # The pruned dynamic programme finds the same optimum as trying every
        # partition (segments >= 2) on small random series.
        import itertools
        rng = random.Random(5)

        def cost(ys):
            m = sum(ys) / len(ys)
            return sum((y - m) ** 2 for y in ys)
        for trial in range(60):
            n = rng.randint(4, 10)
            ys = [rng.choice([0.0, 0.3, 0.5]) + rng.gauss(0, 0.05)
                  for _ in range(n)]
            pen = rng.choice([0.001, 0.01, 0.05, 0.2])
            best = None
            for k in range(0, n):
                for cuts in itertools.combinations(range(2, n - 1), k):
                    b = (0,) + cuts + (n,)
                    if any(y - x < 2 for x, y in zip(b, b[1:])):
                        continue
                    c = sum(cost(ys[x:y]) for x, y in zip(b, b[1:])) \
                        + pen * k
                    if best is None or c < best[0] - 1e-12:
                        best = (c, list(b[:-1]))
            got = dash._segment(ys, pen, 2)
            got_cost = sum(cost(ys[x:y]) for x, y in zip(
                got, got[1:] + [n])) + pen * (len(got) - 1)
            self.assertAlmostEqual(got_cost, best[0], places=9,
                                   msg="trial %d" % trial)


class SiteTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dashboard-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def read_data(self, out):
        with open(os.path.join(out, "data.js"), encoding="utf-8") as f:
            s = f.read()
        self.assertTrue(s.startswith("window.EVICTLAB_DATA = "))
        return json.loads(s[len("window.EVICTLAB_DATA = "):].rstrip()
                          .rstrip(";"))

    def test_cli_builds_a_self_contained_site(self):
        out = os.path.join(self.tmp, "site")
        p = subprocess.run(["/usr/bin/python3", SCRIPT, "--results", FIXTURES,
                            "--out", out], capture_output=True, text=True,
                           check=True)
        self.assertEqual(p.stdout.strip(), os.path.join(out, "index.html"))
        for f in ("index.html", "ratios.html", "history.html",
                  "profiles.html", "data.js", "assets/dashboard.js",
                  "assets/errors.js", "assets/dashboard.css",
                  "assets/vendor/uPlot.iife.min.js",
                  "assets/vendor/uPlot.min.css", "assets/vendor/LICENSE",
                  "profiles/BM_UpdateOnGet_lru_kvobj_cek_entries_1048576_"
                  "dist_uniform/flame.html"):
            self.assertTrue(os.path.isfile(os.path.join(out, f)), f)
        self.assertFalse(os.path.exists(os.path.join(
            out, "profiles/BM_UpdateOnGet_lru_kvobj_cek_entries_1048576_"
            "dist_uniform/perf.data")))
        d = self.read_data(out)
        self.assertEqual(len(d["runs"]), 5)
        self.assertEqual(len(d["ratios"][d["runs"][-1]["id"]]), 120)
        # Nothing is loaded from elsewhere: every src/href in the pages is
        # relative, and the scripts fetch nothing.
        for page in ("index.html", "ratios.html", "history.html",
                     "profiles.html"):
            with open(os.path.join(out, page)) as f:
                refs = re.findall(r'(?:src|href)="([^"]+)"', f.read())
            self.assertTrue(refs)
            for ref in refs:
                self.assertNotRegex(ref, r"^(https?:)?//", page)
        with open(os.path.join(out, "assets", "dashboard.js")) as f:
            js = f.read()
        self.assertNotIn("fetch(", js)
        self.assertNotIn("XMLHttpRequest", js)

    @unittest.skipUnless(shutil.which("node"), "node not installed")
    def test_javascript_parses(self):
        # A quick syntax check; tests/dashboard/e2e.py runs it in Chromium.
        for fn in ("dashboard.js", "errors.js"):
            subprocess.run(["node", "--check", os.path.join(
                dash.ASSETS, fn)], check=True, capture_output=True)

    def test_rebuild_and_refuse_foreign_directory(self):
        out = os.path.join(self.tmp, "site")
        dash.build_site(FIXTURES, out)
        dash.build_site(FIXTURES, out)  # rebuilds its own output
        foreign = os.path.join(self.tmp, "foreign")
        os.makedirs(foreign)
        open(os.path.join(foreign, "keep.txt"), "w").close()
        with self.assertRaises(SystemExit):
            dash.build_site(FIXTURES, foreign)
        self.assertTrue(os.path.exists(os.path.join(foreign, "keep.txt")))

    def test_empty_results(self):
        res = os.path.join(self.tmp, "results")
        os.makedirs(res)
        out = os.path.join(self.tmp, "site")
        index = dash.build_site(res, out)
        self.assertTrue(os.path.isfile(index))
        d = self.read_data(out)
        self.assertEqual((d["runs"], d["history"], d["profiles"]), ([], {}, []))

    def test_order_is_by_commit_date_not_run_time(self):
        res = os.path.join(self.tmp, "results", "runs")
        name = "BM_MemoryFloor/entries:1024"
        for stamp, sha, date in (("20250102T000000Z", "bbbbbbb",
                                  "2025-01-01T00:00:00+00:00"),
                                 ("20250101T000000Z", "aaaaaaa",
                                  "2025-01-02T00:00:00Z")):
            d = os.path.join(res, "%s_%s" % (stamp, sha))
            os.makedirs(d)
            with open(os.path.join(d, "cpp.json"), "w") as f:
                json.dump(gbench([it(name, 1.0)]), f)
            with open(os.path.join(d, "context.json"), "w") as f:
                json.dump({"git_sha": sha * 5, "commit_date": date}, f)
        runs = dash.load_runs(os.path.join(self.tmp, "results"))
        self.assertEqual([r["sha7"] for r in runs], ["bbbbbbb", "aaaaaaa"])
        # Without a context.json the directory name gives the sha.
        os.remove(os.path.join(res, "20250101T000000Z_aaaaaaa",
                               "context.json"))
        runs = dash.load_runs(os.path.join(self.tmp, "results"))
        self.assertEqual(sorted(r["sha"] for r in runs),
                         ["aaaaaaa", "bbbbbbb" * 5])


if __name__ == "__main__":
    unittest.main()
