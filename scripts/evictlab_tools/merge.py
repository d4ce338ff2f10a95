"""Merges Google Benchmark JSON files into one (same schema).

    scripts/merge OUT IN [IN ...]

The context is the first file's, with "merged_from" counting the inputs;
benchmarks are concatenated in input order. Every per-run result keeps its
name, so readers (gbench.load) group repetitions by name as usual. Each
input is validated by gbench.read_doc.
"""
import json
import sys

from . import gbench


def merge(docs):
    """One document of the parsed documents, in order."""
    merged = {"context": None, "benchmarks": []}
    for doc in docs:
        if merged["context"] is None:
            merged["context"] = dict(doc.get("context") or {})
        merged["benchmarks"].extend(doc["benchmarks"])
    merged["context"] = merged["context"] or {}
    merged["context"]["merged_from"] = len(docs)
    return merged


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, inputs = argv[0], argv[1:]
    try:
        docs = [gbench.read_doc(path) for path in inputs]
    except gbench.GBenchError as e:
        print(f"merge: {e}", file=sys.stderr)
        return 1
    with open(out, "w") as f:
        json.dump(merge(docs), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
