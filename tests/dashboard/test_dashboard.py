#!/usr/bin/python3
"""Unit tests of scripts/dashboard on the fixtures in fixtures/results/.

Run: /usr/bin/python3 -m unittest discover -s tests/dashboard -v
(or /usr/bin/python3 tests/dashboard/test_dashboard.py). Standard library only.
The fixtures are made by make_fixtures.py (deterministic); see its docstring
for what is planted in them.
"""

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
sys.path.insert(0, os.path.join(REPO, "scripts"))

from evictlab_tools import dashboard as dash  # noqa: E402
from evictlab_tools import derive, targets  # noqa: E402

REGRESSION = "BM_UpdateOnGet/lru/dict:flat/kvobj/cek/entries:1048576/dist:uniform"
NOISY = "BM_UpdateOnPut/lru/dict:flat/kvobj/cek/entries:65536/evictions:1"
PENDING = "BM_UpdateOnGet/lru/dict:naive/kvobj/cek/entries:16384/dist:uniform"
ERRORED = "BM_UpdateOnPut/lru/dict:naive/kvobj/cek/entries:1048576/evictions:8"
AMD_RUNS = 5        # runs 1-5 on the AMD EPYC machine, 6-7 on an Intel Xeon
FULL = 4            # index of the full-profile run


def gbench(benchmarks, context=None):
    return {"context": context or {}, "benchmarks": benchmarks}


def it(name, t, rep=0, unit="ns", **kw):
    d = {"name": name, "run_name": name, "run_type": "iteration",
         "repetitions": 3, "repetition_index": rep, "threads": 1,
         "iterations": 1000, "real_time": t, "cpu_time": t * 0.9,
         "time_unit": unit}
    d.update(kw)
    return d


class FixtureRunsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.runs = dash.load_runs(FIXTURES)
        cls.machines = dash.machines(cls.runs)
        cls.axes = dash.axes(cls.runs)
        cls.full = cls.runs[FULL]
        cls.targets = targets.load()

    def test_runs_in_commit_order(self):
        self.assertEqual([r["sha7"] for r in self.runs],
                         ["3f9a1c2", "8b7d4e0", "c41e9a7", "51d0b3f",
                          "e07f6a9", "e07f6a9", "e07f6a9"])
        self.assertEqual([r["seq"] for r in self.runs], list(range(1, 8)))
        self.assertEqual(self.full["message"], "ci: run the gate on every push")

    def test_context(self):
        r = self.full
        self.assertEqual(r["library_build_type"], "debug")
        self.assertEqual(r["profile"], "full")
        labels = dict(r["highlights"])
        self.assertEqual(labels["library_build_type"], "debug")
        self.assertIn("12.2.0", labels["compiler"])
        self.assertIn("benchmark 1.7.1", labels["libraries"])
        self.assertIn("AMD EPYC", labels["machine"])
        self.assertEqual(labels["Python model"],
                         "Python 3.11.2, torch 2.1.2, numpy 1.24.2")
        self.assertEqual(r["context"]["python.library_build_type"], "python")
        self.assertEqual(r["context"]["num_cpus"], 2)
        self.assertFalse(self.runs[0]["has_gate"])
        self.assertTrue(r["has_gate"] and r["has_cases"])
        self.assertFalse(self.runs[0]["has_cases"])

    def test_old_names_load_through_the_alias_table(self):
        # Runs 1-2 name cases the old way (lru, naive_lru; no dict) and have
        # no cases.json: they are keyed by today's names.
        old = self.runs[0]
        self.assertIn(REGRESSION, old["cpp"])
        self.assertIn(PENDING, old["cpp"])
        self.assertFalse(any("naive_lru" in n or "/dict:" not in n
                             for n in old["cpp"] if "UpdateOn" in n))
        with open(os.path.join(old["path"], "cpp.json")) as f:
            self.assertIn("BM_UpdateOnGet/naive_lru/kvobj/cek/", f.read())

    def test_axes_come_from_the_case_lists(self):
        ax = self.axes
        # Registry order from cases.json, values without cases dropped
        # (hstr is listed by the registry, not measured; lru_strict, mru and
        # belady only by run 7, for the policy page's scatter).
        self.assertEqual(ax["policies"], ["lru", "lru_strict", "dummy", "fifo",
                                          "mru", "belady"])
        self.assertEqual(ax["dicts"], ["flat", "absl", "node", "naive"])
        self.assertEqual(ax["kv_kinds"], ["tensor", "bytearray", "kvobj",
                                          "disk"])
        self.assertEqual(ax["key_kinds"], ["str", "cek", "hcek"])
        self.assertEqual(ax["default_dict"], "flat")
        self.assertEqual(ax["policy_traits"]["fifo"]["reproduces"],
                         "lmcache v1 FIFO")

    def test_no_hard_coded_policy_lists(self):
        for path in (dash.__file__, os.path.join(dash.ASSETS,
                                                 "dashboard.js")):
            with open(path, encoding="utf-8") as f:
                src = f.read()
            for word in ("POLICY_ORDER", "KEY_ORDER", "HUES", "naive_lru",
                         "lru_strict", "lru_node", '"dummy"', '"lru"'):
                self.assertNotIn(word, src, path)

    def test_default_view_draws_at_most_8_series(self):
        sel = dash.default_selection(self.axes, self.targets)
        self.assertEqual(sel, {"policy": ["lru"], "kv": ["kvobj"],
                               "key": ["hcek"],
                               "dict": ["flat", "absl", "node", "naive"]})
        for r in self.runs:
            for chart in dash.chart_specs(r, self.axes):
                n = sum(1 for s in chart["series"] if selected(s, sel))
                self.assertLessEqual(n, dash.MAX_SERIES,
                                     (r["id"], chart["id"]))
        uni = dash.chart_specs(self.full, self.axes)[0]
        self.assertEqual([s["label"] for s in uni["series"]
                          if selected(s, sel)],
                         ["lru · flat · kvobj · hcek",
                          "lru · absl · kvobj · hcek",
                          "lru · node · kvobj · hcek",
                          "lru · naive · kvobj · hcek",
                          "Python lru · kvobj · cek",
                          "MemoryFloor (one cache-missing load)"])
        # Everything at once would be unreadable: that is why there is a
        # default view.
        self.assertGreater(len(uni["series"]), dash.MAX_SERIES)

    def test_too_many_dicts_fall_back_to_the_default_dict(self):
        ax = dict(self.axes, dicts=["d%d" % i for i in range(9)],
                  default_dict="d3")
        self.assertEqual(dash.default_selection(ax, self.targets)["dict"],
                         ["d3"])

    def test_charts_of_the_full_run(self):
        charts = dash.chart_specs(self.full, self.axes)
        counts = {c["id"]: len(c["series"]) for c in charts}
        self.assertEqual(counts, {
            "updateonget-dist-uniform": 14, "updateonget-dist-zipf": 6,
            "updateonput-evictions-1": 14, "updateonput-evictions-0": 5,
            "updateonput-evictions-8": 5, "updateonput-status-illegal": 3})
        uni = charts[0]
        self.assertEqual(uni["x"], [10, 12, 14, 16, 18, 20])
        # C++ series in registry order (policy, dict, kv, key), then Python.
        cpp = [(s["policy"], s["dict"], s["kv"], s["key"])
               for s in uni["series"] if s["source"] == "cpp"]
        self.assertEqual(cpp[:5], [("lru", "flat", "tensor", "hcek"),
                                   ("lru", "flat", "kvobj", "str"),
                                   ("lru", "flat", "kvobj", "cek"),
                                   ("lru", "flat", "kvobj", "hcek"),
                                   ("lru", "absl", "kvobj", "hcek")])
        self.assertEqual(uni["series"][-1]["source"], "floor")
        s = [x for x in uni["series"] if x["label"] ==
             "lru · flat · kvobj · cek"][0]
        self.assertEqual(s["cases"][0], "BM_UpdateOnGet/lru/dict:flat/"
                         "kvobj/cek/entries:1024/dist:uniform")
        med, lo, hi = s["data"][0]
        self.assertTrue(lo <= med <= hi)

    def test_failed_case_is_not_charted(self):
        ev8 = [c for c in dash.chart_specs(self.full, self.axes)
               if c["id"] == "updateonput-evictions-8"][0]
        naive = [s for s in ev8["series"] if s["dict"] == "naive"
                 and s["key"] == "cek"][0]
        self.assertIsNone(naive["data"][-1])

    def test_ratio_rows_are_derives(self):
        # The ratio page shows derive.rows, the derivation of summary.md.
        rows = dash.ratio_rows(self.full, self.targets)
        want = derive.rows(self.full["run"], self.targets)
        self.assertEqual(sorted(r["name"] for r in rows),
                         sorted(r["name"] for r in want))
        by = {r["name"]: r for r in want}
        for r in rows:
            for col in derive.COLUMNS[8:]:
                w = by[r["name"]][col]
                self.assertEqual(r[col], w if not isinstance(w, float)
                                 or math.isfinite(w) else None,
                                 (r["name"], col))
            self.assertEqual(r["checks"], by[r["name"]]["checks"])
        json.dumps(rows, allow_nan=False)

    def test_ratio_rows_worst_first(self):
        rows = dash.ratio_rows(self.full, self.targets)
        self.assertEqual(rows[0]["name"], ERRORED)
        self.assertTrue(rows[0]["error"])
        margins = [min(x["margin"] for x in r["checks"]) for r in rows
                   if r["checks"]]
        self.assertEqual(margins, sorted(margins))
        kinds = [bool(r["checks"]) for r in rows[1:]]
        self.assertEqual(kinds, sorted(kinds, reverse=True))

    def test_ratio_values_targets_and_ir(self):
        rows = {r["name"]: r for r in dash.ratio_rows(self.full,
                                                      self.targets)}
        r = rows["BM_UpdateOnGet/lru/dict:flat/kvobj/hcek/entries:1024/"
                 "dist:uniform"]
        # hcek is compared with the Python model's cek.
        py = self.full["py"]
        self.assertAlmostEqual(r["python_median_ns"], py[
            "BM_UpdateOnGet/lru/dict:pydict/kvobj/cek/entries:1024/"
            "dist:uniform"].median)
        self.assertAlmostEqual(r["speedup_vs_python"],
                               r["python_median_ns"] / r["cpp_median_ns"])
        self.assertAlmostEqual(r["speedup_vs_naive"],
                               r["naive_median_ns"] / r["cpp_median_ns"])
        (chk,) = [c for c in r["checks"] if c["target"] == "get_small_py"]
        self.assertTrue(chk["met"])
        # gate.json's Ir/op reaches the rows.
        g = rows[REGRESSION]
        self.assertAlmostEqual(g["ir_per_op"], self.full["gate"][
            REGRESSION]["ir"])
        self.assertIsNone(r["ir_per_op"])     # not a gated case
        s = {t["target"]: t for t in targets.summary(
            list(rows.values()), self.targets)}
        self.assertEqual((s["getsize_field"]["n"], s["getsize_field"]["met"]),
                         (3, 2))
        self.assertEqual(s["getsize_field"]["worst_case"],
                         "BM_GetSize/bytearray")

    def test_profiles(self):
        ps = dash.load_profiles(FIXTURES, sorted(self.full["cpp"]))
        self.assertEqual(len(ps), 1)
        self.assertEqual(ps[0]["case"], REGRESSION)
        self.assertEqual(ps[0]["files"], ["flame.html", "perf.folded"])


