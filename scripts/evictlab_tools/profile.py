"""Profile evictlab_bench cases: perf flame graphs and callgrind top lists.

Usage: scripts/profile [options] <benchmark regex>

Builds evictlab_bench with frame pointers (build-profile/, RelWithDebInfo),
lists the cases matching the regex (at most --max-cases), and for each case
writes results/profiles/<case>/:

  flame.html         interactive flame graph, self-contained (opens offline)
  flame.svg          the same graph as a static SVG (hover shows titles)
  perf.folded        folded stacks of the benchmark's samples, rooted at the case
  perf.all.folded    every sample of the run, untrimmed (start-up, exit, ...)
  perf.data          raw `perf record` data (perf report -i perf.data)
  top_self.txt       callgrind_annotate: top functions by self cost (Ir)
  top_inclusive.txt  callgrind_annotate --inclusive=yes: by inclusive cost
  callgrind.out      the callgrind profile (kcachegrind / callgrind_annotate)
  bench.json         Google Benchmark's JSON of the perf run
  meta.json          case, commands, sample counts, timings
  index.html, README.txt   what each file is and the exact commands used

perf samples the software clock (`-e cpu-clock`, hardware counters are not
needed) with frame-pointer call graphs; stacks are folded here (Python
standard library), and frames below the benchmark function (Google
Benchmark's runner, the registration lambda) are trimmed so that the graph
starts at the case. Under callgrind only the timed loop is counted (the
benchmarks' MeasuredRegion turns instrumentation on around it).

The flame graph page is drawn by d3-flame-graph 5.0.0 on d3 7.9.2, vendored
in scripts/profile_assets/vendor/ and inlined with flame_page.js (the page's
own glue), so flame.html opens offline.

The command line is scripts/profile (a thin entry point over main()).
Options: see --help. The output layout is described in docs/PROFILE.md.
"""

import argparse
import datetime as _dt
import glob
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ASSETS = os.path.join(ROOT, "scripts", "profile_assets")
# The flame graph page's scripts, inlined in this order.
FLAME_SCRIPTS = ("vendor/d3.min.js", "vendor/d3-flamegraph.umd.min.js",
                 "flame_page.js")
PRESET = "profile"      # CMakePresets.json configure preset
DEFAULT_BUILD_DIR = os.path.join(ROOT, "build-profile")
TOOL = "scripts/profile"
CXX_FLAGS = "-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"
TOP_N = 30

# The spelled-out std::string perf and callgrind print; folded to std::string.
STD_STRING = ("std::__cxx11::basic_string<char, std::char_traits<char>, "
              "std::allocator<char> >")


def say(msg):
    print(f"profile: {msg}", flush=True)


def die(msg, code=2):
    print(f"profile: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def shell_join(cmd, env=None):
    pre = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
    return pre + " ".join(shlex.quote(str(c)) for c in cmd)


def rel(path):
    """A path as the user would type it: relative to the cwd when inside it."""
    path = os.path.abspath(path)
    r = os.path.relpath(path)
    return path if r.startswith("..") else r


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

_OPERATOR_RE = re.compile(
    r"operator\s*(<=>|<<=|>>=|<<|>>|<=|>=|->\*|->|\(\)|\[\]|new\[\]|"
    r"delete\[\]|[-+*/%^&|~!=<>,]=?|&&|\|\||\+\+|--)?")


def short_name(name):
    """A frame's label: template arguments and parameters collapsed to '…'.

    evictlab::LRUEvictor<evictlab::OrderedDict<...> >::update_on_put
      -> evictlab::LRUEvictor<…>::update_on_put
    `(anonymous namespace)` and operator names are kept.
    """
    out = []
    depth = 0          # <> and () nesting, counted together
    start = 0          # index where the outermost bracket opened
    i, n = 0, len(name)
    while i < n:
        if (name.startswith("operator", i)
                and (i == 0 or not (name[i - 1].isalnum() or name[i - 1] == "_"))):
            m = _OPERATOR_RE.match(name, i)
            if depth == 0:
                out.append(m.group(0))
            i = m.end()
            continue
        if name.startswith("(anonymous namespace)", i):
            if depth == 0:
                out.append("(anonymous namespace)")
            i += len("(anonymous namespace)")
            continue
        c = name[i]
        if c in "<(":
            if depth == 0:
                start = i
            depth += 1
        elif c in ">)" and depth > 0:
            depth -= 1
            if depth == 0:
                inner = name[start + 1:i].strip()
                opener = name[start]
                out.append(opener + ("…" if inner else "") + c)
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out) if depth == 0 else name


def last_component(short):
    return short.rsplit("::", 1)[-1]


# Frames between Google Benchmark's Run() and the case's own code.
_PLUMBING_RE = re.compile(
    r"^(std::(_Function_handler|function|__invoke|_Bind)"
    r"|.*\{lambda\(…?\)#\d+\}(::operator\(\))?$)")


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------

