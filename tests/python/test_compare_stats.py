#!/usr/bin/python3
"""Tests of evictlab_tools/stats.py and of compare.py's verdict logic.

Run from the repo root:
  /usr/bin/python3 -m unittest discover -s tests/python -v

Every expected value below is either derived by hand in the comment next to
it or taken from a published source named there; none comes from running the
code under test. scipy is not available here, so its conventions are
checked against its documented example and hand derivations. The module
under test calls scipy.stats (Debian python3-scipy) for the test itself.
"""

import contextlib
import io
import itertools
import json
import math
import os
import random
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

from evictlab_tools import compare, stats


def phi_sf(z):
    return 0.5 * math.erfc(z / math.sqrt(2))


class MedianAndRanksTest(unittest.TestCase):

    def test_median(self):
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(stats.median([7.0]), 7.0)
        with self.assertRaises(ValueError):
            stats.median([])

    def test_average_ranks_for_ties(self):
        # 10 -> 1; the three 20s share ranks 2,3,4 -> 3; 30 -> 5.
        self.assertEqual(stats.rankdata([20, 10, 20, 30, 20]),
                         [3.0, 1.0, 3.0, 5.0, 3.0])


class NullDistributionTest(unittest.TestCase):

    def brute_force(self, m, n):
        """Counts of U over all C(m+n, m) placements of the x's."""
        counts = [0] * (m * n + 1)
        for xs in itertools.combinations(range(m + n), m):
            chosen = set(xs)
            ys = [j for j in range(m + n) if j not in chosen]
            counts[sum(1 for i in xs for j in ys if i > j)] += 1
        return counts

    def test_matches_enumeration(self):
        for m, n in [(1, 1), (2, 2), (3, 4), (5, 4), (2, 7), (6, 6)]:
            with self.subTest(m=m, n=n):
                self.assertEqual(stats.mwu_null_counts(m, n),
                                 self.brute_force(m, n))

    def test_small_case_by_hand(self):
        # m = n = 2: orderings xxyy..yyxx give U = 0,1,2,2,3,4 -> 1,1,2,1,1.
        self.assertEqual(stats.mwu_null_counts(2, 2), [1, 1, 2, 1, 1])
        self.assertEqual(sum(stats.mwu_null_counts(15, 15)), math.comb(30, 15))

    def test_published_critical_values(self):
        """Two-tailed critical values of U (largest u with 2 P(U <= u) <= alpha)
        from the standard Mann-Whitney table printed in statistics textbooks
        (e.g. Zar, Biostatistical Analysis; Siegel & Castellan, Nonparametric
        Statistics for the Behavioral Sciences): n1 = n2 = 5: 2 (0.05), 0
        (0.01); 6: 5, 2; 8: 13, 7; 10: 23, 16; 20: 127, 105."""
        table = {5: (2, 0), 6: (5, 2), 8: (13, 7), 10: (23, 16), 20: (127, 105)}
        for n, crits in table.items():
            counts = stats.mwu_null_counts(n, n)
            total = math.comb(2 * n, n)
            for alpha, crit in zip((0.05, 0.01), crits):
                with self.subTest(n=n, alpha=alpha):
                    self.assertLessEqual(2 * sum(counts[:crit + 1]) / total, alpha)
                    self.assertGreater(2 * sum(counts[:crit + 2]) / total, alpha)


