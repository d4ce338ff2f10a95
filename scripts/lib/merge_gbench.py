#!/usr/bin/python3
"""Merges Google Benchmark JSON files into one (same schema).

    merge_gbench.py OUT IN [IN ...]

The context is the first file's, with "num_runs" and "partial_contexts" noting
the inputs; benchmarks are concatenated in input order. Every per-run result
keeps its name, so readers group repetitions by name as usual.
"""
import json
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, inputs = argv[1], argv[2:]
    merged = {"context": None, "benchmarks": []}
    for path in inputs:
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            print(f"merge_gbench: {path}: {e}", file=sys.stderr)
            return 1
        if merged["context"] is None:
            merged["context"] = dict(data.get("context", {}))
        merged["benchmarks"].extend(data.get("benchmarks", []))
    merged["context"]["merged_from"] = len(inputs)
    with open(out, "w") as f:
        json.dump(merged, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