def has_preset(name):
    """Whether CMakePresets.json defines the configure preset `name`."""
    try:
        with open(os.path.join(ROOT, "CMakePresets.json"),
                  encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return False
    return any(p.get("name") == name
               for p in doc.get("configurePresets", []))


def configure_command(build_dir):
    """`cmake --preset profile` (CMakePresets.json: RelWithDebInfo with frame
    pointers, no tests); -B only when --build-dir is not the preset's own
    directory. Without the preset (an older checkout), the same settings
    spelled out."""
    if has_preset(PRESET):
        cmd = ["cmake", "--preset", PRESET]
        if os.path.abspath(build_dir) != DEFAULT_BUILD_DIR:
            cmd += ["-B", build_dir]
        return cmd
    return ["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja",
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            f"-DCMAKE_CXX_FLAGS={CXX_FLAGS}", "-DEVICTLAB_BUILD_TESTS=OFF"]


def build_bench(build_dir, jobs):
    cache = os.path.join(build_dir, "CMakeCache.txt")
    configure = configure_command(build_dir)
    need_configure = True
    if os.path.exists(cache):
        with open(cache, encoding="utf-8", errors="replace") as f:
            text = f.read()
        need_configure = "-fno-omit-frame-pointer" not in text
    cmds = []
    if need_configure:
        say(f"configuring {rel(build_dir)}: {shell_join(configure)}")
        subprocess.run(configure, check=True, stdout=subprocess.DEVNULL,
                       cwd=ROOT)
        cmds.append(configure)
    build = ["cmake", "--build", build_dir, "--target", "evictlab_bench",
             "-j", str(jobs)]
    say(f"building evictlab_bench in {rel(build_dir)}")
    r = subprocess.run(build, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, cwd=ROOT)
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-6000:])
        die("the build failed", 1)
    cmds.append(build)
    return cmds


