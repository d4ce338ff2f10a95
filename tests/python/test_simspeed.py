#!/usr/bin/python3
"""Tests of evictlab_tools/simspeed.py without libCacheSim or a lab build.

Run from the repo root:
  PYTHONPATH=scripts /usr/bin/python3 -m unittest \
      tests/python/test_simspeed.py -v

The parsers are fed cachesim's two output shapes as its printf formats write
them (libCacheSim aa0fc40, bin/cachesim/sim.c and main.c) and the lab's
`--json -` document (SIM-SPEC section 6). The end-to-end tests run
scripts/simspeed against two tiny fake programs written below: a fake
`evictlab` (generate writes a file; simulate prints the JSON) and a fake
`cachesim` that prints the one-cache line, aborts on mru like upstream, or,
as a "counts" build, prints COUNTS lines and knows mru. Expected counts are
the fakes' own constants, ratios derived by hand in the comments.
"""

import contextlib
import io
import json
import os
import stat
import sys
import tempfile
import textwrap
import unittest
from datetime import datetime, timezone
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

from evictlab_tools import simspeed  # noqa: E402

# Misses of the fakes per policy, of N_REQ = 10000 requests of 4096 bytes.
N_REQ = 10000
MISSES = {"lru": 4200, "fifo": 4500, "mru": 7000, "belady": 3001}

FAKE_LAB = textwrap.dedent("""\
    import json, os, sys
    MISSES = %(misses)r
    N_REQ = %(n_req)d
    a = sys.argv[1:]
    def opt(name):
        return a[a.index(name) + 1]
    if a[0] == "generate":
        with open(opt("--out"), "wb") as f:
            f.write(b"\\0" * 24)
        print("1 requests, 1 distinct objects")
        sys.exit(0)
    assert a[0] == "simulate" and opt("--threads") == "1", a
    policy = opt("--policy")
    if policy not in MISSES:
        print("evictlab simulate: --policy: unknown policy '%%s'" %% policy,
              file=sys.stderr)
        print("usage: evictlab simulate ...", file=sys.stderr)
        sys.exit(2)
    size = int(opt("--cache-sizes"))
    n_miss = MISSES[policy]
    if os.environ.get("FAKE_LAB_EXTRA_MISS") == policy:
        n_miss += 1
    r = {"policy": policy, "cache_size": size, "n_req": N_REQ,
         "n_req_byte": N_REQ * 4096, "n_miss": n_miss,
         "n_miss_byte": n_miss * 4096, "miss_ratio": n_miss / N_REQ,
         "byte_miss_ratio": n_miss / N_REQ, "seconds": 0.001,
         "req_per_s": N_REQ / 0.001}
    json.dump({"trace": opt("--trace"), "format": "oraclegeneral",
               "context": {"threads": 1}, "results": [r]}, sys.stdout)
    """)

FAKE_CACHESIM = textwrap.dedent("""\
    import json, os, sys
    MISSES = %(misses)r
    N_REQ = %(n_req)d
    COUNTS_BUILD = %(counts)r
    trace, kind, algo, size = sys.argv[1:5]
    assert kind == "oracleGeneral" and "--num-thread" in sys.argv, sys.argv
    open("result_written_here", "a").close()   # like cachesim's result/
    if algo == "mru" and not COUNTS_BUILD:
        sys.stderr.write("\\x1b[31m[ERROR] cache_init.h:160: do not support "
                         "algorithm mru\\n\\x1b[0m")
        sys.stderr.flush()
        os.abort()
    n_miss = MISSES[algo]
    if COUNTS_BUILD:
        print("result/x %%32s cache size %%8ldMiB, %%d req, miss ratio %%.4f, "
              "byte miss ratio %%.4f" %% (algo.upper(), int(size) >> 20,
              N_REQ, n_miss / N_REQ, n_miss / N_REQ))
        print("COUNTS " + json.dumps({
            "cache_name": algo.upper(), "cache_size": int(size),
            "n_req": N_REQ, "n_req_byte": N_REQ * 4096, "n_miss": n_miss,
            "n_miss_byte": n_miss * 4096, "n_warmup_req": 0}))
    else:
        print("%%s %%s cache size %%8s, %%16d req, miss ratio %%.4f, "
              "throughput %%.2f MQPS" %% (trace, algo.upper(), "512MiB",
              N_REQ, n_miss / N_REQ, 1.25))
    """)


