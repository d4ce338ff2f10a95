"""Tests of evictlab_tools/notebook.py: tables between markers regenerated
from run directories, prose untouched, --check."""
import contextlib
import io
import os
import shutil
import tempfile
import unittest

from evictlab_tools import notebook

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = """# Notebook

Prose before.
<!-- notebook: dicts run=run_new -->
stale table
<!-- /notebook -->
Prose between.
<!-- notebook: targets runs=run_new,run_small -->
<!-- /notebook -->
<!-- notebook: headline run=run_new -->
<!-- /notebook -->
"""


class NotebookTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="notebook_test_")
        runs = os.path.join(self.tmp, "results", "runs")
        for run in ("run_new", "run_small"):
            shutil.copytree(os.path.join(HERE, "fixtures", run),
                            os.path.join(runs, run))
        self.doc = os.path.join(self.tmp, "PERFORMANCE.md")
        with open(self.doc, "w") as f:
            f.write(DOC)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def main(self, *args):
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            return notebook.main([self.doc, "--results",
                                  os.path.join(self.tmp, "results"), *args])

    def read(self):
        with open(self.doc) as f:
            return f.read()

    def test_tables_regenerated_prose_kept(self):
        self.assertEqual(self.main("--check"), 1)     # stale
        self.assertEqual(self.main(), 0)
        text = self.read()
        self.assertNotIn("stale table", text)
        for prose in ("Prose before.", "Prose between.", "# Notebook"):
            self.assertIn(prose, text)
        # fixtures/run_new: lru over flat 5 ns, absl 6, naive 12 (hstr, 2^10)
        self.assertIn("| op | key | entries | `flat` ns | `absl` ns | "
                      "`naive` ns | floor ns | Python ns | `absl` ÷ `flat` "
                      "| `naive` ÷ `flat` |", text)
        self.assertIn("| UpdateOnGet | hstr | 1024 | 5.00 | 6.00 | 12.0 | "
                      "4.00 | 60.0 | 1.20× | 2.40× |", text)
        self.assertIn("| GetSize tensor ≤ 2× kvobj | not met; worst 2.50 × "
                      "GetSize/kvobj | met; worst 1.60 × GetSize/kvobj | "
                      "differs by run |", text)
        self.assertIn("| UpdateOnPut (evictions:1) | hstr | 1024 | 50.0 | "
                      "1,200 | 24.0× | 1.80× |  |", text)
        self.assertEqual(self.main("--check"), 0)     # now up to date
        self.assertEqual(self.main(), 0)
        self.assertEqual(self.read(), text)           # idempotent

    def test_missing_run_and_bad_marker(self):
        with open(self.doc, "w") as f:
            f.write("<!-- notebook: dicts run=nope -->\n<!-- /notebook -->\n")
        self.assertEqual(self.main(), 2)
        with open(self.doc, "w") as f:
            f.write("<!-- notebook: dicts run=run_new -->\nno end\n")
        self.assertEqual(self.main(), 2)
        with open(self.doc, "w") as f:
            f.write("<!-- notebook: pie run=run_new -->\n<!-- /notebook -->\n")
        self.assertEqual(self.main(), 2)


if __name__ == "__main__":
    unittest.main()


class CommittedDocsTest(unittest.TestCase):
    """The generated tables of the committed README and lab notebook are what
    their runs give: a hand edit inside a marker fails here."""

    def test_readme_and_performance_are_up_to_date(self):
        repo = os.path.dirname(os.path.dirname(HERE))
        for doc in ("README.md", os.path.join("docs", "PERFORMANCE.md")):
            with self.subTest(doc=doc), \
                    contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                self.assertEqual(notebook.main(
                    [os.path.join(repo, doc), "--results",
                     os.path.join(repo, "results"), "--check"]), 0)
