#!/usr/bin/python3
"""Tests of the policy sweep (evictlab_tools/sweep.py: what scripts/run.sh
simulates), of its results' loader (simresults.py) and of summary.md's
policy-sweep section. The sweep runs against a fake `evictlab` here; the
real one is run by scripts/run.sh. Standard library only."""

import contextlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from evictlab_tools import derive, simresults, summarize, sweep  # noqa: E402

TRACES = sweep.DEFAULT_TRACES
UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def parse_sizes(spec):
    """--cache-sizes as `evictlab simulate` reads it (a list or a range)."""
    def one(s):
        m = re.fullmatch(r"(\d+)(KiB|MiB|GiB|TiB)?", s)
        return int(m.group(1)) * UNITS.get(m.group(2), 1)
    if ":" in spec:
        a, b, c = (one(x) for x in spec.split(":"))
        return list(range(a, b + 1, c))
    return [one(s) for s in spec.split(",")]


def footprint_bytes(path):
    """The trace's distinct blocks' tokens x the sweep's bytes per token
    (SIM-SPEC section 5: 512 tokens per block, the last one the rest)."""
    tokens = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            ids, n = r["hash_ids"], r["input_length"]
            for i, b in enumerate(ids):
                tokens[b] = 512 if i < len(ids) - 1 else n - 512 * i
    return sum(tokens.values()) * sweep.KV_BYTES_PER_TOKEN