def write_script(path, body):
    with open(path, "w") as f:
        f.write(f"#!{sys.executable}\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


LAB_DOC = {
    "trace": "t.oracleGeneral.bin", "format": "oraclegeneral",
    "context": {"threads": 1},
    "results": [{"policy": "lru", "cache_size": 134217728, "n_req": 113872,
                 "n_req_byte": 4368040448, "n_miss": 93374,
                 "n_miss_byte": 4214303232, "miss_ratio": 0.82,
                 "byte_miss_ratio": 0.96, "seconds": 0.0062,
                 "req_per_s": 18414710.0}],
}
# cachesim's two shapes for the same cell (lru, 128 MiB, cloudPhysics).
ONE_CACHE = ("/t/cloudPhysicsIO.oracleGeneral.bin LRU cache size   128MiB,"
             "           113872 req, miss ratio 0.8200, "
             "throughput 1.11 MQPS\n")
SEVERAL = (
    "\nresult/cloudPhysicsIO.oracleGeneral.bin                              "
    "LRU cache size      128MiB, 113872 req, miss ratio 0.8200, byte miss "
    "ratio 0.9648\n"
    'COUNTS {"cache_name": "LRU", "cache_size": 134217728, "n_req": 113872, '
    '"n_req_byte": 4368040448, "n_miss": 93374, "n_miss_byte": 4214303232, '
    '"n_warmup_req": 0}\n')


class ParseTest(unittest.TestCase):

    def test_lab_json(self):
        r = simspeed.parse_lab_json(json.dumps(LAB_DOC), "lru", 134217728)
        self.assertEqual((r["n_req"], r["n_miss"], r["n_miss_byte"]),
                         (113872, 93374, 4214303232))
        self.assertEqual(r["loop_req_per_s"], 18414710.0)

    def test_lab_json_wrong_cell_or_not_json(self):
        with self.assertRaisesRegex(simspeed.ToolError, "0 results for fifo"):
            simspeed.parse_lab_json(json.dumps(LAB_DOC), "fifo", 134217728)
        with self.assertRaisesRegex(simspeed.ToolError, "not JSON"):
            simspeed.parse_lab_json("lru 128MiB 113872", "lru", 134217728)

    def test_one_cache_line(self):
        p = simspeed.parse_cachesim_output(ONE_CACHE)
        self.assertEqual(p["counts"], [])
        (ln,) = p["lines"]
        self.assertEqual((ln["name"], ln["size"], ln["n_req"],
                          ln["miss_ratio_text"], ln["mqps"],
                          ln["byte_miss_ratio"]),
                         ("LRU", "128MiB", 113872, "0.8200", 1.11, None))
        r = simspeed.cachesim_result(p)
        self.assertEqual(r["method"], "miss ratio, 4 decimals")
        self.assertEqual(r["mqps"], 1.11)

    def test_counts_lines_win(self):
        p = simspeed.parse_cachesim_output(SEVERAL)
        self.assertEqual(p["lines"][0]["byte_miss_ratio"], 0.9648)
        r = simspeed.cachesim_result(p)
        self.assertEqual(r["method"], "exact counts")
        self.assertEqual((r["n_miss"], r["n_miss_byte"]),
                         (93374, 4214303232))
        self.assertIsNone(r["mqps"])

    def test_no_result_line(self):
        with self.assertRaisesRegex(simspeed.ToolError, "no \"miss ratio\""):
            simspeed.cachesim_result(simspeed.parse_cachesim_output("hello\n"))

    def test_unsupported(self):
        run = {"returncode": -6, "stdout": "",
               "stderr": "\x1b[31m[ERROR] 12-01-2026 cache_init.h:160 "
                         "(tid=1): do not support algorithm mru\n\x1b[0m"}
        self.assertEqual(simspeed.cachesim_unsupported(run),
                         "do not support algorithm mru")
        self.assertIsNone(simspeed.cachesim_unsupported(
            dict(run, stderr="Segmentation fault")))
        self.assertIsNone(simspeed.cachesim_unsupported(
            dict(run, returncode=0)))


class CompareTest(unittest.TestCase):

    lab = simspeed.parse_lab_json(json.dumps(LAB_DOC), "lru", 134217728)

    def test_ratio_rounds_equal(self):
        # 93374 / 113872 = 0.819999... -> "0.8200", as printed.
        cs = simspeed.cachesim_result(simspeed.parse_cachesim_output(
            ONE_CACHE))
        m = simspeed.compare_misses(self.lab, cs)
        self.assertTrue(m["equal"], m)

    def test_ratio_differs(self):
        # 93390 / 113872 = 0.82013 -> "0.8201" != "0.8200".
        lab = dict(self.lab, n_miss=93390)
        cs = simspeed.cachesim_result(simspeed.parse_cachesim_output(
            ONE_CACHE))
        m = simspeed.compare_misses(lab, cs)
        self.assertFalse(m["equal"])
        self.assertIn("0.8201", m["detail"])

    def test_ratio_needs_same_n_req(self):
        cs = simspeed.cachesim_result(simspeed.parse_cachesim_output(
            ONE_CACHE.replace("113872", "113871")))
        self.assertFalse(simspeed.compare_misses(self.lab, cs)["equal"])

    def test_exact_counts(self):
        cs = simspeed.cachesim_result(simspeed.parse_cachesim_output(SEVERAL))
        self.assertTrue(simspeed.compare_misses(self.lab, cs)["equal"])
        # One byte-miss off: the ratio would still round the same, the
        # exact comparison must not.
        m = simspeed.compare_misses(
            dict(self.lab, n_miss_byte=4214303232 + 512), cs)
        self.assertFalse(m["equal"])
        self.assertIn("n_miss_byte", m["detail"])


def _run(wall, cpu=0.5):
    return {"wall_s": wall, "user_s": cpu, "sys_s": 0.0,
            "loop_req_per_s": None}


class AggregateTest(unittest.TestCase):

    def test_medians_and_pair_ratios(self):
        lab = [_run(1.0), _run(2.0), _run(1.5)]
        cs = [_run(3.0), _run(3.0), _run(6.0)]
        s = simspeed.summarize_cell(lab, cs, n_req=3_000_000)
        # Median walls 1.5 and 3.0 -> 2e6 and 1e6 req/s.
        self.assertEqual(s["lab"]["req_per_s"], 2e6)
        self.assertEqual(s["cachesim"]["req_per_s"], 1e6)
        self.assertEqual((s["lab"]["wall_min_s"], s["lab"]["wall_max_s"]),
                         (1.0, 2.0))
        # Pairs: 3/1 = 3, 3/2 = 1.5, 6/1.5 = 4 -> median 3, range 1.5-4
        # (not the ratio of medians, 2).
        self.assertEqual(s["ratio"]["pairs"], [3.0, 1.5, 4.0])
        self.assertEqual((s["ratio"]["median"], s["ratio"]["min"],
                          s["ratio"]["max"]), (3.0, 1.5, 4.0))
        self.assertTrue(s["meets_target"])
        self.assertEqual(simspeed.fmt_ratio(s["ratio"]), "3.00x (1.50-4.00)")

    def test_below_target_and_lab_only(self):
        s = simspeed.summarize_cell([_run(1.0)], [_run(1.9)], n_req=10)
        self.assertFalse(s["meets_target"])
        s = simspeed.summarize_cell([_run(1.0)], [], n_req=10)
        self.assertIsNone(s["cachesim"])
        self.assertIsNone(s["ratio"])
        self.assertIsNone(s["meets_target"])

    def test_default_run_dir_name(self):
        now = datetime(2026, 12, 1, 9, 5, 7, tzinfo=timezone.utc)
        d = simspeed.default_run_dir(repo=REPO, now=now)
        self.assertRegex(os.path.relpath(d, REPO),
                         r"^results/runs/20261201T090507Z_[0-9a-f]{7}"
                         r"_simspeed$")


class EndToEndTest(unittest.TestCase):
    """scripts/simspeed's main() against the fakes."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        d = self.tmp.name
        fmt = {"misses": MISSES, "n_req": N_REQ}
        self.lab = write_script(os.path.join(d, "evictlab"), FAKE_LAB % fmt)
        self.cs = write_script(os.path.join(d, "cachesim"),
                               FAKE_CACHESIM % dict(fmt, counts=False))
        self.cs_counts = write_script(os.path.join(d, "cachesim_counts"),
                                      FAKE_CACHESIM % dict(fmt, counts=True))
        self.traces = os.path.join(d, "traces")
        self.out = os.path.join(d, "run")
        source = os.path.join(d, "src.oracleGeneral.bin")
        open(source, "wb").close()
        self.base = ["--evictlab", self.lab, "--cachesim", self.cs,
                     "--traces-dir", self.traces, "--runs", "2",
                     "--cloudphysics-source", source, "--out", self.out]

    def main(self, *extra):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = simspeed.main(self.base + list(extra))
        return rc, out.getvalue(), err.getvalue()

    def doc(self):
        with open(os.path.join(self.out, "simspeed.json")) as f:
            return json.load(f)

    def test_all_equal_generates_traces_and_writes_table(self):
        rc, md, err = self.main("--policies", "lru,fifo,belady")
        self.assertEqual(rc, 0, err)
        for tr in simspeed.TRACES.values():
            self.assertTrue(os.path.exists(os.path.join(self.traces,
                                                        tr.filename)))
            self.assertIn("oracleGeneral", tr.filename)
        doc = self.doc()
        self.assertEqual(len(doc["cells"]), 6)
        for cell in doc["cells"]:
            self.assertEqual(len(cell["lab_runs"]), 2)
            self.assertEqual(len(cell["cachesim_runs"]), 2)
            self.assertTrue(cell["misses"]["equal"])
            self.assertEqual(cell["misses"]["method"],
                             "miss ratio, 4 decimals")
            r = cell["lab_runs"][0]
            self.assertGreater(r["wall_s"], 0)
            self.assertGreaterEqual(r["user_s"] + r["sys_s"], 0)
            self.assertEqual(cell["lab_command"][-6:],
                             ["--cache-sizes",
                              str(simspeed.TRACES[cell["trace"]].cache_size),
                              "--threads", "1", "--json", "-"])
            self.assertEqual(cell["cachesim_command"][-2:],
                             ["--num-thread", "1"])
            # cachesim's own figure, 1.25 MQPS, kept as its loop rate.
            self.assertEqual(cell["summary"]["cachesim"]["loop_req_per_s"],
                             1.25e6)
        self.assertTrue(doc["traces"]["zipf"]["generated"])
        self.assertEqual(doc["traces"]["zipf"]["n_req"], N_REQ)
        self.assertIn("git_sha", doc["context"])
        self.assertIn("| policy | trace | lab req/s | cachesim req/s | "
                      "ratio (median, min-max) | misses equal |", md)
        self.assertIn("| belady | cloudPhysics x44, 512 MiB |", md)
        with open(os.path.join(self.out, "simspeed.md")) as f:
            self.assertEqual(f.read(), md)
        # cachesim ran in a scratch dir, not in the cwd or the run dir.
        self.assertFalse(os.path.exists("result_written_here"))
        self.assertEqual(sorted(os.listdir(self.out)),
                         ["simspeed.json", "simspeed.md"])

    def test_mru_unsupported_is_reported(self):
        rc, md, err = self.main("--policies", "mru", "--traces", "zipf")
        self.assertEqual(rc, 0, err)
        (cell,) = self.doc()["cells"]
        self.assertEqual(cell["cachesim_unsupported"],
                         "do not support algorithm mru")
        self.assertEqual(cell["cachesim_runs"], [])
        self.assertEqual(len(cell["lab_runs"]), 2)
        self.assertIn("unsupported (do not support algorithm mru)", md)

    def test_mru_substitute_binary(self):
        rc, md, err = self.main("--policies", "lru,mru", "--traces", "zipf",
                                "--cachesim-mru", self.cs_counts)
        self.assertEqual(rc, 0, err)
        lru, mru = self.doc()["cells"]
        self.assertFalse(lru["cachesim_substitute"])
        self.assertEqual(lru["cachesim_binary"], self.cs)
        self.assertTrue(mru["cachesim_substitute"])
        self.assertEqual(mru["cachesim_binary"], self.cs_counts)
        self.assertEqual(mru["cachesim_command"][0], self.cs_counts)
        self.assertEqual(mru["misses"]["method"], "exact counts")
        self.assertTrue(mru["misses"]["equal"])
        self.assertEqual(len(mru["cachesim_runs"]), 2)
        self.assertIn("[--cachesim-mru]", md)
        self.assertIn(f"timed with --cachesim-mru {self.cs_counts}", md)

    def test_mismatch_fails_loudly(self):
        # One extra lab miss for fifo: 4501/10000 -> "0.4501" != "0.4500".
        with mock.patch.dict(os.environ, {"FAKE_LAB_EXTRA_MISS": "fifo"}):
            rc, md, err = self.main("--policies", "lru,fifo",
                                    "--traces", "cloudphysics")
        self.assertEqual(rc, 1)
        self.assertIn("MISS COUNTS DIFFER", err)
        self.assertIn("| fifo | cloudPhysics x44, 512 MiB |", md)
        self.assertIn("**NO** (miss ratio lab 0.4501", md)
        cells = self.doc()["cells"]
        self.assertTrue(cells[0]["misses"]["equal"])
        self.assertFalse(cells[1]["misses"]["equal"])

    def test_exact_mismatch_with_counts_build(self):
        # The ratio would hide nothing here either, but the counts build
        # compares n_miss itself.
        self.base[self.base.index(self.cs)] = self.cs_counts
        with mock.patch.dict(os.environ, {"FAKE_LAB_EXTRA_MISS": "lru"}):
            rc, md, err = self.main("--policies", "lru", "--traces", "zipf")
        self.assertEqual(rc, 1)
        self.assertIn("n_miss lab 4201 cachesim 4200", md)

    def test_lab_failure_is_an_error(self):
        rc, md, err = self.main("--policies", "nosuch", "--traces", "zipf")
        self.assertEqual(rc, 1)
        self.assertIn("unknown policy 'nosuch'", err)
        self.assertIn("| nosuch |", md)
        self.assertIn("ERROR", md)

    def test_usage(self):
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(SystemExit) as e:
                simspeed.main(["--cachesim", self.cs, "--traces", "nope"])
        self.assertEqual(e.exception.code, 2)


if __name__ == "__main__":
    unittest.main()
