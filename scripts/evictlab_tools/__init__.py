"""evictlab's Python tools, one package (docs/CASES.md is the contract).

Modules:
  cases      the Case record, the case list, the one name parser, aliases
  gbench     the one loader of Google Benchmark JSON
  context    the one writer (and reader) of run context
  targets    the speed targets (targets.json), written once
  derive     per-case rows and ratios of a run, for summary and dashboard
  stats      Mann-Whitney U and Hodges-Lehmann intervals (scipy.stats)
  summarize, gate, gatelib, compare, merge, pybench, notebook: the tools
  pymodel    the Python model of LMCache's evictor

The command-line entry points are thin files in scripts/ (scripts/gate,
scripts/compare, scripts/summarize, scripts/pybench, scripts/merge,
scripts/notebook); run them with Debian's /usr/bin/python3.
"""