def selected(s, sel):
    """seriesSelected() of dashboard.js, for the default-view test."""
    def ok(axis, v):
        return v is None or v in sel[axis]
    if s["source"] == "floor":
        return True
    if s["source"] == "py":
        return ok("policy", s["policy"]) and ok("kv", s["kv"]) and any(
            derive.PY_KEY_FOR.get(k, k) == s["key"] for k in sel["key"])
    return all(ok(a, s[a]) for a in ("policy", "dict", "kv", "key"))


class HistoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.runs = dash.load_runs(FIXTURES)
        cls.machines = dash.machines(cls.runs)
        cls.h = dash.history(cls.runs)

    def flagged(self, h):
        return {n for n, x in h.items()
                if any(g["changes"] for g in x["ns"] + x["ir"])}

    def test_runs_are_grouped_by_machine(self):
        self.assertEqual([(m["id"], m["cpu_model"].split()[0],
                           len(m["runs"])) for m in self.machines],
                         [("m1", "AMD", AMD_RUNS), ("m2", "Intel(R)", 2)])
        self.assertEqual([r["machine_id"] for r in self.runs],
                         ["m1"] * AMD_RUNS + ["m2"] * 2)

    def test_only_the_planted_changes_are_flagged(self):
        self.assertEqual(self.flagged(self.h), {REGRESSION})
        amd, intel = self.h[REGRESSION]["ns"]
        self.assertEqual((amd["machine"], intel["machine"]), ("m1", "m2"))
        (c,) = amd["changes"]
        self.assertEqual((c["index"], c["kind"]), (3, "regression"))
        self.assertAlmostEqual(c["ratio"], 1.3, delta=0.06)
        self.assertEqual(intel["changes"], [])
        self.assertIsNone(intel["pending"])
        # Ir/op: one compiler, so one series over both machines, one change.
        (ir,) = self.h[REGRESSION]["ir"]
        (c,) = ir["changes"]
        self.assertEqual((c["index"], c["kind"]), (3, "regression"))
        self.assertAlmostEqual(c["ratio"], 1.22, delta=0.01)
        self.assertIsNone(ir["ir"][0])  # run 1 had no gate
        self.assertEqual(self.h[NOISY]["ns"][0]["changes"], [])
        self.assertIsNone(self.h[NOISY]["ns"][0]["pending"])
        pend = {n for n, x in self.h.items()
                if any(g["pending"] for g in x["ns"])}
        self.assertEqual(pend, {PENDING})
        self.assertEqual(self.h[PENDING]["ns"][0]["pending"]["index"], 4)

    def test_history_is_continuous_across_the_rename(self):
        amd = self.h[REGRESSION]["ns"][0]
        self.assertEqual(sum(v is not None for v in amd["ns"]), AMD_RUNS)
        self.assertTrue(all(v is not None for v in amd["py"][:AMD_RUNS]))
        one = self.h["BM_UpdateOnGet/lru/dict:flat/tensor/hcek/"
                     "entries:4096/dist:uniform"]
        self.assertEqual(sum(v is not None for v in one["ns"][0]["ns"]), 1)

    def test_the_other_machine_would_be_a_change_if_mixed_in(self):
        # Control: with every run on one "machine", the Intel runs (38 %
        # faster) read as a step. Grouping by machine is what prevents it.
        runs = dash.load_runs(FIXTURES)
        for r in runs:
            r["machine"] = dict(r["machine"], key="one machine")
        dash.machines(runs)
        mixed = self.flagged(dash.history(runs))
        self.assertGreater(len(mixed - {REGRESSION}), 10)


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
        prof = "profiles/UpdateOnGet_lru_dict_flat_kvobj_cek_entries_1048576_" \
            "dist_uniform/"
        for f in ("index.html", "ratios.html", "policies.html",
                  "history.html", "profiles.html", "data.js", "assets/dashboard.js",
                  "assets/errors.js", "assets/dashboard.css",
                  "assets/vendor/uPlot.iife.min.js",
                  "assets/vendor/uPlot.min.css", "assets/vendor/LICENSE",
                  prof + "flame.html"):
            self.assertTrue(os.path.isfile(os.path.join(out, f)), f)
        self.assertFalse(os.path.exists(os.path.join(out, prof +
                                                     "perf.data")))
        d = self.read_data(out)
        self.assertEqual(len(d["runs"]), 7)
        self.assertEqual(len(d["ratios"][d["runs"][FULL]["id"]]), 222)
        self.assertEqual([m["id"] for m in d["machines"]], ["m1", "m2"])
        self.assertEqual(d["defaults"]["key"], ["hcek"])
        self.assertEqual(d["max_series"], 8)
        # Nothing is loaded from elsewhere: every src/href in the pages is
        # relative, and the scripts fetch nothing.
        for page in ("index.html", "ratios.html", "policies.html",
                     "history.html", "profiles.html"):
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
        self.assertEqual((d["runs"], d["history"], d["profiles"],
                          d["machines"]), ([], {}, [], []))

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


