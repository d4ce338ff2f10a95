#!/usr/bin/python3
"""Runs the bad-input matrix of docs/ERRORS.md against the `evictlab` tool.

Each table row between the `<!-- matrix -->` markers is one case: the input
file is created in an empty directory, `evictlab ARGUMENTS` runs there, and
the first line of stderr, the whole of stdout and the exit status must be
exactly the row's. The doc and the test therefore agree row for row.

    run_matrix.py EVICTLAB ERRORS_MD SHARED_TRACES_DIR
Exit status 0 when every row holds, 1 otherwise (each failure printed).
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile


def cells(line):
    """The cells of a Markdown table row ('\\|' is a literal bar)."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    out = []
    for p in parts:
        p = p.strip().replace("\\|", "|")
        if len(p) >= 2 and p.startswith("`") and p.endswith("`"):
            p = p[1:-1]
        out.append(p)
    return out


def rows(text):
    m = re.search(r"<!-- matrix -->\n(.*?)<!-- /matrix -->", text, re.S)
    if not m:
        raise SystemExit("no <!-- matrix --> table")
    lines = [l for l in m.group(1).splitlines() if l.startswith("|")]
    header = cells(lines[0])
    want = ["case", "input", "arguments", "stderr", "stdout", "exit"]
    if header != want:
        raise SystemExit(f"matrix columns are {header}, expected {want}")
    return [dict(zip(header, cells(l))) for l in lines[2:]]


def content(spec, traces):
    """The bytes an input column describes (see docs/ERRORS.md)."""
    data = b""
    # Split on ' + ' outside JSON strings.
    for part in re.findall(r'"(?:[^"\\]|\\.)*"|[^+]+', spec):
        part = part.strip()
        if not part:
            continue
        if part.startswith('"'):
            data += json.loads(part).encode()
        elif m := re.fullmatch(r"first (\d+) bytes of (\S+)", part):
            with open(os.path.join(traces, m.group(2)), "rb") as f:
                data += f.read(int(m.group(1)))
        elif m := re.fullmatch(r"first (\d+) lines of (\S+)", part):
            with open(os.path.join(traces, m.group(2)), "rb") as f:
                for _ in range(int(m.group(1))):
                    data += f.readline()
        elif m := re.fullmatch(r"hex ([0-9a-fA-F ]+)", part):
            data += bytes.fromhex(m.group(1).replace(" ", ""))
        elif m := re.fullmatch(r"(\d+) zero bytes", part):
            data += bytes(int(m.group(1)))
        else:
            raise ValueError(f"unknown input part: {part!r}")
    return data


def run_case(evictlab, row, traces):
    with tempfile.TemporaryDirectory() as d:
        if row["input"] != "-":
            name, _, spec = row["input"].partition(" = ")
            with open(os.path.join(d, name), "wb") as f:
                f.write(content(spec, traces))
        p = subprocess.run([evictlab] + shlex.split(row["arguments"]), cwd=d,
                           capture_output=True, text=True, timeout=120)
    problems = []
    first = p.stderr.split("\n", 1)[0]
    if first != row["stderr"]:
        problems.append(f"stderr: expected\n    {row['stderr']}\n  got\n    {first}")
    want_out = "" if row["stdout"] == "-" else row["stdout"] + "\n"
    if p.stdout != want_out:
        problems.append(f"stdout: expected {want_out!r}, got {p.stdout[:300]!r}")
    if p.returncode != int(row["exit"]):
        problems.append(f"exit status {p.returncode}, expected {row['exit']}")
    return problems


def main():
    evictlab, doc, traces = sys.argv[1:4]
    evictlab = os.path.abspath(evictlab)
    with open(doc) as f:
        table = rows(f.read())
    failed = 0
    for row in table:
        problems = run_case(evictlab, row, traces)
        if problems:
            failed += 1
            print(f"FAIL {row['case']}\n  " + "\n  ".join(problems))
    print(f"{len(table) - failed} of {len(table)} bad-input cases hold")
    return 1 if failed or not table else 0


if __name__ == "__main__":
    sys.exit(main())