class PlanTest(unittest.TestCase):
    def test_every_policy_on_the_three_traces(self):
        plan = sweep.plan(TRACES)
        self.assertEqual([s.id for s in plan], ["conversation_trace",
                                                "synthetic_trace",
                                                "cloudPhysicsIO"])
        self.assertEqual([s.format for s in plan],
                         ["mooncake", "mooncake", "oraclegeneral"])
        for s in plan:
            argv = sweep.command(s, "EV", "OUT.json")
            self.assertEqual(argv[:3], ["EV", "simulate", s.trace])
            self.assertEqual(argv[argv.index("--policy") + 1], "all")
            self.assertEqual(argv[-2:], ["--json", "OUT.json"])
            self.assertEqual("--model" in argv, s.kv)
        self.assertEqual(parse_sizes(plan[2].cache_sizes),
                         [k << 27 for k in range(1, 9)])

    @unittest.skipUnless(os.path.isdir(os.path.join(TRACES, "mooncake")),
                         "the shared traces are not here")
    def test_mooncake_sizes_span_the_footprint(self):
        # The rule in sweep.py: 8 sizes doubling from a few % of the trace's
        # distinct blocks' bytes to beyond all of them.
        for s in sweep.plan(TRACES)[:2]:
            sizes = parse_sizes(s.cache_sizes)
            fp = footprint_bytes(s.trace)
            self.assertEqual(len(sizes), 8, s.id)
            self.assertEqual(sizes, [sizes[0] << k for k in range(8)], s.id)
            self.assertTrue(0.005 * fp <= sizes[0] <= 0.03 * fp,
                            (s.id, sizes[0] / fp))
            self.assertTrue(fp <= sizes[-1] <= 2 * fp, (s.id,
                                                        sizes[-1] / fp))

    def test_print_lists_the_commands(self):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.assertEqual(sweep.main(["--print", "--evictlab", "EV"]), 0)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertTrue(all(ln.startswith("EV simulate ") for ln in lines))
        self.assertIn("--json sim/conversation_trace.json", lines[0])

    def test_run_sh_prints_the_same_plan_without_building(self):
        p = subprocess.run([os.path.join(REPO, "scripts", "run.sh"),
                            "--print-sweep"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 3)
        self.assertIn("--policy all", p.stdout)


FAKE = r"""#!/bin/sh
# A stand-in for `evictlab simulate`: KV mode fails as a build without it
# would; classic mode writes a one-result JSON to the --json path.
out=""; fmt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) out=$2; shift ;;
    --format) fmt=$2; shift ;;
  esac
  shift
done
if [ "$fmt" = mooncake ]; then
  echo "evictlab simulate: --format: unknown format 'mooncake'" >&2
  exit 2
fi
printf '%s\n' '{"trace": "t", "format": "oraclegeneral", "context": {},
 "results": [{"policy": "lru", "cache_size": 134217728, "n_req": 10,
 "miss_ratio": 0.5, "seconds": 0.001, "req_per_s": 10000}]}' > "$out"
echo "policy cache size"
"""


class RunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.fake = os.path.join(self.tmp, "evictlab")
        with open(self.fake, "w") as f:
            f.write(FAKE)
        os.chmod(self.fake, stat.S_IRWXU)

    def test_outputs_and_failures_are_recorded(self):
        run_dir = os.path.join(self.tmp, "run")
        lines = []
        out = sweep.run(run_dir, TRACES, self.fake, log=lines.append)
        self.assertEqual([(o["id"], o["ok"]) for o in out],
                         [("conversation_trace", False),
                          ("synthetic_trace", False), ("cloudPhysicsIO", True)])
        self.assertEqual(sorted(os.listdir(os.path.join(run_dir, "sim"))),
                         ["cloudPhysicsIO.json", "cloudPhysicsIO.txt",
                          "conversation_trace.err", "synthetic_trace.err"])
        with open(os.path.join(run_dir, "sim", "cloudPhysicsIO.txt")) as f:
            self.assertTrue(f.readline().startswith("$ " + self.fake))
        self.assertIn("unknown format 'mooncake'", lines[0])
        # The loader reports both: the result and the failures.
        sw = simresults.load_sweep(run_dir)
        self.assertEqual([t.id for t in sw.traces], ["cloudPhysicsIO"])
        self.assertEqual([e[0] for e in sw.errors],
                         ["conversation_trace", "synthetic_trace"])
        self.assertIn("exit status 2", sw.errors[0][1])
        # A second sweep into the same run leaves no stale files.
        os.remove(self.fake)
        sweep.run(run_dir, TRACES, self.fake)
        self.assertEqual(sorted(os.listdir(os.path.join(run_dir, "sim"))),
                         ["cloudPhysicsIO.err", "conversation_trace.err",
                          "synthetic_trace.err"])

    def test_exit_status(self):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            rc = sweep.main(["--run-dir", os.path.join(self.tmp, "r"),
                             "--traces", TRACES, "--evictlab", self.fake])
        self.assertIn("FAILED (exit 2)", out.getvalue())
        self.assertEqual(rc, 1)


def kv_doc(hits, sizes=(1 << 30, 2 << 30)):
    """A KV-mode sim JSON: hits = {policy: [token hit ratio per size]}."""
    res = []
    for p, hs in hits.items():
        for sz, h in zip(sizes, hs):
            res.append({"policy": p, "cache_size": sz, "n_req": 100,
                        "seconds": 0.5, "req_per_s": 200.0,
                        "token_hit_ratio": h, "block_hit_ratio": h,
                        "miss_ratio": 1 - h})
    return {"trace": "x.jsonl", "format": "mooncake",
            "context": {"model": "llama-3.1-8b"}, "results": res}


class SimResultsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def write(self, name, doc):
        os.makedirs(os.path.join(self.tmp, "sim"), exist_ok=True)
        path = os.path.join(self.tmp, "sim", name)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def test_ranking_shares_ranks_on_ties(self):
        t = simresults.load_trace(self.write("a.json", kv_doc(
            {"lru": [0.2, 0.3], "lru_strict": [0.2, 0.3], "arc": [0.25, 0.3],
             "mru": [0.1, 0.2]})))
        self.assertTrue(t.kv)
        self.assertEqual(simresults.ranking(t, 1 << 30),
                         [(1, "arc", 0.25), (2, "lru", 0.2),
                          (2, "lru_strict", 0.2), (4, "mru", 0.1)])
        self.assertEqual([r[0] for r in simresults.ranking(t, 2 << 30)],
                         [1, 1, 1, 4])
        self.assertEqual(t.ns_per_req("arc", 1 << 30), 5e6)

    def test_time_per_request_without_n_req(self):
        doc = kv_doc({"lru": [0.2, 0.3]})
        for r in doc["results"]:
            del r["n_req"]
        t = simresults.load_trace(self.write("e.json", doc))
        self.assertEqual(t.ns_per_req("lru", 1 << 30), 5e6)   # 1e9 / 200
        self.assertEqual(t.n_req, 100)
        del doc["results"][0]["req_per_s"]
        with self.assertRaisesRegex(simresults.SimResultsError,
                                    r"results\[0\]: neither 'n_req' nor"):
            simresults.load_trace(self.write("f.json", doc))

    def test_summary_sizes(self):
        t = simresults.load_trace(self.write("a.json", kv_doc(
            {"lru": [0.1] * 8}, sizes=[1 << (30 + k) for k in range(8)])))
        self.assertEqual(simresults.summary_sizes(t), [4 << 30, 16 << 30])
        self.assertEqual([simresults.fmt_bytes(s) for s in (1 << 40,
                                                            1536 << 20, 5)],
                         ["1TiB", "1536MiB", "5"])

    def test_malformed_files_name_the_file_record_and_field(self):
        doc = kv_doc({"lru": [0.2, 0.3]})
        doc["results"][1]["cache_size"] = "big"
        p = self.write("b.json", doc)
        with self.assertRaisesRegex(simresults.SimResultsError,
                                    re.escape(p) + r": results\[1\]: field "
                                    r"'cache_size' missing or not a number"):
            simresults.load_trace(p)
        doc = kv_doc({"lru": [0.2, 0.3]})
        doc["results"].append(dict(doc["results"][0]))
        with self.assertRaisesRegex(simresults.SimResultsError,
                                    r"results\[2\]: a second result for lru"):
            simresults.load_trace(self.write("c.json", doc))
        with self.assertRaisesRegex(simresults.SimResultsError, "d.json"):
            simresults.load_trace(self.write("d.json", "{"))

    def test_summary_md_ranks_each_trace_at_two_sizes(self):
        sizes = [1 << (30 + k) for k in range(8)]
        self.write("conversation_trace.json", kv_doc(
            {"lru": [0.1 * k / 8 for k in range(8)],
             "belady": [0.2 * k / 8 for k in range(8)],
             "arc": [0.15 * k / 8 for k in range(8)]}, sizes))
        self.write("synthetic_trace.err", "$ evictlab simulate ...\n"
                   "exit status 2\nbad line\n")
        cases_doc = {"schema": "evictlab.cases/1", "cases": [],
                     "policies": [{"name": "lru"}, {"name": "arc"},
                                  {"name": "belady",
                                   "needs_future_knowledge": True}],
                     "dicts": [{"name": "flat", "default": True}],
                     "kv_kinds": [], "key_kinds": []}
        run = derive.make_run({"benchmarks": []}, None, cases_doc, {}, None,
                              path=self.tmp)
        md = "\n".join(summarize.sweep_lines(run))
        self.assertIn("### conversation_trace (mooncake, llama-3.1-8b; token "
                      "hit ratio)", md)
        self.assertIn("| policy | 4GiB | rank | 16GiB | rank |", md)
        rows = [ln for ln in md.splitlines() if ln.startswith("| ")][1:]
        self.assertEqual([r.split(" | ")[0] for r in rows],
                         ["| belady (offline)", "| arc", "| lru"])
        self.assertIn("| arc | 0.0375 | 2 | 0.0750 | 2 |", md)
        self.assertIn("`synthetic_trace`: missing: the simulation failed: "
                      "exit status 2 bad line", md)
        empty = derive.make_run({"benchmarks": []}, path=os.path.join(
            self.tmp, "nothing"))
        self.assertIn("No sim/ in this run", "\n".join(
            summarize.sweep_lines(empty)))


if __name__ == "__main__":
    unittest.main()
