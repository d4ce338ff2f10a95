#!/usr/bin/python3
"""Tests of the Python boundary in a run directory (evictlab_tools/
boundary.py: the loader of RUN_DIR/boundary/pyboundary.json, the step
scripts/run.sh runs, and summary.md's boundary section), on the hand-made
fixtures fixtures/boundary/ (two traces, three policies, lru_strict without
a Python model, one row whose counters differ) and fixtures/boundary_bad/
(a time that is not a number). The step runs a fake scripts/pyboundary
here; no measurement is made. Standard library only."""

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

from evictlab_tools import boundary, derive, summarize  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "boundary", "pyboundary.json")
BAD = os.path.join(HERE, "fixtures", "boundary_bad", "pyboundary.json")


def with_boundary(tmp, src_dir):
    """A run directory (fixtures/run_new) whose boundary/ is src_dir's."""
    run = os.path.join(tmp, "run")
    shutil.copytree(os.path.join(HERE, "fixtures", "run_new"), run)
    if src_dir is not None:
        shutil.copytree(src_dir, os.path.join(run, boundary.BOUNDARY_DIR))
    return run


class LoadTest(unittest.TestCase):
    def setUp(self):
        _doc, self.tables = boundary.load(FIXTURE)

    def test_tables_per_trace_in_the_files_order(self):
        self.assertEqual([(t.id, t.cache_size, t.n_block) for t in
                          self.tables],
                         [("conversation_trace", 8388608, 288500),
                          ("synthetic_trace", 8388608, 95816)])
        for t in self.tables:
            self.assertEqual(t.policies, ["lru", "lru_strict", "fifo"])
        lru = self.tables[0].rows[0]
        self.assertEqual(lru.ns, {"model": 660.0, "per_block": 1000.0,
                                  "batched": 200.0, "cpp": 80.0})

    def test_the_targets_are_derived_from_the_times(self):
        conv, syn = ({r.policy: r for r in t.rows} for t in self.tables)
        # conversation: lru 660/200 = 3.3x the model (not met), 200/80 =
        # 2.5x C++ (met); fifo 28x (met), 4x C++ (not met).
        self.assertAlmostEqual(conv["lru"].x_model, 3.3)
        self.assertEqual(conv["lru"].x_cpp, 2.5)
        self.assertEqual((conv["lru"].met("x_model"),
                          conv["lru"].met("x_cpp")), (False, True))
        self.assertEqual((conv["fifo"].met("x_model"),
                          conv["fifo"].met("x_cpp")), (True, False))
        # No Python model of lru_strict: its 10x target is not checked.
        self.assertIsNone(conv["lru_strict"].ns["model"])
        self.assertIsNone(conv["lru_strict"].x_model)
        self.assertIsNone(conv["lru_strict"].met("x_model"))
        # The thresholds themselves meet: 2000/200 = 10x, 180/60 = 3x.
        self.assertEqual(syn["lru"].x_model, 10.0)
        self.assertTrue(syn["lru"].met("x_model"))
        self.assertEqual(syn["lru_strict"].x_cpp, 3.0)
        self.assertTrue(syn["lru_strict"].met("x_cpp"))
        self.assertFalse(syn["lru"].met("x_cpp"))          # 4x

    def test_counter_mismatches_are_kept(self):
        syn = {r.policy: r for r in self.tables[1].rows}
        self.assertTrue(syn["lru"].counters_equal)
        self.assertFalse(syn["fifo"].counters_equal)
        self.assertEqual(syn["fifo"].mismatches,
                         {"batched": {"n_evict": [100, 101]}})

    def test_the_malformed_fixture_names_file_record_and_field(self):
        with self.assertRaises(boundary.BoundaryError) as cm:
            boundary.load(BAD)
        self.assertEqual(str(cm.exception),
                         BAD + ": traces[0].results[1]: field "
                         "'ns_per_block_ref.batched' missing or not a "
                         "positive number ('fast')")

    def test_other_malformed_documents(self):
        with open(FIXTURE) as f:
            good = json.load(f)
        cases = []

        def bad(edit, message):
            doc = json.loads(json.dumps(good))
            edit(doc)
            cases.append((doc, message))
        bad(lambda d: d.pop("traces"), r"^f.json: not scripts/pyboundary "
            r"output \(no \"traces\" list\)$")
        bad(lambda d: d["traces"][1].pop("n_block"),
            r"^f.json: traces\[1\]: field 'n_block' missing")
        bad(lambda d: d["traces"][0]["results"][2].update(cache_size="8M"),
            r"^f.json: traces\[0\].results\[2\]: field 'cache_size' missing "
            r"or not a positive integer \('8M'\)$")
        bad(lambda d: d["traces"][0]["results"][0]["ns_per_block_ref"].pop(
            "cpp"), r"^f.json: traces\[0\].results\[0\]: field "
            r"'ns_per_block_ref.cpp' missing")
        bad(lambda d: d["traces"][0]["results"][0]["ns_per_block_ref"]
            .update(per_block=-1.0), r"'ns_per_block_ref.per_block' missing "
            r"or not a positive number \(-1.0\)")
        bad(lambda d: d["traces"][0]["results"].append(
            d["traces"][0]["results"][0]), r"^f.json: traces\[0\].results"
            r"\[3\]: a second result for lru at 8388608$")
        bad(lambda d: d["traces"][0].update(results=[]),
            r"traces\[0\]: field 'results' missing or empty")
        bad(lambda d: d.update(traces=[]), r"^f.json: no traces$")
        for doc, message in cases:
            with self.assertRaisesRegex(boundary.BoundaryError, message):
                boundary.parse(doc, "f.json")

    def test_not_json(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        p = os.path.join(tmp, "pyboundary.json")
        with open(p, "w") as f:
            f.write('{"traces": [')
        with self.assertRaisesRegex(boundary.BoundaryError,
                                    "^" + re.escape(p) + ": "):
            boundary.load(p)


class LoadRunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_a_run_without_boundary(self):
        b = boundary.load_run(self.tmp)
        self.assertFalse(b.present)
        self.assertEqual((b.tables, b.errors), ([], []))

    def test_a_run_with_it(self):
        run = with_boundary(self.tmp, os.path.dirname(FIXTURE))
        b = boundary.load_run(run)
        self.assertTrue(b.present)
        self.assertEqual(b.errors, [])
        self.assertEqual(len(b.tables), 2)
        self.assertEqual((b.runs, b.kv_bytes_per_token, b.loadavg),
                         (1, 1, [1.5, 1.25, 1.0]))
        self.assertEqual(b.command[:3], ["scripts/pyboundary", "--runs", "1"])

    def test_a_malformed_file_is_recorded_not_raised(self):
        run = with_boundary(self.tmp, os.path.dirname(BAD))
        b = boundary.load_run(run)
        self.assertTrue(b.present)
        self.assertEqual(b.tables, [])
        self.assertEqual(len(b.errors), 1)
        self.assertIn("boundary/pyboundary.json: traces[0].results[1]: "
                      "field 'ns_per_block_ref.batched'", b.errors[0])

    def test_a_failed_measurement(self):
        d = os.path.join(self.tmp, "boundary")
        os.makedirs(d)
        b = boundary.load_run(self.tmp)
        self.assertEqual(b.errors, ["boundary/ has no pyboundary.json"])
        with open(os.path.join(d, boundary.ERR_NAME), "w") as f:
            f.write("$ scripts/pyboundary --runs 1 ...\nexit status 2\n"
                    "Traceback ...\nscripts/pyboundary: cannot import "
                    "evictlab from build/python\n")
        b = boundary.load_run(self.tmp)
        self.assertEqual(b.errors, [
            "the measurement failed: exit status 2: scripts/pyboundary: "
            "cannot import evictlab from build/python "
            "(boundary/pyboundary.err)"])


# A stand-in for scripts/pyboundary: copies the fixture to --out, or fails
# as a build without the binding would (FAKE_FAIL set).
FAKE = r"""#!/bin/sh
out=""
while [ $# -gt 0 ]; do
  case "$1" in --out) out=$2; shift ;; esac
  shift
done
if [ -n "$FAKE_FAIL" ]; then
  echo "some progress"
  echo "scripts/pyboundary: cannot import evictlab from build/python" >&2
  exit 2
fi
mkdir -p "$out"
cp "%s" "$out/pyboundary.json"
echo table > "$out/pyboundary.md"
""" % FIXTURE


class RunStepTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.fake = os.path.join(self.tmp, "pyboundary")
        with open(self.fake, "w") as f:
            f.write(FAKE)
        os.chmod(self.fake, stat.S_IRWXU)
        self.run_dir = os.path.join(self.tmp, "run")
        os.environ.pop("FAKE_FAIL", None)
        self.addCleanup(os.environ.pop, "FAKE_FAIL", None)

    def test_command(self):
        argv = boundary.command("R", 3, "8388608", "T", "P")
        self.assertEqual(argv, ["P", "--runs", "3", "--cache-sizes",
                                "8388608", "--out", "R/boundary",
                                "T/mooncake/conversation_trace.jsonl",
                                "T/mooncake/synthetic_trace.jsonl"])

    def test_success_then_failure_leaves_no_stale_files(self):
        lines = []
        o = boundary.run(self.run_dir, pyboundary=self.fake,
                         log=lines.append)
        self.assertTrue(o["ok"])
        d = os.path.join(self.run_dir, "boundary")
        self.assertEqual(sorted(os.listdir(d)),
                         ["pyboundary.json", "pyboundary.md"])
        self.assertRegex(lines[0], r"boundary +\d+\.\d s  ok$")
        os.environ["FAKE_FAIL"] = "1"
        o = boundary.run(self.run_dir, pyboundary=self.fake,
                         log=lines.append)
        self.assertEqual((o["ok"], o["rc"]), (False, 2))
        self.assertEqual(os.listdir(d), ["pyboundary.err"])
        with open(os.path.join(d, "pyboundary.err")) as f:
            err = f.read().splitlines()
        self.assertTrue(err[0].startswith("$ " + self.fake + " --runs 1 "))
        self.assertEqual(err[1], "exit status 2")
        self.assertIn("FAILED (exit 2): scripts/pyboundary: cannot import",
                      lines[1])
        b = boundary.load_run(self.run_dir)
        self.assertEqual((b.present, b.tables), (True, []))
        self.assertIn("exit status 2: scripts/pyboundary: cannot import",
                      b.errors[0])

    def test_a_missing_script_is_a_recorded_failure(self):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            rc = boundary.main(["--run-dir", self.run_dir, "--pyboundary",
                                os.path.join(self.tmp, "nope")])
        self.assertEqual(rc, 1)
        self.assertIn("FAILED (exit 127)", out.getvalue())
        self.assertTrue(os.path.isfile(os.path.join(
            self.run_dir, "boundary", "pyboundary.err")))

    def test_an_unwritable_run_dir_is_a_usage_error(self):
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = boundary.main(["--run-dir", os.path.join(blocker, "run"),
                                "--pyboundary", self.fake])
        self.assertEqual(rc, 2)
        self.assertIn("--run-dir: ", err.getvalue())
        self.assertIn(blocker, err.getvalue())
        with contextlib.redirect_stderr(io.StringIO()) as err, \
                self.assertRaises(SystemExit) as cm:
            boundary.main(["--run-dir", self.run_dir, "--runs", "0"])
        self.assertEqual(cm.exception.code, 2)
        self.assertIn("--runs: 0 is below 1", err.getvalue())

    def test_run_sh_prints_the_step_without_building(self):
        for args, runs in (([], "1"), (["--full"], "3")):
            p = subprocess.run([os.path.join(REPO, "scripts", "run.sh")]
                               + args + ["--print-boundary"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.split()[1:5],
                             ["--runs", runs, "--cache-sizes", "8388608"])
            self.assertIn("mooncake/conversation_trace.jsonl", p.stdout)
            self.assertIn("mooncake/synthetic_trace.jsonl", p.stdout)


class SummaryTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def lines(self, src):
        run = with_boundary(self.tmp, src)
        return summarize.boundary_lines(derive.load(run))

    def test_the_table_and_the_targets(self):
        md = "\n".join(self.lines(os.path.dirname(FIXTURE)))
        self.assertIn("### conversation_trace at 2^23 (8,388,608 tokens, "
                      "288,500 block references)", md)
        self.assertIn("| policy | Python model ns | binding per block ns | "
                      "binding batched ns | C++ ns | batched × model | "
                      "batched ≥ 10× model | batched ÷ C++ | batched within "
                      "3× of C++ |", md)
        self.assertIn("| lru | 660 | 1,000 | 200 | 80.0 | 3.30× | "
                      "**not met** | 2.50× | met |", md)
        self.assertIn("| lru_strict | – | 1,040 | 200 | 100 | – | – | "
                      "2.00× | met |", md)
        self.assertIn("| fifo | 7,000 | 1,200 | 250 | 62.5 | 28.0× | met | "
                      "4.00× | **not met** |", md)
        self.assertIn("| fifo (counters DIFFER) | 2,700 |", md)
        self.assertIn("- batched ≥ 10× model: met for 1 of 2 policies; "
                      "not met: lru\n", md)
        self.assertIn("- batched within 3× of C++: met for 2 of 3 policies; "
                      "not met: fifo\n", md)
        self.assertIn("- batched ≥ 10× model: met for 2 of 2 policies\n", md)
        self.assertIn("- batched within 3× of C++: met for 2 of 3 policies; "
                      "not met: lru\n", md)
        self.assertIn("(one replay per way; ", md)
        self.assertIn("load average at the end: 1.5 1.2 1.0)", md)

    def test_without_it_and_with_a_bad_file(self):
        self.assertIn("No boundary/ in this run (scripts/run.sh "
                      "--no-python, or a run from before this step).",
                      self.lines(None))
        shutil.rmtree(self.tmp)
        os.makedirs(self.tmp)
        md = "\n".join(self.lines(os.path.dirname(BAD)))
        self.assertNotIn("###", md)
        self.assertIn("- missing: ", md)
        self.assertIn("traces[0].results[1]: field "
                      "'ns_per_block_ref.batched'", md)

    def test_summary_md_has_the_section(self):
        run = with_boundary(self.tmp, os.path.dirname(FIXTURE))
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(summarize.main([run]), 0)
        with open(os.path.join(run, "summary.md")) as f:
            md = f.read()
        self.assertIn("## The Python boundary (boundary/)", md)
        self.assertIn("### synthetic_trace at 2^23", md)


if __name__ == "__main__":
    unittest.main()
