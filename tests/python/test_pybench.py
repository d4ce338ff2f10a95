#!/usr/bin/python3
"""Smoke test of scripts/pybench (evictlab_tools/pybench.py): every case kind
runs, checks its result and writes Google Benchmark JSON with names of
cases.format_name (tiny sizes and --min-time, a few seconds).

Run from the repo root:
  PYTHONPATH=scripts /usr/bin/python3 -m unittest discover -s tests/python -v
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PYBENCH = os.path.join(REPO, "scripts", "pybench")

from evictlab_tools import cases, context, gbench, pybench  # noqa: E402


class PyBenchTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "python.json")
        flt = ("GetSize/(kvobj|field_read|tensor/dtype:int8)|"
               "/kvobj/cek/|/tensor/str/")
        cls.proc = subprocess.run(
            [sys.executable, PYBENCH, "--entries", "64,256", "--min-time",
             "0.002", "--repetitions", "2", "--filter", flt, "--out", cls.out],
            capture_output=True, text=True, timeout=300)
        with open(cls.out) as f:
            cls.doc = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_exit_status_and_no_errors(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr[-2000:])
        errs = [b for b in self.doc["benchmarks"] if b.get("error_occurred")]
        self.assertEqual(errs, [])

    def test_context(self):
        ctx = self.doc["context"]
        self.assertEqual(ctx["executable"], "scripts/pybench")
        self.assertEqual(ctx["library_build_type"], "python")
        for k in ("date", "host_name", "num_cpus", "python_version",
                  "torch_version", "cpu_model", "git_sha"):
            self.assertIn(k, ctx)
        self.assertEqual(context.machine(ctx)["num_cpus"], os.cpu_count())

    def test_every_case_has_repetitions_and_aggregates(self):
        names = {b["run_name"] for b in self.doc["benchmarks"]}
        want = {f"BM_UpdateOnPut/lru/dict:pydict/kvobj/cek/entries:{n}/{v}"
                for n in (64, 256)
                for v in ("evictions:0", "evictions:1", "evictions:8",
                          "status:illegal")}
        want |= {f"BM_UpdateOnPut/dummy/dict:pydict/kvobj/cek/entries:{n}/{v}"
                 for n in (64, 256) for v in ("evictions:0", "evictions:1")}
        want |= {f"BM_UpdateOnGet/{p}/dict:pydict/tensor/str/entries:{n}/"
                 f"dist:{d}"
                 for p in ("lru", "dummy") for n in (64, 256)
                 for d in ("uniform", "zipf")}
        want |= {"BM_GetSize/kvobj", "BM_GetSize/field_read"}
        self.assertTrue(want <= names, sorted(want - names))
        for name in names:
            runs = [b for b in self.doc["benchmarks"] if b["run_name"] == name]
            its = [b for b in runs if b["run_type"] == "iteration"]
            aggs = [b["aggregate_name"] for b in runs
                    if b["run_type"] == "aggregate"]
            self.assertEqual([b["repetition_index"] for b in its], [0, 1])
            self.assertEqual(aggs, ["mean", "median", "stddev", "cv"])
            for b in its:
                self.assertEqual(b["time_unit"], "ns")
                self.assertEqual(b["threads"], 1)
                self.assertGreater(b["iterations"], 0)
                self.assertGreater(b["real_time"], 0)
                self.assertGreater(b["items_per_second"], 0)

    def test_evictions_counter(self):
        def ev(name):
            return next(b["evictions"] for b in self.doc["benchmarks"]
                        if b["name"] == name)
        base = "BM_UpdateOnPut/{}/dict:pydict/kvobj/cek/entries:256/{}"
        self.assertEqual(ev(base.format("lru", "evictions:1")), 1.0)
        self.assertEqual(ev(base.format("lru", "evictions:8")), 8.0)
        self.assertEqual(ev(base.format("lru", "evictions:0")), 0.0)
        self.assertEqual(ev(base.format("lru", "status:illegal")), 0.0)
        self.assertEqual(ev(base.format("dummy", "evictions:1")), 0.0)

    def test_budget_skips_with_error_entries(self):
        out = os.path.join(self.tmp.name, "budget.json")
        p = subprocess.run(
            [sys.executable, PYBENCH, "--entries", "64", "--min-time", "0.01",
             "--repetitions", "2", "--filter", "UpdateOnGet/lru/dict:pydict/disk",
             "--max-seconds", "0.001", "--out", out],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertIn("skipped for the --max-seconds budget", p.stderr)
        with open(out) as f:
            doc = json.load(f)
        self.assertTrue(doc["benchmarks"])
        for b in doc["benchmarks"]:
            self.assertTrue(b["error_occurred"])
            self.assertIn("skipped", b["error_message"])

    def test_chunk_hash_matches_splitmix64(self):
        self.assertEqual(pybench.chunk_hashes(5, 7),
                         [pybench.chunk_hash_ref(5), pybench.chunk_hash_ref(6)])
        self.assertEqual(pybench.chunk_hash_ref(0)[:16], "e220a8397b1dcdaf")

    def test_list_matches_workloads_count(self):
        p = subprocess.run([sys.executable, PYBENCH, "--list"],
                           capture_output=True, text=True, timeout=120)
        names = p.stdout.split()
        # 48 tensor + 4 other GetSize; 4 entries x 4 kv x 2 key x (lru: 2
        # gets + 4 puts, dummy: 2 gets + 2 puts), as the C++ suite registers;
        # the fresh-key gets: 4 entries x kvobj x 2 key x 2 policies; the
        # requests: 2 of the entries (2^10, 2^14) x 11 policies (the 9 KV
        # models, lru_strict and dummy over LMCache v0's evictors) x 3
        # chunk counts x 3 hit fractions.
        self.assertEqual(len(names), 52 + 4 * 4 * 2 * (6 + 4)
                         + 4 * 2 * 2 + 2 * 11 * 3 * 3)
        self.assertIn("BM_UpdateOnGet/lru/dict:pydict/kvobj/cek/"
                      "entries:1024/dist:uniform/key:fresh", names)
        for policy in ("s3fifo", "clock", "sieve", "belady", "lru_strict",
                       "dummy"):
            self.assertIn(f"BM_Request/{policy}/dict:pydict/kvobj/cek/"
                          "entries:16384/chunks:32/hits:0.5", names)
        self.assertNotIn("BM_UpdateOnGet/lru/dict:pydict/tensor/cek/"
                         "entries:1024/dist:uniform/key:fresh", names)
        self.assertNotIn("BM_UpdateOnPut/dummy/dict:pydict/kvobj/cek/"
                         "entries:1024/evictions:8", names)
        self.assertEqual(len(set(names)), len(names))
        # every name is a record the one parser reads back
        for name in names:
            c = cases.parse_name(name)
            self.assertEqual(cases.format_name(c), name)
            if c.family.startswith("UpdateOn"):
                self.assertEqual(c.dict, cases.PYTHON_DICT)

    def test_output_loads_with_the_one_loader(self):
        res = gbench.load(self.out)
        self.assertFalse(res.errors())
        r = res["BM_UpdateOnGet/lru/dict:pydict/tensor/str/entries:64/"
                "dist:uniform"]
        self.assertEqual(r.n, 2)
        self.assertIn("bytes_per_entry", r.counters)



class RequestAndFreshKeyTest(unittest.TestCase):
    """The issue-14 cases of the model: a request hits exactly its prefix
    and stores the rest, a fresh key is a new equal object, and a wrong
    cache is caught before or while timing."""

    def test_request_checks_and_runs(self):
        for policy in pybench.REQUEST_POLICIES:
            with self.subTest(policy=policy):
                c = pybench.RequestCase("r", policy, 64, 8, 0.5)
                c.check()
                real, cpu, done = c.run(20)
                self.assertEqual(done, 20)
                # dummy never evicts: the fill, the prefix, and 4 misses for
                # each of the 2 checked and 20 timed requests.
                self.assertEqual(len(c.policy.resident),
                                 64 if policy != "dummy"
                                 else 64 + 4 + 4 * 22)
                # the miss keys are new every request: no key repeats
                k1, k2 = c._request_keys(), c._request_keys()
                self.assertEqual(k1[:4], k2[:4])
                self.assertFalse(set(k1[4:]) & set(k2[4:]))

    def test_request_without_its_prefix_is_an_error(self):
        for policy in ("lru", "belady", "lru_strict", "dummy"):
            with self.subTest(policy=policy):
                c = pybench.RequestCase("r", policy, 64, 8, 0.5)
                c.check()
                prefix_key = c._request_keys()[0]
                c.policy.remove(prefix_key)
                with self.assertRaisesRegex(pybench.CaseError, "hits"):
                    c.run(5)

    def test_the_python_sides_of_lru_strict_and_dummy_are_lmcache_v0(self):
        # lru_strict: v0's LRUEvictor, so the victims are the least
        # recently used keys: after the fill (keys 0..63 of the filler)
        # and one request [prefix p0..p3, m0..m3], the four oldest filler
        # keys are gone and the prefix is the most recent but the misses.
        c = pybench.RequestCase("r", "lru_strict", 64, 8, 0.5)
        self.assertIsInstance(c.policy.evictor, pybench.LRUEvictor)
        filler = list(c.policy.cache_dict)
        keys = c._request_keys()
        counts = c.request(keys)
        self.assertEqual(counts, {"n_block_hit": 0, "n_store": 8,
                                  "n_evict": 8, "n_store_failure": 0})
        self.assertEqual(list(c.policy.cache_dict), filler[8:] + keys)
        self.assertEqual(c.policy.evictor.current_cache_size, 64 * 512)
        keys = c._request_keys()
        counts = c.request(keys)
        self.assertEqual(counts["n_block_hit"], 4)
        self.assertEqual(list(c.policy.cache_dict)[-8:],
                         keys[3::-1] + keys[4:])
        # One list of names, which derive (no torch) reads too.
        self.assertEqual(tuple(pybench.v0_request.EVICTORS),
                         pybench.V0_REQUEST_POLICIES)
        self.assertEqual(pybench.REQUEST_POLICIES[-2:],
                         pybench.V0_REQUEST_POLICIES)
        d = pybench.RequestCase("r", "dummy", 64, 8, 0.5)
        self.assertIsInstance(d.policy.evictor, pybench.DummyEvictor)
        self.assertFalse(d.evicts)
        with self.assertRaisesRegex(ValueError, "unknown v0 policy 'lru'"):
            pybench.v0_request.make_request_cache("lru", 1024, 512)

    def test_belady_is_told_the_benchmarks_future(self):
        # bench/common/futures.h: xorshift64, never again 1 in 8.
        t = pybench.future_table()
        self.assertEqual(len(t), pybench.FUTURE_DRAWS
                         + max(pybench.REQUEST_CHUNKS))
        self.assertEqual(t[pybench.FUTURE_DRAWS:], t[:128])
        self.assertEqual(t[0], 945353633291)
        never = sum(1 for x in t[:pybench.FUTURE_DRAWS] if x == -1)
        self.assertAlmostEqual(never / pybench.FUTURE_DRAWS, 1 / 8,
                               delta=0.01)
        c = pybench.RequestCase("r", "belady", 64, 8, 0.5)
        c.check()
        heap_keys = {e[2] for e in c.policy.heap}
        self.assertTrue(set(c.policy.live) <= heap_keys)
        # Finite next accesses reached the heap (without them every entry
        # would be "never again").
        self.assertTrue(any(-e[0] != c.policy.NEVER
                            for e in c.policy.live.values()))

    def test_all_hits_and_no_hits(self):
        for f, hits in ((0.0, 0), (1.0, 8)):
            c = pybench.RequestCase("r", "lru", 64, 8, f)
            c.check()
            self.assertEqual(c.prefix, hits)
            c.run(3)

    def test_fresh_key_case_runs_and_matches_the_shared_key_one(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "py.json")
            p = subprocess.run(
                [sys.executable, PYBENCH, "--entries", "64", "--min-time",
                 "0.001", "--repetitions", "1", "--filter",
                 "lru/dict:pydict/kvobj/.*/dist:uniform", "--out", out],
                capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr[-2000:])
            res = gbench.load(out)
        for key in ("str", "cek"):
            fresh = res[f"BM_UpdateOnGet/lru/dict:pydict/kvobj/{key}/"
                        "entries:64/dist:uniform/key:fresh"]
            shared = res[f"BM_UpdateOnGet/lru/dict:pydict/kvobj/{key}/"
                         "entries:64/dist:uniform"]
            self.assertIsNone(fresh.error)
            self.assertIsNone(shared.error)
            self.assertGreater(fresh.iterations, 0)


if __name__ == "__main__":
    unittest.main()