def find_bench(build_dir):
    for p in ("evictlab_bench", "bench/evictlab_bench"):
        full = os.path.join(build_dir, p)
        if os.path.isfile(full) and os.access(full, os.X_OK):
            return full
    die(f"no evictlab_bench in {build_dir}")


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def list_cases(bench, entries, regex):
    cmd = [bench, f"--evictlab_entries={entries}", "--benchmark_list_tests",
           f"--benchmark_filter={regex}"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        die(f"listing the cases failed:\n{r.stderr.strip()}")
    return [l.strip() for l in r.stdout.splitlines() if l.strip()]


def gbench_escape(name):
    """An exact-match filter: Google Benchmark's regexes are POSIX extended."""
    return "^" + re.sub(r"([.\[\]{}()\\*+?|^$])", r"\\\1", name) + "$"


def case_dir_name(name):
    base = name[3:] if name.startswith("BM_") else name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", base).strip("_")


MARKER = ".evictlab-profile"


def prepare_case_dir(path):
    """A fresh directory; an old one is replaced only if this tool wrote it."""
    if os.path.exists(path):
        ours = any(os.path.exists(os.path.join(path, f))
                   for f in (MARKER, "meta.json"))
        if os.listdir(path) and not ours:
            die(f"{path} exists and was not written by {TOOL}; not touching it")
        shutil.rmtree(path)
    os.makedirs(path)
    with open(os.path.join(path, MARKER), "w") as f:
        f.write(f"written by {TOOL}; the directory is replaced on each run\n")


# --------------------------------------------------------------------------
# perf
# --------------------------------------------------------------------------

PERF_HELP = ("perf is not permitted to sample here. Run as root, or allow it "
             "with `sudo sysctl kernel.perf_event_paranoid=-1` (in a container "
             "the host must also allow perf_event_open).")


def perf_event():
    if os.geteuid() == 0:
        return "cpu-clock"
    try:
        with open("/proc/sys/kernel/perf_event_paranoid") as f:
            paranoid = int(f.read().strip())
    except (OSError, ValueError):
        paranoid = 2
    # Above 1, an unprivileged user may sample its own user space only.
    return "cpu-clock" if paranoid <= 1 else "cpu-clock:u"


def run_perf(bench, case, entries, out_dir, args):
    event = perf_event()
    bench_cmd = [bench, f"--evictlab_entries={entries}",
                 f"--benchmark_filter={gbench_escape(case)}",
                 f"--benchmark_min_time={args.min_time}",
                 f"--benchmark_out={os.path.join(out_dir, 'bench.json')}",
                 "--benchmark_out_format=json"]
    graph = "fp" if args.call_graph == "fp" else "dwarf,16384"
    record = ["perf", "record", "-e", event, "-F", str(args.freq),
              "--call-graph", graph, "-o", os.path.join(out_dir, "perf.data"),
              "--"] + bench_cmd
    t0 = time.monotonic()
    r = subprocess.run(record, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    with open(os.path.join(out_dir, "perf.log"), "w") as f:
        f.write("$ " + shell_join(record) + "\n" + r.stdout + r.stderr)
    if r.returncode != 0:
        err = r.stderr.lower()
        if any(s in err for s in ("permission", "not permitted", "paranoid",
                                  "no access", "eacces", "eperm")):
            die(PERF_HELP + "\nperf said:\n" + r.stderr.strip()[-2000:], 3)
        die(f"perf record failed (exit {r.returncode}); see "
            f"{rel(os.path.join(out_dir, 'perf.log'))}\n" + r.stderr.strip()[-2000:], 1)
    record_s = time.monotonic() - t0

    script = ["perf", "script", "-i", os.path.join(out_dir, "perf.data"),
              "-F", "comm,tid,time,ip,sym,dso"]
    r = subprocess.run(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, errors="replace")
    if r.returncode != 0:
        die("perf script failed:\n" + r.stderr.strip()[-2000:], 1)
    return {"record": record, "script": script, "event": event,
            "record_seconds": round(record_s, 2), "text": r.stdout}


_HEADER_RE = re.compile(r"^(?P<comm>\S.*?)\s+(?P<tid>\d+)\s+(?P<time>\d+\.\d+):")
_FRAME_RE = re.compile(r"^\s+(?P<ip>[0-9a-fA-F]+)\s+(?P<sym>.*?)\s+\((?P<dso>[^()]*)\)\s*$")


def parse_perf_script(text):
    """perf script output -> [(time, comm, [(sym, dso) leaf first])]."""
    samples = []
    cur = None
    for line in text.splitlines():
        if not line.strip():
            cur = None
            continue
        if not line[0].isspace():
            m = _HEADER_RE.match(line)
            if m:
                cur = (float(m.group("time")), m.group("comm"), [])
                samples.append(cur)
            continue
        if cur is None:
            continue
        m = _FRAME_RE.match(line)
        if m:
            cur[2].append((m.group("sym"), m.group("dso")))
        else:  # a frame without a (dso)
            parts = line.strip().split(None, 1)
            cur[2].append((parts[1] if len(parts) > 1 else "[unknown]", ""))
    return samples


def demangle_all(names):
    """c++filt over the names perf left mangled (it usually demangles)."""
    mangled = sorted({n for n in names if n.startswith("_Z")})
    if not mangled or not shutil.which("c++filt"):
        return {}
    r = subprocess.run(["c++filt"], input="\n".join(mangled) + "\n",
                       stdout=subprocess.PIPE, text=True)
    out = r.stdout.splitlines()
    return dict(zip(mangled, out)) if len(out) == len(mangled) else {}


def frame_name(sym, dso, demangled):
    sym = demangled.get(sym, sym)
    if sym in ("[unknown]", "") or sym.startswith("0x"):
        base = os.path.basename(dso) if dso and dso != "[unknown]" else ""
        sym = f"[{base}]" if base else "[unknown]"
    sym = sym.replace(STD_STRING, "std::string").replace(";", ":")
    if dso == "[kernel.kallsyms]" or dso.startswith("[kernel"):
        sym += "_[k]"
    return sym


def frame_kind(name, dso):
    base = os.path.basename(dso or "")
    if name.endswith("_[k]"):
        return "kernel"
    if name.startswith("["):
        return "unknown"
    if name.startswith("evictlab::"):
        return "evictlab"
    if name.startswith(("absl::",)) or base.startswith("libabsl"):
        return "absl"
    if name.startswith(("c10::", "at::", "torch::", "caffe2::")) or \
            base.startswith(("libtorch", "libc10")):
        return "torch"
    if name.startswith(("std::", "__gnu_cxx::", "__cxxabiv1::")) or \
            base.startswith("libstdc++"):
        return "std"
    if name.startswith("benchmark::") or base.startswith("libbenchmark"):
        return "gbench"
    if base.startswith(("libc.so", "ld-linux", "libm.so", "libpthread")):
        return "libc"
    return "other"


TRUNCATED = "[truncated stack: the walk stopped in a library]"


def fold_samples(samples, case):
    """Splits the samples into the benchmark's (trimmed, rooted at the case)
    and the rest. Returns (case_stacks, all_stacks, stats); a stack is a list
    of (name, dso) root first."""
    demangled = demangle_all({s for _, _, fr in samples for s, _ in fr})
    named = []
    for t, comm, frames in samples:
        stack = [(frame_name(s, d, demangled), d) for s, d in reversed(frames)]
        named.append((t, comm, stack))

    def classify(stack):
        """-> ("bench", cut) | ("runner", first) | (None, None).

        The runner is the outermost run of Google Benchmark frames (its
        library, or benchmark::* templates instantiated in our binary);
        the case's code is what it calls. From there the stack is cut at the
        BM_* function if it has a frame, else past the registration
        plumbing (std::function handlers, lambdas, LambdaBenchmark::Run)."""
        shorts = [short_name(n) for n, _ in stack]
        gb = [os.path.basename(d).startswith("libbenchmark")
              or sh.startswith("benchmark::") for (_, d), sh in zip(stack, shorts)]
        first = next((i for i, g in enumerate(gb) if g), None)
        if first is None:
            return None, None
        last = first
        while last + 1 < len(stack) and gb[last + 1]:
            last += 1
        if last == len(stack) - 1:
            return "runner", first
        bm = next((i for i in range(last + 1, len(shorts))
                   if last_component(shorts[i]).startswith("BM_")), None)
        if bm is not None:
            return "bench", bm
        cut = last
        while cut + 1 < len(shorts) and _PLUMBING_RE.match(shorts[cut + 1]):
            cut += 1
        return "bench", cut

    classes = [classify(st) for _, _, st in named]
    times = [t for (t, _, _), (c, _) in zip(named, classes) if c == "bench"]
    t_lo, t_hi = (min(times), max(times)) if times else (0.0, -1.0)
    root = (case, "")
    case_stacks, all_stacks = [], []
    n_trunc = n_out = n_runner = 0
    for (t, comm, stack), (cls, ix) in zip(named, classes):
        all_stacks.append([(comm, "")] + stack)
        if cls == "bench":
            case_stacks.append([root] + stack[ix + 1:])
        elif not t_lo <= t <= t_hi:
            n_out += 1
        elif cls == "runner":
            # Google Benchmark's own work between the case's runs: not the
            # case's (kept in perf.all.folded only).
            n_runner += 1
        else:
            # In the benchmark's time span, but the stack walk stopped in a
            # library built without frame pointers: keep what was walked.
            kept = [f for f in stack if f[0] != "[unknown]"]
            while len(kept) > 1 and kept[0][0].startswith("["):
                kept = kept[1:]
            case_stacks.append([root, (TRUNCATED, "")] + kept)
            n_trunc += 1
    stats = {"samples_total": len(named),
             "samples_case": len(case_stacks),
             "samples_truncated": n_trunc,
             "samples_runner": n_runner,
             "samples_outside": n_out,
             "span_seconds": round(max(0.0, t_hi - t_lo), 3)}
    return case_stacks, all_stacks, stats


def write_folded(path, stacks):
    counts = {}
    for st in stacks:
        key = ";".join(n for n, _ in st)
        counts[key] = counts.get(key, 0) + 1
    with open(path, "w") as f:
        for key in sorted(counts):
            f.write(f"{key} {counts[key]}\n")
    return len(counts)


# --------------------------------------------------------------------------
# The flame graph's data, HTML and SVG
# --------------------------------------------------------------------------

KINDS = ["case", "evictlab", "std", "absl", "torch", "gbench", "libc",
         "kernel", "other", "unknown"]


def build_tree(stacks):
    root = None
    for st in stacks:
        if root is None:
            root = {"name": st[0][0], "dso": st[0][1], "v": 0, "s": 0, "c": {}}
        node = root
        node["v"] += 1
        for name, dso in st[1:]:
            child = node["c"].get(name)
            if child is None:
                child = node["c"][name] = {"name": name, "dso": dso, "v": 0,
                                           "s": 0, "c": {}}
            child["v"] += 1
            node = child
        node["s"] += 1
    return root


def tree_data(root):
    """Compact JSON: names and dsos interned; a node is
    [name, kind, dso, value, self, [children]] with children by value."""
    names, name_ix, dsos, dso_ix = [], {}, [], {}

    def intern(tab, ix, s):
        if s not in ix:
            ix[s] = len(tab)
            tab.append(s)
        return ix[s]

    def conv(node, is_root):
        kind = "case" if is_root else frame_kind(node["name"], node["dso"])
        kids = sorted(node["c"].values(), key=lambda c: (-c["v"], c["name"]))
        return [intern(names, name_ix, node["name"]), KINDS.index(kind),
                intern(dsos, dso_ix, os.path.basename(node["dso"] or "")),
                node["v"], node["s"], [conv(k, False) for k in kids]]

    tree = conv(root, True)
    return {"kinds": KINDS, "names": names, "dsos": dsos, "tree": tree}


def json_for_script(obj):
    # Safe inside <script>: no "</script>", no "<!--".
    return json.dumps(obj, separators=(",", ":")).replace("<", "\\u003c")


def read_asset(name):
    with open(os.path.join(ASSETS, name), encoding="utf-8") as f:
        return f.read()


ERROR_RECORDER = """\
window.__flameErrors = [];
window.onerror = function (msg, src, line, col) {
  window.__flameErrors.push(String(msg) + " (" + line + ":" + col + ")");
  document.documentElement.setAttribute("data-flame-errors",
                                        window.__flameErrors.join(" | "));
};"""


def write_flame_html(path, data):
    """flame.html: self-contained (vendored d3 + d3-flame-graph, the glue,
    the CSS and the data inlined; nothing is fetched)."""
    scripts = "\n".join(f"<script>\n{read_asset(s)}\n</script>"
                         for s in FLAME_SCRIPTS)
    page = f"""<!doctype html>
<html lang="en" data-flame-status="loading">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flame graph: {html.escape(data["meta"]["case"])}</title>
<script>
{ERROR_RECORDER}
</script>
<style>
{read_asset("flame.css")}
</style>
</head>
<body>
<div id="flame-app"><noscript>This flame graph needs JavaScript; flame.svg
beside this file is a static version.</noscript></div>
<script id="flame-data" type="application/json">{json_for_script(data)}</script>
{scripts}
</body>
</html>
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


_SVG_COLORS = {
    "case": (200, 200, 200), "evictlab": (232, 105, 70), "std": (222, 190, 70),
    "absl": (110, 190, 110), "torch": (170, 130, 210), "gbench": (150, 150, 150),
    "libc": (90, 170, 210), "kernel": (230, 150, 60), "other": (120, 200, 200),
    "unknown": (185, 185, 185)}


def _svg_color(kind, name):
    r, g, b = _SVG_COLORS[kind]
    h = 0
    for ch in name:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    d = (h % 41) - 20
    clamp = lambda v: max(0, min(255, v + d))
    return f"rgb({clamp(r)},{clamp(g)},{clamp(b)})"


def write_flame_svg(path, root, meta, width=1200, row=17):
    total = root["v"] or 1
    frames = []
    max_depth = 0

    def walk(node, depth, x, is_root):
        nonlocal max_depth
        w = node["v"] / total * (width - 20)
        if w < 0.3:
            return
        max_depth = max(max_depth, depth)
        frames.append((node, depth, x, w, "case" if is_root else
                       frame_kind(node["name"], node["dso"])))
        cx = x
        for c in sorted(node["c"].values(), key=lambda c: (-c["v"], c["name"])):
            walk(c, depth + 1, cx, False)
            cx += c["v"] / total * (width - 20)

    walk(root, 0, 10.0, True)
    top = 50
    height = top + (max_depth + 1) * row + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" '
           f'font-family="DejaVu Sans Mono, monospace" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="#fdfdfd"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">'
           f'{html.escape(meta["case"])}</text>',
           f'<text x="10" y="38" fill="#555">{html.escape(meta["subtitle"])}'
           '</text>']
    for node, depth, x, w, kind in frames:
        y = top + depth * row
        name = node["name"]
        pct = 100.0 * node["v"] / total
        label = short_name(name)
        chars = int((w - 6) / 6.7)
        text = ""
        if chars >= 3:
            text = label if len(label) <= chars else label[:chars - 1] + "…"
        out.append(
            f'<g><title>{html.escape(name)}\n{node["v"]} samples, '
            f'{pct:.2f}% (self {node["s"]})</title>'
            f'<rect x="{x:.2f}" y="{y}" width="{max(w - 0.5, 0.1):.2f}" '
            f'height="{row - 1}" rx="2" fill="{_svg_color(kind, name)}"/>'
            + (f'<text x="{x + 3:.2f}" y="{y + row - 5}">{html.escape(text)}'
               '</text>' if text else "") + "</g>")
    out.append("</svg>\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


# --------------------------------------------------------------------------
# callgrind
# --------------------------------------------------------------------------

def build_valgrind_shim(build_dir):
    src = os.path.join(ASSETS, "valgrind_rdtscp_shim.c")
    out = os.path.join(build_dir, "valgrind_rdtscp_shim.so")
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not os.path.exists("/usr/include/valgrind/valgrind.h"):
        return None
    if (not os.path.exists(out)
            or os.path.getmtime(out) < os.path.getmtime(src)):
        r = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", out, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            say("warning: could not build the valgrind shim:\n" + r.stdout)
            return None
    return out


def _cg_total(path):
    """The event total of a callgrind dump (its totals: or summary: line)."""
    best = 0
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith(("totals:", "summary:")):
                    best = max(best, int(line.split()[1]))
    except (OSError, ValueError, IndexError):
        pass
    return best


def run_callgrind(bench, case, entries, out_dir, shim, args):
    """Runs the case under callgrind; returns info (command, Ir, status)."""
    base_out = os.path.join(out_dir, "callgrind.out")
    bench_json = os.path.join(out_dir, "callgrind.bench.json")
    bench_cmd = [bench, f"--evictlab_entries={entries}",
                 f"--benchmark_filter={gbench_escape(case)}",
                 f"--benchmark_min_time={args.callgrind_min_time}",
                 f"--benchmark_out={bench_json}",
                 "--benchmark_out_format=json"]
    # LD_BIND_NOW: no lazy symbol binding inside the first measured calls.
    env = {"LD_BIND_NOW": "1"}
    if shim:
        env["LD_PRELOAD"] = shim
    scopes = ([args.callgrind_scope] if args.callgrind_scope != "auto"
              else ["region", "program"])
    info = {"status": "failed"}
    log = os.path.join(out_dir, "callgrind.log")

    def dumps():
        def order(p):
            suffix = p[len(base_out):].lstrip(".")
            return int(suffix) if suffix.isdigit() else 1 << 30
        return sorted(glob.glob(base_out + "*"), key=order)

    for scope in scopes:
        for p in dumps():
            os.remove(p)
        if scope == "region":
            # The benchmarks' MeasuredRegion starts instrumentation around the
            # timed loop and dumps it: start-up runs uninstrumented (fast).
            vg = ["valgrind", "--tool=callgrind", "--dump-instr=no",
                  "--collect-atstart=yes", "--instr-atstart=no"]
        else:
            # The whole process, start-up and the case's set-up included
            # (for a benchmark binary without MeasuredRegion).
            vg = ["valgrind", "--tool=callgrind", "--dump-instr=no",
                  "--collect-atstart=yes"]
        cmd = vg + [f"--callgrind-out-file={base_out}"] + bench_cmd
        t0 = time.monotonic()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace",
                           env=dict(os.environ, **env))
        secs = time.monotonic() - t0
        with open(log, "a") as f:
            f.write("$ " + shell_join(cmd, env) + "\n" + r.stdout + "\n")
        nonzero = [p for p in dumps() if _cg_total(p) > 0]
        info = {"scope": scope, "command": shell_join(cmd, env),
                "seconds": round(secs, 1), "exit": r.returncode}
        if r.returncode != 0 or not nonzero:
            info["status"] = ("failed" if r.returncode != 0
                              else "no events collected")
            if "Unrecognised instruction" in r.stdout:
                info["status"] += " (valgrind met an instruction it cannot run)"
            say(f"  callgrind ({scope}): {info['status']}; log in {rel(log)}")
            continue
        # One dump per run of the timed loop (Google Benchmark grows the
        # iteration count run by run); the last is the run it reports.
        chosen = nonzero[-1]
        if chosen != base_out:
            os.replace(chosen, base_out)
        for p in dumps():
            if p != base_out:
                os.remove(p)
        info["status"] = "ok"
        info["dumps"] = len(nonzero)
        info["ir"] = _cg_total(base_out)
        try:
            with open(bench_json) as f:
                runs = [b for b in json.load(f).get("benchmarks", [])
                        if b.get("run_type", "iteration") == "iteration"]
            if runs and scope == "region":
                info["iterations"] = int(runs[-1]["iterations"])
                info["ir_per_op"] = round(info["ir"] / info["iterations"], 1)
        except (OSError, ValueError, KeyError):
            pass
        break
    return info


def annotate(out_dir, inclusive):
    cg = os.path.join(out_dir, "callgrind.out")
    cmd = ["callgrind_annotate", "--auto=no", "--threshold=100",
           f"--inclusive={'yes' if inclusive else 'no'}", cg]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    lines = r.stdout.splitlines()
    # Keep the header and the first TOP_N rows of the function table.
    out, rows, in_table, total_rows = [], 0, False, 0
    for i, line in enumerate(lines):
        if not in_table:
            out.append(line)
            if re.match(r"^\s*Ir\s+file:function\s*$", line):
                in_table = True
                if i + 1 < len(lines) and lines[i + 1].startswith("---"):
                    pass
            continue
        if line.startswith("---") and rows == 0:
            out.append(line)
            continue
        if not line.strip():
            break
        total_rows += 1
        if rows < TOP_N:
            out.append(line.replace(STD_STRING, "std::string"))
            rows += 1
    what = "inclusive" if inclusive else "self"
    head = [f"# Top {rows} of {total_rows} functions by {what} cost "
            f"(instructions, Ir) from callgrind.",
            "# std::string is spelled out by callgrind; shortened here.",
            "# $ " + shell_join(["callgrind_annotate", "--auto=no",
                                 "--threshold=100",
                                 f"--inclusive={'yes' if inclusive else 'no'}",
                                 "callgrind.out"]), ""]
    name = "top_inclusive.txt" if inclusive else "top_self.txt"
    with open(os.path.join(out_dir, name), "w") as f:
        f.write("\n".join(head + out) + "\n")
    return rows, cmd


# --------------------------------------------------------------------------
# Per-case docs
# --------------------------------------------------------------------------

FILES = [
    ("flame.html", "interactive flame graph of the perf samples: hover for "
     "function, samples and %, click to zoom, search box (self-contained, "
     "opens offline)"),
    ("flame.svg", "the same flame graph as a static SVG (hover shows titles)"),
    ("perf.folded", "folded stacks of the benchmark's samples, rooted at the "
     "case (one `frame;frame;... count` line per distinct stack; input for "
     "any flame-graph tool)"),
    ("perf.all.folded", "every sample of the run, untrimmed, rooted at the "
     "thread's name (process start-up, library loading, exit included)"),
    ("perf.data", "raw perf samples: `perf report -i perf.data`"),
    ("perf.log", "perf record's command and output"),
    ("bench.json", "Google Benchmark's JSON of the profiled run"),
    ("top_self.txt", f"callgrind_annotate: top {TOP_N} functions by self "
     "cost (instructions executed in the function itself)"),
    ("top_inclusive.txt", f"callgrind_annotate --inclusive=yes: top {TOP_N} "
     "functions by inclusive cost (with callees)"),
    ("callgrind.out", "the callgrind profile of the run Google Benchmark "
     "reports (the last dump; callgrind_annotate, kcachegrind)"),
    ("callgrind.bench.json", "Google Benchmark's JSON of the callgrind run "
     "(its iteration count gives Ir/op)"),
    ("callgrind.log", "valgrind's command and output"),
    ("meta.json", "case, commands, sample counts and timings, as JSON"),
]


def write_docs(out_dir, meta):
    present = [(f, d) for f, d in FILES if os.path.exists(os.path.join(out_dir, f))]
    cmds = meta["commands"]
    st = meta["perf"]["stats"]
    cg = meta.get("callgrind", {})
    summary = [
        f"perf: {st['samples_case']} samples in the benchmark "
        f"({st['samples_truncated']} of them with truncated stacks), "
        f"{st['samples_outside'] + st['samples_runner']} outside it "
        "(start-up, Google Benchmark's runner, exit); "
        f"{meta['perf']['event']} at {meta['perf']['freq']} Hz, "
        f"{'frame-pointer' if meta['perf']['call_graph'] == 'fp' else 'DWARF'}"
        " call graphs.",
    ]
    if cg.get("status") == "ok":
        s = f"callgrind ({cg['scope']} scope): {cg['ir']:,} instructions"
        if cg.get("ir_per_op"):
            s += f" over {cg['iterations']:,} iterations = {cg['ir_per_op']:,} Ir/op"
        summary.append(s + ".")
    else:
        summary.append(f"callgrind: {cg.get('status', 'not run')}.")
    txt = [f"{TOOL}: {meta['case']}", f"written {meta['date']} "
           f"(git {meta['git']})", ""] + summary + ["", "Files:"]
    txt += [f"  {f:<20} {d}" for f, d in present]
    txt += ["", "Commands (in order):"] + [f"  $ {c}" for c in cmds]
    txt += ["", textwrap.fill(
        "Folding: perf script output is folded in Python; frames up to Google "
        "Benchmark's Run() and the registration lambda are trimmed, so each "
        "stack starts at the case. Samples whose stack walk stopped inside a "
        "library built without frame pointers (libc, Abseil, libtorch, ...) "
        "but that fell within the benchmark's time span are kept under "
        f"'{TRUNCATED}'; samples outside that span (process start-up, library "
        "loading, exit) and Google Benchmark's own work between runs of the "
        "loop are only in perf.all.folded.", 79), ""]
    with open(os.path.join(out_dir, "README.txt"), "w") as f:
        f.write("\n".join(txt))

    rows = "\n".join(
        f'<tr><td><a href="{html.escape(f)}">{html.escape(f)}</a></td>'
        f"<td>{html.escape(d)}</td></tr>" for f, d in present)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Profile: {html.escape(meta['case'])}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }}
code, pre {{ font-family: ui-monospace, monospace; font-size: 12px; }}
pre {{ background: #f4f4f4; padding: 10px; overflow-x: auto; white-space: pre-wrap; }}
table {{ border-collapse: collapse; }} td {{ padding: 3px 12px 3px 0; vertical-align: top; }}
</style></head><body>
<h1>{html.escape(meta['case'])}</h1>
<p>Written by <code>{TOOL}</code> on {html.escape(meta['date'])} (git {html.escape(meta['git'])}).</p>
<p>{'<br>'.join(html.escape(s) for s in summary)}</p>
<p><a href="flame.html"><b>Open the flame graph</b></a></p>
<h2>Files</h2><table>{rows}</table>
<h2>Commands</h2><pre>{html.escape(chr(10).join('$ ' + c for c in cmds))}</pre>
</body></html>
"""
    with open(os.path.join(out_dir, "index.html"), "w") as f:
        f.write(page)


def git_describe():
    try:
        sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True).stdout.strip()
        return (sha or "unknown") + ("-dirty" if dirty else "")
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def ensure_tools(need_callgrind):
    missing = []
    if not shutil.which("perf"):
        missing.append("linux-perf")
    if need_callgrind and not (shutil.which("valgrind")
                               and shutil.which("callgrind_annotate")):
        missing.append("valgrind")
    if missing:
        say(f"installing {' '.join(missing)} (scripts/deps.sh)")
        subprocess.run([os.path.join(ROOT, "scripts", "deps.sh")] + missing,
                       check=True)
    if not shutil.which("perf"):
        die("perf is not installed (Debian package linux-perf)")
    # Debian's /usr/bin/perf is a wrapper that fails when no perf matches the
    # running kernel; make the failure readable.
    r = subprocess.run(["perf", "version"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        die("`perf version` failed:\n" + r.stdout.strip())


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog=TOOL, description="perf flame graphs and callgrind top lists "
        "for evictlab_bench cases (see docs/PROFILE.md)")
    p.add_argument("regex", help="benchmark regex (Google Benchmark "
                   "--benchmark_filter syntax), e.g. 'UpdateOnPut/lru/tensor'")
    p.add_argument("--entries", default="16384",
                   help="cache sizes to register, comma-separated "
                   "(--evictlab_entries; default 16384)")
    p.add_argument("--out", default=os.path.join(ROOT, "results", "profiles"),
                   help="output root; one directory per case "
                   "(default results/profiles)")
    p.add_argument("--build-dir", default=DEFAULT_BUILD_DIR,
                   help="frame-pointer build directory (default build-profile, "
                   "the CMake preset `profile`)")
    p.add_argument("--no-build", action="store_true",
                   help="use the existing evictlab_bench in --build-dir")
    p.add_argument("--max-cases", type=int, default=8,
                   help="profile at most this many matching cases (default 8)")
    p.add_argument("--min-time", type=float, default=0.5,
                   help="--benchmark_min_time of the perf run (default 0.5 s)")
    p.add_argument("--freq", type=int, default=4999,
                   help="perf sampling frequency in Hz (default 4999)")
    p.add_argument("--call-graph", choices=["fp", "dwarf"], default="fp",
                   help="perf's stack walk: fp (frame pointers, default) or "
                   "dwarf (also walks libraries built without frame pointers "
                   "and shows inlined frames, but writes ~100 MB and folds "
                   "~10x slower)")
    p.add_argument("--callgrind-min-time", type=float, default=0.1,
                   help="--benchmark_min_time under callgrind (default 0.1: "
                   "the loop runs ~50x slower there, and a longer run keeps "
                   "Google Benchmark from settling on a handful of cold "
                   "iterations)")
    p.add_argument("--callgrind-scope", choices=["auto", "region", "program"],
                   default="auto",
                   help="region: the timed loop only (the benchmarks' "
                   "MeasuredRegion turns callgrind on around it); program: "
                   "the whole process, start-up included; auto: region, or "
                   "program when the binary collected nothing (default)")
    p.add_argument("--no-callgrind", action="store_true",
                   help="skip the callgrind run")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not re.fullmatch(r"\d+(,\d+)*", args.entries):
        die(f"--entries: '{args.entries}' is not a comma-separated list of sizes")
    started = time.monotonic()
    ensure_tools(not args.no_callgrind)
    build_dir = os.path.abspath(args.build_dir)
    build_cmds = []
    if not args.no_build:
        build_cmds = build_bench(build_dir, os.cpu_count() or 2)
    bench = find_bench(build_dir)

    cases = list_cases(bench, args.entries, args.regex)
    if not cases:
        die(f"no case matches '{args.regex}' with --entries {args.entries} "
            f"(list them: {rel(bench)} --evictlab_entries={args.entries} "
            "--benchmark_list_tests)")
    if len(cases) > args.max_cases:
        say(f"{len(cases)} cases match; profiling the first {args.max_cases} "
            "(narrow the regex or raise --max-cases):")
        cases = cases[:args.max_cases]
    else:
        say(f"{len(cases)} case(s) match:")
    for c in cases:
        say(f"  {c}")

    out_root = os.path.abspath(args.out)
    os.makedirs(out_root, exist_ok=True)
    shim = None if args.no_callgrind else build_valgrind_shim(build_dir)
    failures = []
    written = []
    for case in cases:
        t_case = time.monotonic()
        out_dir = os.path.join(out_root, case_dir_name(case))
        prepare_case_dir(out_dir)
        say(f"{case}: perf record ({args.freq} Hz, min time {args.min_time} s)")
        perf = run_perf(bench, case, args.entries, out_dir, args)
        samples = parse_perf_script(perf.pop("text"))
        case_stacks, all_stacks, stats = fold_samples(samples, case)
        if not case_stacks:
            failures.append(f"{case}: no samples inside the benchmark")
            say(f"  warning: no samples inside the benchmark (did it run? "
                f"see {rel(os.path.join(out_dir, 'perf.log'))})")
        write_folded(os.path.join(out_dir, "perf.folded"), case_stacks)
        write_folded(os.path.join(out_dir, "perf.all.folded"), all_stacks)
        folded_cmd = ("(in scripts/profile) fold the perf script output into "
                      "perf.folded / perf.all.folded")
        subtitle = (f"{stats['samples_case']} samples of {perf['event']} at "
                    f"{args.freq} Hz ({args.call_graph} stacks) in the benchmark "
                    f"({stats['samples_truncated']} with truncated stacks); "
                    f"{stats['samples_outside'] + stats['samples_runner']} "
                    "outside it not shown")
        meta = {"tool": TOOL, "case": case, "benchmark": case,
                "dir": case_dir_name(case), "entries": args.entries,
                "date": _dt.datetime.now(_dt.timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
                "git": git_describe(), "subtitle": subtitle,
                "perf": {"event": perf["event"], "freq": args.freq,
                         "call_graph": args.call_graph,
                         "min_time": args.min_time, "stats": stats,
                         "record_seconds": perf["record_seconds"]},
                "commands": [shell_join(c) for c in build_cmds]
                + [shell_join(perf["record"]), shell_join(perf["script"]),
                   folded_cmd]}
        if case_stacks:
            root = build_tree(case_stacks)
            data = tree_data(root)
            data["meta"] = {k: meta[k] for k in ("case", "date", "git",
                                                 "subtitle", "entries")}
            data["meta"].update(stats, event=perf["event"], freq=args.freq)
            write_flame_html(os.path.join(out_dir, "flame.html"), data)
            write_flame_svg(os.path.join(out_dir, "flame.svg"), root, meta)
        if not args.no_callgrind:
            say(f"{case}: callgrind (min time {args.callgrind_min_time} s)")
            cg = run_callgrind(bench, case, args.entries, out_dir, shim, args)
            meta["callgrind"] = cg
            if cg.get("status") == "ok":
                meta["commands"].append(cg["command"])
                for inclusive in (False, True):
                    n, cmd = annotate(out_dir, inclusive)
                    meta["commands"].append(shell_join(cmd))
                    if n == 0:
                        failures.append(f"{case}: callgrind_annotate listed "
                                        "no functions")
            else:
                failures.append(f"{case}: callgrind {cg.get('status')}")
        meta["seconds"] = round(time.monotonic() - t_case, 1)
        with open(os.path.join(out_dir, "meta.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        write_docs(out_dir, meta)
        written.append((case, out_dir, meta))
        say(f"  done in {meta['seconds']} s")

    print()
    print(f"profile: {len(written)} case(s) in {rel(out_root)}/ "
          f"({time.monotonic() - started:.0f} s):")
    for case, out_dir, meta in written:
        st = meta["perf"]["stats"]
        cg = meta.get("callgrind", {})
        facts = f"{st['samples_case']} perf samples"
        if cg.get("ir_per_op"):
            facts += f", {cg['ir_per_op']:,} Ir/op"
        print(f"  {case}  ({facts})")
        print(f"    {rel(out_dir)}/")
        names = [f for f in ("flame.html", "flame.svg", "perf.folded",
                             "top_self.txt", "top_inclusive.txt",
                             "callgrind.out", "index.html", "README.txt")
                 if os.path.exists(os.path.join(out_dir, f))]
        print("      " + "  ".join(names))
        if "flame.html" in names:
            print(f"    open file://{os.path.join(out_dir, 'flame.html')}")
    if failures:
        print("profile: incomplete:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


def run(argv=None):
    """main() with the command line's error handling (scripts/profile)."""
    try:
        return main(argv)
    except subprocess.CalledProcessError as e:
        die(f"command failed (exit {e.returncode}): {shell_join(e.cmd)}", 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(run())