class MannWhitneyTest(unittest.TestCase):

    # SciPy's documented example (scipy.stats.mannwhitneyu, "Examples",
    # https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.mannwhitneyu.html):
    # ages of male and female workers.
    MALES = [19, 22, 16, 29, 24]
    FEMALES = [20, 11, 17, 12]

    def test_scipy_example_exact(self):
        # Pooled ranks: 11:1 12:2 16:3 17:4 19:5 20:6 22:7 24:8 29:9.
        # Males' ranks 5+7+3+9+8 = 32, U1 = 32 - 5*6/2 = 17, U2 = 20 - 17 = 3.
        # 2 P(U >= 17) = 2 P(U <= 3); placements of 4 y's among 5 x's with
        # U <= 3 are the partitions of 0..3 into <= 4 parts <= 5:
        # 1 + 1 + 2 + 3 = 7 of C(9, 4) = 126, so p = 14/126 = 1/9
        # (SciPy's docs print 17.0 and 0.1111111111111111).
        r = stats.mannwhitneyu(self.MALES, self.FEMALES)
        self.assertEqual(r.method, "exact")
        self.assertEqual(r.statistic, 17.0)
        self.assertAlmostEqual(r.pvalue, 1 / 9, places=15)

    def test_scipy_example_asymptotic(self):
        # mu = 10, s = sqrt(5*4*10/12) = 4.0825, z = (17 - 10 - 0.5)/s = 1.5922,
        # p = 2 (1 - Phi(1.5922)) = 0.1113; SciPy's docs print
        # 0.11134688653314041 for method="asymptotic".
        r = stats.mannwhitneyu(self.MALES, self.FEMALES, method="asymptotic")
        self.assertEqual(r.statistic, 17.0)
        self.assertAlmostEqual(r.pvalue, 0.11134688653314041, places=12)

    def test_wikipedia_tortoise_and_hare(self):
        # Wikipedia, "Mann-Whitney U test", illustration: finishing order
        # T H H H H H T T T T T H gives U_T = 11 and U_H = 25 (pairs won).
        # A smaller finishing position is a "smaller value"; U1 counts pairs
        # where the first sample's value is larger, i.e. pairs it lost.
        order = "THHHHHTTTTTH"
        t = [i for i, c in enumerate(order, 1) if c == "T"]
        h = [i for i, c in enumerate(order, 1) if c == "H"]
        self.assertEqual(stats.mannwhitneyu(t, h).statistic, 25)  # T lost 25
        self.assertEqual(stats.mannwhitneyu(h, t).statistic, 11)  # H lost 11
        # exact: 2 P(U <= 11) for 6 x 6, symmetric in the two orders
        self.assertEqual(stats.mannwhitneyu(t, h).pvalue,
                         stats.mannwhitneyu(h, t).pvalue)

    def test_ties_by_hand(self):
        # x = 1 2 2 3, y = 2 3 4 5. Pooled ranks: 1 -> 1; the three 2s ->
        # 3 each; the two 3s -> 5.5 each; 4 -> 7; 5 -> 8.
        # R1 = 1 + 3 + 3 + 5.5 = 12.5, U1 = 12.5 - 10 = 2.5, U2 = 13.5.
        # Ties force the normal approximation: tie term (27-3) + (8-2) = 30,
        # s^2 = 16/12 * (9 - 30/56) = 11.2857, s = 3.35942,
        # z = (13.5 - 8 - 0.5)/s = 1.48835; normal table: 1 - Phi(1.488)
        # = 0.0683, p = 0.1366.
        r = stats.mannwhitneyu([1, 2, 2, 3], [2, 3, 4, 5])
        self.assertEqual(r.method, "asymptotic")
        self.assertEqual(r.statistic, 2.5)
        self.assertAlmostEqual(r.pvalue, 0.1366, delta=3e-4)
        self.assertAlmostEqual(r.pvalue, 2 * phi_sf(5 / math.sqrt(11.2857142857)),
                               places=9)

    def test_nag_g08amc_published_example_with_ties(self):
        # NAG C Library g08amc (nag_mann_whitney) example program, data and
        # results (support.nag.com/numeric/cl/nagdoc_cl26.2/examples/
        # data/g08amce.d.html and baseresults/g08amce.r.html): 16 and 23
        # values with many ties; "Test statistic = 86.0000, Normal Statistic
        # = -2.8039, Approximate tail probability = 0.0025" (one tail,
        # tie-corrected with continuity correction).
        g1 = [13, 6, 12, 7, 12, 7, 10, 7, 10, 7, 16, 7, 10, 8, 9, 8]
        g2 = [17, 6, 10, 8, 15, 8, 15, 10, 15, 10, 14, 10, 14, 11, 14, 11,
              13, 12, 13, 12, 13, 12, 12]
        r = stats.mannwhitneyu(g1, g2)
        self.assertEqual(r.method, "asymptotic")
        self.assertEqual(r.statistic, 86.0)
        self.assertAlmostEqual(r.pvalue, 2 * phi_sf(2.8039), delta=2e-6)
        self.assertEqual(round(r.pvalue / 2, 4), 0.0025)

    def test_identical_samples_give_p_one(self):
        xs = [5.0, 1.0, 4.0, 2.0, 3.0]
        self.assertEqual(stats.mannwhitneyu(xs, list(xs)).pvalue, 1.0)
        big = [float(v) for v in range(15)]
        self.assertEqual(stats.mannwhitneyu(big, list(big)).pvalue, 1.0)
        # all values equal: zero variance, scipy gives p = 1
        self.assertEqual(stats.mannwhitneyu([7] * 10, [7] * 12).pvalue, 1.0)

    def test_clearly_shifted_samples(self):
        # exact 5 vs 5, completely separated: U = 0, p = 2/C(10,5) = 2/252
        r = stats.mannwhitneyu([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
        self.assertEqual((r.method, r.statistic), ("exact", 0.0))
        self.assertAlmostEqual(r.pvalue, 2 / 252, places=15)
        # 15 vs 15 (asymptotic): z = (225 - 112.5 - 0.5)/sqrt(225*31/12)
        # = 112/24.1091 = 4.6455, p = 3.4e-6
        a = [100.0 + i for i in range(15)]
        b = [200.0 + i for i in range(15)]
        r = stats.mannwhitneyu(a, b)
        self.assertEqual(r.method, "asymptotic")
        self.assertAlmostEqual(r.pvalue, 2 * phi_sf(112 / math.sqrt(581.25)),
                               places=15)
        self.assertLess(r.pvalue, 1e-5)

    def test_method_selection_follows_scipy_auto(self):
        nine = list(range(9))
        self.assertEqual(stats.mannwhitneyu(nine, [v + .5 for v in nine]).method,
                         "asymptotic")  # both > 8
        self.assertEqual(stats.mannwhitneyu(list(range(8)),
                                            [v + .5 for v in range(30)]).method,
                         "exact")  # one side <= 8, no ties
        self.assertEqual(stats.mannwhitneyu([1, 2, 3], [3, 4, 5]).method,
                         "asymptotic")  # ties


class RatioCITest(unittest.TestCase):

    def test_ranks_follow_the_critical_values(self):
        # [D_(k), D_(mn+1-k)] covers with 1 - 2 P(U <= k-1): k = crit + 1
        # with the 0.05 critical values above (5x5: 2, 8x8: 13, 10x10: 23).
        self.assertEqual(stats._ci_rank(5, 5, 0.95), 3)
        self.assertEqual(stats._ci_rank(8, 8, 0.95), 14)
        self.assertEqual(stats._ci_rank(10, 10, 0.95), 24)
        # 15 x 15: normal approximation 113 - 1.96 * 24.109 = 65.7 -> 65
        self.assertEqual(stats._ci_rank(15, 15, 0.95), 65)
        # normal branch (m n > 40000) agrees with the same formula
        k = stats._ci_rank(250, 250, 0.95)
        sd = math.sqrt(250 * 250 * 501 / 12)
        self.assertEqual(k, math.floor(31250.5 - 1.959963984540054 * sd))

    def test_too_small_for_95_percent(self):
        # 3 x 3: 2 P(U <= 0) = 2/20 = 0.1 > 0.05: no finite interval
        ci = stats.ratio_ci([1, 2, 3], [4, 5, 6])
        self.assertEqual((ci.low, ci.high), (0.0, math.inf))

    def test_pure_scale_change(self):
        a = [100.0, 103.0, 98.0, 110.0, 101.0, 99.5, 104.0, 97.0]
        ci = stats.ratio_ci(a, [1.2 * v for v in a])
        self.assertAlmostEqual(ci.estimate, 1.2, places=12)
        self.assertLess(ci.low, 1.2)
        self.assertGreater(ci.high, 1.2)

    def test_identical_samples_contain_one(self):
        a = [50.0 + (i * 7) % 11 for i in range(15)]
        ci = stats.ratio_ci(a, list(a))
        self.assertAlmostEqual(ci.estimate, 1.0, places=12)
        self.assertLess(ci.low, 1.0)
        self.assertGreater(ci.high, 1.0)

    def test_contains_true_ratio_on_synthetic_data(self):
        # log-normal times, B 10% slower: a fixed seed contains 1.10, and
        # over 400 seeds the coverage is close to the nominal 95%.
        def sample(rng, scale):
            return [scale * 100.0 * math.exp(rng.gauss(0, 0.05)) for _ in range(15)]
        rng = random.Random(42)
        ci = stats.ratio_ci(sample(rng, 1.0), sample(rng, 1.10))
        self.assertLess(ci.low, 1.10)
        self.assertGreater(ci.high, 1.10)
        self.assertGreater(ci.low, 1.0)  # and excludes "no change"
        hits = 0
        for seed in range(400):
            rng = random.Random(seed)
            ci = stats.ratio_ci(sample(rng, 1.0), sample(rng, 1.10))
            hits += ci.low <= 1.10 <= ci.high
        self.assertGreaterEqual(hits / 400, 0.92)
        self.assertLessEqual(hits / 400, 0.99)


def tight(center, n=15):
    """n distinct values within +-0.7% of center."""
    return [center * (1 + 0.001 * (i - n // 2)) for i in range(n)]


class VerdictTest(unittest.TestCase):

    def test_classify(self):
        c = compare.classify
        self.assertEqual(c(1.03, 1e-6, 0.05, 0.01), "no change")   # small
        self.assertEqual(c(1.20, 0.02, 0.05, 0.01), "no change")   # not sig.
        self.assertEqual(c(1.05, 0.009, 0.05, 0.01), "regression")  # both
        self.assertEqual(c(105 / 100, 1e-6, 0.05, 0.01), "regression")
        self.assertEqual(c(1 / 1.06, 1e-6, 0.05, 0.01), "improvement")
        self.assertEqual(c(0.97, 1e-6, 0.05, 0.01), "no change")

    def test_significant_but_small_is_not_flagged(self):
        rows = compare.analyse({"c": tight(100)}, {"c": tight(103)}, 0.05, 0.01)
        self.assertLess(rows[0]["p"], 1e-4)
        self.assertAlmostEqual(rows[0]["ratio"], 1.03)
        self.assertEqual(rows[0]["verdict"], "no change")

    def test_large_but_not_significant_is_not_flagged(self):
        # 4 vs 4 samples: the smallest possible p is 2/70 = 0.029 > 0.01
        rows = compare.analyse({"c": [100, 101, 102, 103]},
                               {"c": [200, 201, 202, 203]}, 0.05, 0.01)
        self.assertAlmostEqual(rows[0]["p"], 2 / 70)
        self.assertEqual(rows[0]["verdict"], "no change")
        # noisy 15 vs 15 with a 10% shift of the median, overlapping
        a = [100, 60, 140, 80, 120, 90, 110, 70, 130, 95, 105, 85, 115, 75, 125]
        rows = compare.analyse({"c": a}, {"c": [v * 1.1 for v in a[::-1]]},
                               0.05, 0.01)
        self.assertGreater(rows[0]["ratio"], 1.05)
        self.assertGreater(rows[0]["p"], 0.01)
        self.assertEqual(rows[0]["verdict"], "no change")

    def test_rows_are_worst_first(self):
        rows = compare.analyse({"x": tight(100), "y": tight(100), "z": tight(100)},
                               {"x": tight(90), "y": tight(150), "z": tight(101)},
                               0.05, 0.01)
        self.assertEqual([r["case"] for r in rows], ["y", "z", "x"])
        self.assertEqual([r["verdict"] for r in rows],
                         ["regression", "no change", "improvement"])

    def fake_measure(self, runs):
        calls = []

        def measure(bench_filter):
            calls.append(bench_filter)
            a, b, err = runs[len(calls) - 1]
            return dict(a), dict(b), dict(err)
        return measure, calls

    def run_compare(self, measure):
        with contextlib.redirect_stderr(io.StringIO()):
            return compare.compare(measure, ".", 0.05, 0.01)

    def test_confirmation_step(self):
        first = ({"X/1": tight(100), "Y.2": tight(100), "Z": tight(100)},
                 {"X/1": tight(120), "Y.2": tight(110), "Z": tight(100)}, {})
        rerun = ({"X/1": tight(100), "Y.2": tight(100)},
                 {"X/1": tight(121), "Y.2": tight(100.5)}, {})
        measure, calls = self.fake_measure([first, rerun])
        result = self.run_compare(measure)
        self.assertEqual(calls, [".", r"^(X/1|Y\.2)$"])  # only the flagged
        verdicts = {r["case"]: r["verdict"] for r in result["rows"]}
        self.assertEqual(verdicts, {"X/1": "regression", "Y.2": "unconfirmed",
                                    "Z": "no change"})
        self.assertEqual(result["regressions"], ["X/1"])
        self.assertEqual(result["exit_status"], 1)
        self.assertEqual(len(result["confirmation"]), 2)

    def test_confirmation_filter_names_each_sides_own_name(self):
        # A revision from before the dict axis reports the old name; the
        # re-run's filter must match it there too, or that side runs nothing.
        new = "BM_UpdateOnGet/lru/dict:flat/kvobj/hstr/entries:1024/dist:uniform"
        old = "BM_UpdateOnGet/lru/kvobj/hstr/entries:1024/dist:uniform"
        first = ({new: tight(100)}, {new: tight(120)}, {})
        rerun = ({new: tight(100)}, {new: tight(121)}, {})
        measure, calls = self.fake_measure([first, rerun])
        measure.names_of = lambda case: [old, case]
        result = self.run_compare(measure)
        self.assertEqual(calls[1], "^(" + "|".join(
            compare.ere_escape(n) for n in sorted([old, new])) + ")$")
        self.assertEqual(result["regressions"], [new])

    def test_unconfirmed_only_exits_zero(self):
        first = ({"X": tight(100)}, {"X": tight(120)}, {})
        rerun = ({"X": tight(100)}, {"X": tight(100)}, {})
        measure, calls = self.fake_measure([first, rerun])
        result = self.run_compare(measure)
        self.assertEqual(len(calls), 2)
        self.assertEqual(result["rows"][0]["verdict"], "unconfirmed")
        self.assertEqual(result["exit_status"], 0)

    def test_no_flag_no_rerun(self):
        measure, calls = self.fake_measure(
            [({"X": tight(100)}, {"X": tight(80)}, {})])
        result = self.run_compare(measure)
        self.assertEqual(len(calls), 1)
        self.assertEqual(result["rows"][0]["verdict"], "improvement")
        self.assertEqual(result["exit_status"], 0)

    def test_benchmark_error_exits_two_and_empty_filter_is_an_error(self):
        measure, _ = self.fake_measure(
            [({"X": tight(100)}, {"X": tight(100)}, {"Y": "B: wrong result"})])
        self.assertEqual(self.run_compare(measure)["exit_status"], 2)
        measure, _ = self.fake_measure([({}, {}, {})])
        with self.assertRaises(compare.CompareError):
            self.run_compare(measure)

    def test_suite_wide_shift_warns(self):
        names = [f"c{i}" for i in range(12)]
        shifted = ({n: tight(100) for n in names}, {n: tight(60) for n in names},
                   {})
        result = self.run_compare(self.fake_measure([shifted])[0])
        self.assertIn("median case moved", result["warning"])
        self.assertEqual(result["exit_status"], 0)
        steady = ({n: tight(100) for n in names},
                  {n: tight(60 if n == "c0" else 100) for n in names}, {})
        self.assertIsNone(self.run_compare(self.fake_measure([steady])[0])["warning"])

    def test_report_columns(self):
        result = self.run_compare(self.fake_measure(
            [({"X": tight(100)}, {"X": tight(100)}, {})])[0])
        out = io.StringIO()
        compare.report(result, "header", out)
        text = out.getvalue()
        for col in ("case", "median A (ns)", "median B (ns)", "B/A", "95% CI",
                    "p", "verdict"):
            self.assertIn(col, text)
        self.assertIn("no confirmed regression", text)


class ReadSamplesTest(unittest.TestCase):

    def test_iterations_only_in_ns(self):
        doc = {"benchmarks": [
            {"name": "A", "run_name": "A", "run_type": "iteration",
             "real_time": 1.5, "time_unit": "us"},
            {"name": "A", "run_name": "A", "run_type": "iteration",
             "real_time": 2.0, "time_unit": "us"},
            {"name": "A_median", "run_name": "A", "run_type": "aggregate",
             "aggregate_name": "median", "real_time": 9.0, "time_unit": "us"},
            {"name": "B", "run_name": "B", "run_type": "iteration",
             "error_occurred": True, "error_message": "bad sum"},
        ]}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "out.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            samples, errors = compare.read_samples(path)
        self.assertEqual(samples, {"A": [1500.0, 2000.0]})
        self.assertEqual(errors, {"B": "bad sum"})

    def test_ere_escape(self):
        self.assertEqual(compare.ere_escape("BM_X/a:1/b.c(d)"),
                         r"BM_X/a:1/b\.c\(d\)")


if __name__ == "__main__":
    unittest.main()
