#!/usr/bin/env bash
# End-to-end test of scripts/profile: profiles one small case into a temporary
# directory, checks the folded stacks and the callgrind top list, then opens
# flame.html (d3-flame-graph, vendored in scripts/profile_assets/vendor/) in
# headless Debian Chromium: the rendered DOM must hold the frames and no
# script error, and hover / search / zoom / reset must work
# (tests/profile/flame_probe.js). Saves a screenshot of the flame graph.
#
#   tests/profile/test_profile.sh [SCREENSHOT.png [BUILD_DIR]]
#     (default build/profile-flame.png; BUILD_DIR: see below)
#
# With BUILD_DIR (ctest passes build/profile-e2e), the test configures its
# own frame-pointer build there (the `profile` preset with
# EVICTLAB_BENCH_GATE_FAMILIES_ONLY: the profiled case is in the cache
# matrix, and the other benchmark files would double the build) and leaves
# the user's build-profile/ alone; without it, scripts/profile builds
# build-profile/ as a user's run does. Extra scripts/profile arguments can
# be passed in $PROFILE_TEST_ARGS (e.g. "--no-build" to reuse the build).
# Needs root or perf permission (scripts/profile explains); installs
# chromium with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

shot=${1:-build/profile-flame.png}
[[ $shot = /* ]] || shot="$repo/$shot"
mkdir -p "$(dirname "$shot")"
build_args=()
if [[ -n ${2:-} ]]; then
  cmake --preset profile -B "$2" -DEVICTLAB_BENCH_GATE_FAMILIES_ONLY=ON \
    >/dev/null
  build_args=(--build-dir "$2")
fi

CASE='BM_UpdateOnPut/lru/dict:flat/tensor/str/entries:1024/evictions:1'
CASE_DIR='UpdateOnPut_lru_dict_flat_tensor_str_entries_1024_evictions_1'
CHROMIUM=/usr/bin/chromium
VENDOR=scripts/profile_assets/vendor

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evictlab-profile-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() {  # check "description" command...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

if [[ ! -x $CHROMIUM ]]; then
  echo "test_profile: installing chromium"
  scripts/deps.sh chromium
fi

# --- run the tool --------------------------------------------------------
start=$(date +%s)
# shellcheck disable=SC2086  # PROFILE_TEST_ARGS is a word list on purpose
if scripts/profile "${CASE}\$" --entries 1024 --out "$tmp/out" \
     "${build_args[@]}" ${PROFILE_TEST_ARGS:-} > "$tmp/profile.log" 2>&1; then
  ok "scripts/profile exited 0 ($(($(date +%s) - start)) s)"
else
  bad "scripts/profile exited non-zero"
fi
sed 's/^/  | /' "$tmp/profile.log" | tail -25
dir="$tmp/out/$CASE_DIR"

# --- files ---------------------------------------------------------------
check "the case directory exists" test -d "$dir"
check "perf.folded is non-empty" test -s "$dir/perf.folded"
check "perf.folded stacks start at the case" \
  bash -c "! grep -v -F -e '$CASE;' -e '$CASE ' '$dir/perf.folded' | grep -q . && grep -q -F '$CASE;' '$dir/perf.folded'"
check "perf.folded names update_on_put" grep -q 'update_on_put' "$dir/perf.folded"
check "perf.folded lines end in a count" \
  bash -c "! grep -v -E -q ' [0-9]+\$' '$dir/perf.folded'"
check "perf.folded has no Google Benchmark runner frames" \
  bash -c "! grep -q 'benchmark::internal::' '$dir/perf.folded'"
# Rows like " 1,234 (12.34%)  file:function [object]".
n_self=$(grep -c -E '^ *[0-9,]+ \( *[0-9.]+%\) +.+' "$dir/top_self.txt" || true)
check "top_self.txt lists functions ($n_self rows)" test "${n_self:-0}" -ge 10
check "top_self.txt names an evictlab function" grep -q 'evictlab::' "$dir/top_self.txt"
n_incl=$(grep -c -E '^ *[0-9,]+ \( *[0-9.]+%\) +.+' "$dir/top_inclusive.txt" || true)
check "top_inclusive.txt lists functions ($n_incl rows)" test "${n_incl:-0}" -ge 10
check "callgrind.out is there" test -s "$dir/callgrind.out"
for f in flame.html flame.svg index.html README.txt meta.json; do
  check "$f is there" test -s "$dir/$f"
done
check "flame.html fetches nothing (no src=/href= to http)" \
  bash -c "! grep -q -E '(src|href)=\"?https?:' '$dir/flame.html'"
for lib in d3.min.js d3-flamegraph.umd.min.js; do
  check "flame.html inlines the vendored $lib" \
    grep -q -F "$(head -c 300 "$VENDOR/$lib" | head -n 1)" "$dir/flame.html"
done
check "the hand-written renderer is gone" bash -c "! grep -q 'fg-frame' '$dir/flame.html'"
check "the tool printed where flame.html is" grep -q "$CASE_DIR/flame.html" "$tmp/profile.log"

# --- headless Chromium ---------------------------------------------------
chromium() {  # chromium OUT ARGS... : one run with a fresh profile, output in OUT
  local out=$1
  shift
  local prof
  prof=$(mktemp -d "$tmp/chromium-profile.XXXXXX")
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --hide-scrollbars --virtual-time-budget=5000 \
    --user-data-dir="$prof" "$@" \
    > "$out" 2> "$out.err" < /dev/null || true
}

if [[ -s $dir/flame.html ]]; then
  chromium "$tmp/dom.html" --window-size=1400,1000 --dump-dom "file://$dir/flame.html"
  dom="$tmp/dom.html"
  check "Chromium dumped the DOM" test -s "$dom"
  check "the page says it rendered (data-flame-status=ok)" grep -q 'data-flame-status="ok"' "$dom"
  check "no script error was recorded" bash -c "! grep -q '<html[^>]*data-flame-errors' '$dom'"
  n_frames=$(grep -o 'data-flame-frames="[0-9]*"' "$dom" | grep -o '[0-9]*' || echo 0)
  check "frames were rendered ($n_frames)" test "${n_frames:-0}" -ge 10
  check "d3-flame-graph drew its svg" \
    grep -q -E '<svg[^>]*class="partition d3-flame-graph"' "$dom"
  check "a rendered frame is the case" \
    grep -q -E "class=\"d3-flame-graph-label\"[^>]*>$CASE<" "$dom"
  check "a rendered frame names update_on_put" \
    grep -q -E 'class="d3-flame-graph-label"[^>]*>[^<]*update_on_put<' "$dom"

  # Interaction: the same page with tests/profile/flame_probe.js, which
  # hovers, searches, zooms and resets, recording what it saw on <html>.
  python3 - "$dir/flame.html" "$tmp/interact.html" tests/profile/flame_probe.js <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = open(sys.argv[3], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(
    page.replace("</body>", "<script>\n" + probe + "</script>\n</body>"))
EOF
  chromium "$tmp/idom.html" --window-size=1400,1000 --dump-dom "file://$tmp/interact.html"
  idom="$tmp/idom.html"
  check "interaction probe ran without error" \
    bash -c "grep -q 'data-t-reset' '$idom' && ! grep -q -E '<html[^>]*(data-t-error|data-flame-errors)' '$idom'"
  check "hover shows a tooltip with the function and its samples" \
    grep -q -E 'data-t-tip="[^"]*update_on_put[^"]*samples: [0-9]+ \(' "$idom"
  check "search highlights matching frames" grep -q -E 'data-t-hits="[1-9][0-9]*"' "$idom"
  check "search highlights only matching frames" grep -q 'data-t-hit-names="all"' "$idom"
  check "clearing the search removes the highlight" grep -q 'data-t-cleared="0"' "$idom"
  check "search sums the matched samples" grep -q -E 'data-t-match="Matched: [0-9]+ samples' "$idom"
  check "click zooms into the frame (full width, breadcrumbs)" \
    bash -c "grep -q 'data-t-zoom-width=\"full\"' '$idom' && grep -q -E 'data-t-crumbs=\"Zoomed into: [^\"]*update_on_put' '$idom'"
  check "reset zooms out" grep -q 'data-t-reset="yes"' "$idom"

  chromium "$tmp/shot.log" --window-size=1400,1000 --screenshot="$shot" "file://$dir/flame.html"
  check "screenshot saved to ${shot#"$repo"/}" test -s "$shot"
  if [[ -s $shot ]] && cmp -s <(head -c 8 "$shot") <(printf '\x89PNG\r\n\032\n'); then
    ok "the screenshot is a PNG"
  else
    bad "the screenshot is a PNG"
  fi
else
  bad "no flame.html to open in Chromium"
fi

echo "test_profile: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