SIM_RUN = 6          # run 7: the policy sweep (sim/) and its cost cases
FAILED_SIM_RUN = 5   # run 6: sim/ holds one failed simulation's .err


class PolicyPageTest(unittest.TestCase):
    """The policy page's data (dashboard.sim_view) on the fixtures' sweep."""

    @classmethod
    def setUpClass(cls):
        cls.runs = dash.load_runs(FIXTURES)
        cls.defaults = dash.default_selection(dash.axes(cls.runs),
                                              targets.load())
        cls.view = dash.sim_view(cls.runs[SIM_RUN], cls.defaults)
        cls.sim_dir = os.path.join(cls.runs[SIM_RUN]["path"], "sim")

    def fixture(self, tid):
        with open(os.path.join(self.sim_dir, tid + ".json")) as f:
            return json.load(f)

    def test_every_policy_of_every_trace(self):
        v = self.view
        self.assertTrue(v["present"])
        self.assertEqual(v["errors"], [])
        # KV-mode traces first, then classic ones.
        self.assertEqual([t["id"] for t in v["traces"]],
                         ["conversation_trace", "synthetic_trace",
                          "cloudPhysicsIO"])
        for t in v["traces"]:
            doc = self.fixture(t["id"])
            pols = list(dict.fromkeys(r["policy"] for r in doc["results"]))
            self.assertEqual([s["policy"] for s in t["series"]], pols)
            self.assertEqual(t["sizes"], sorted({r["cache_size"]
                                                 for r in doc["results"]}))
            self.assertEqual(len(t["sizes"]), 8)
            self.assertEqual(t["kv"], doc["format"] == "mooncake")
            for r in doc["results"]:
                s = t["series"][pols.index(r["policy"])]
                i = t["sizes"].index(r["cache_size"])
                want = r["token_hit_ratio"] if t["kv"] \
                    else 1 - r["miss_ratio"]
                self.assertEqual(s["hit"][i], want)
                self.assertAlmostEqual(s["ns_per_req"][i],
                                       r["seconds"] * 1e9 / r["n_req"])

    def test_the_offline_reference_comes_from_the_registry_traits(self):
        for t in self.view["traces"]:
            self.assertEqual([s["policy"] for s in t["series"]
                              if s["offline"]], ["belady"])
            # And it is the bound it should be: no policy beats it.
            ref = [s for s in t["series"] if s["offline"]][0]
            for s in t["series"]:
                for a, b in zip(s["hit"], ref["hit"]):
                    self.assertLessEqual(a, b)

    def test_scatter_cost_is_the_runs_benchmark_median(self):
        c = self.view["cost"]
        self.assertEqual((c["dict"], c["kv"], c["key"]),
                         ("flat", "kvobj", "hcek"))
        self.assertEqual(c["entries"], [1024, 16384, 65536, 1048576])
        self.assertEqual(c["default_entries"], 1048576)
        cpp = self.runs[SIM_RUN]["cpp"]
        pols = [s["policy"] for s in self.view["traces"][0]["series"]]
        for op, fam, var in (("get", "UpdateOnGet", "dist:uniform"),
                             ("put", "UpdateOnPut", "evictions:1")):
            for e in c["entries"]:
                got = c["values"][op][str(e)]
                self.assertEqual(sorted(got), sorted(pols))
                for p in pols:
                    name = "BM_%s/%s/dict:flat/kvobj/hcek/entries:%d/%s" % (
                        fam, p, e, var)
                    self.assertEqual(got[p], {"case": name,
                                              "ns": cpp[name].median})

    def test_runs_without_a_sweep(self):
        v = dash.sim_view(self.runs[SIM_RUN - 2], self.defaults)
        self.assertFalse(v["present"])
        self.assertEqual((v["traces"], v["errors"]), ([], []))
        f = dash.sim_view(self.runs[FAILED_SIM_RUN], self.defaults)
        self.assertTrue(f["present"])
        self.assertEqual(f["traces"], [])
        self.assertEqual([e["id"] for e in f["errors"]], ["synthetic_trace"])
        self.assertIn("exit status 2", f["errors"][0]["message"])
        self.assertIn("sim/synthetic_trace.err", f["errors"][0]["message"])

    def test_a_malformed_sim_file_is_named_not_fatal(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        run = os.path.join(tmp, "runs", os.path.basename(
            self.runs[SIM_RUN]["path"]))
        shutil.copytree(self.runs[SIM_RUN]["path"], run)
        bad = os.path.join(run, "sim", "synthetic_trace.json")
        doc = self.fixture("synthetic_trace")
        del doc["results"][3]["token_hit_ratio"]
        with open(bad, "w") as f:
            json.dump(doc, f)
        with open(os.path.join(run, "sim", "cloudPhysicsIO.json"), "w") as f:
            f.write("{\"results\": [")
        r = dash.load_run(run)
        v = dash.sim_view(r, self.defaults)
        self.assertEqual([t["id"] for t in v["traces"]],
                         ["conversation_trace"])
        msgs = {e["id"]: e["message"] for e in v["errors"]}
        self.assertIn("synthetic_trace.json: results[3]: field "
                      "'token_hit_ratio' missing", msgs["synthetic_trace"])
        self.assertIn("cloudPhysicsIO.json", msgs["cloudPhysicsIO"])
        # The site still builds.
        self.assertTrue(os.path.isfile(dash.build_site(
            tmp, os.path.join(tmp, "site"))))

    def test_the_page_is_in_every_pages_navigation(self):
        for f, page, _t in dash.PAGES:
            self.assertIn('href="policies.html"', dash.page_html(page, "x"))


class BoundaryViewTest(unittest.TestCase):
    """The policy page's Python boundary (dashboard.boundary_view) on the
    fixtures: run 7's boundary/pyboundary.json (hand-made, shared with
    tests/python), run 6's failed measurement, and runs without one."""

    @classmethod
    def setUpClass(cls):
        cls.runs = dash.load_runs(FIXTURES)
        cls.view = dash.boundary_view(cls.runs[SIM_RUN])
        with open(os.path.join(cls.runs[SIM_RUN]["path"], "boundary",
                               "pyboundary.json")) as f:
            cls.doc = json.load(f)

    def test_every_way_of_every_policy_is_the_files(self):
        v = self.view
        self.assertTrue(v["present"])
        self.assertEqual(v["errors"], [])
        self.assertEqual(v["file"], "boundary/pyboundary.json")
        self.assertEqual([w["way"] for w in v["ways"]],
                         ["model", "per_block", "batched", "cpp"])
        self.assertEqual([(t["id"], t["cache_size"], t["size_label"])
                          for t in v["tables"]],
                         [("conversation_trace", 8388608, "2^23"),
                          ("synthetic_trace", 8388608, "2^23")])
        for t, ft in zip(v["tables"], self.doc["traces"]):
            self.assertEqual(t["policies"],
                             [r["policy"] for r in ft["results"]])
            self.assertEqual(t["n_block"], ft["n_block"])
            for i, r in enumerate(ft["results"]):
                for w in ("model", "per_block", "batched", "cpp"):
                    self.assertEqual(t["ns"][w][i],
                                     r["ns_per_block_ref"].get(w))

    def test_targets_ratio_status_and_limit(self):
        conv = self.view["tables"][0]
        xm, xc = conv["targets"]["x_model"], conv["targets"]["x_cpp"]
        # lru 660/200, lru_strict without a model, fifo 7000/250.
        self.assertEqual(xm["met"], [False, None, True])
        self.assertEqual([None if x is None else round(x, 6)
                          for x in xm["value"]], [3.3, None, 28.0])
        self.assertEqual(xm["limit"], [66.0, None, 700.0])
        # batched / C++: 2.5, 2.0, 4.0; the limit is 3x the C++ time.
        self.assertEqual(xc["value"], [2.5, 2.0, 4.0])
        self.assertEqual(xc["met"], [True, True, False])
        self.assertEqual(xc["limit"], [240.0, 300.0, 187.5])
        self.assertEqual(self.view["tables"][1]["counters_equal"],
                         [True, True, False])

    def test_runs_without_it_or_with_a_failed_one(self):
        none = dash.boundary_view(self.runs[FULL])
        self.assertEqual((none["present"], none["tables"], none["errors"]),
                         (False, [], []))
        failed = dash.boundary_view(self.runs[FAILED_SIM_RUN])
        self.assertTrue(failed["present"])
        self.assertEqual(failed["tables"], [])
        self.assertEqual(len(failed["errors"]), 1)
        self.assertIn("the measurement failed: exit status 2: "
                      "scripts/pyboundary: cannot import evictlab",
                      failed["errors"][0])
        self.assertIn("(boundary/pyboundary.err)", failed["errors"][0])

    def test_a_malformed_file_is_named_and_the_site_builds(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        run = os.path.join(tmp, "runs", os.path.basename(
            self.runs[SIM_RUN]["path"]))
        shutil.copytree(self.runs[SIM_RUN]["path"], run)
        doc = json.loads(json.dumps(self.doc))
        doc["traces"][1]["results"][2]["ns_per_block_ref"]["cpp"] = None
        with open(os.path.join(run, "boundary", "pyboundary.json"), "w") as f:
            json.dump(doc, f)
        v = dash.boundary_view(dash.load_run(run))
        self.assertEqual(v["tables"], [])
        self.assertEqual(len(v["errors"]), 1)
        self.assertIn("boundary/pyboundary.json: traces[1].results[2]: "
                      "field 'ns_per_block_ref.cpp' missing or not a "
                      "positive number (None)", v["errors"][0])
        out = os.path.join(tmp, "site")
        dash.build_site(tmp, out)
        with open(os.path.join(out, "data.js"), encoding="utf-8") as f:
            d = json.loads(f.read()[len("window.EVICTLAB_DATA = "):]
                           .rstrip().rstrip(";"))
        rid = os.path.basename(run)
        self.assertEqual(d["boundary"][rid]["errors"], v["errors"])
        self.assertFalse(d["runs"][0]["has_boundary"])
        self.assertTrue(d["runs"][0]["has_sim"])
