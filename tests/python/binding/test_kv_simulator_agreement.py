"""On both Mooncake traces the binding, driven through the KV-mode replay
(binding_kv), gives the C++ simulator's counters for every policy of the
registry, per block and batched; its victims, in order, are the Python
models' (whose counters ctest python.kv_agreement holds to the simulator's);
and it ends with the simulator's request loop's cache, block for block.

Sizes in tokens (1 byte per token): 2^16 (store failures happen) and 2^20;
and one cell at Llama-3.1-8B's 131072 bytes per token. The policies are
the registry's (evictlab.policies()), so a new one is checked here without
an edit."""

import json
import os
import subprocess
from collections import OrderedDict

import pytest

from conftest import EVICTLAB_BIN, TRACES, evictlab
from evictlab_tools import binding_kv
from evictlab_tools.pymodel import kv_policies, kv_replay

SIZES = (1 << 16, 1 << 20)
LLAMA_BPT = 131072
LLAMA_SIZE = 96 << 30
POLICIES = evictlab.policies()

_requests = {}
_future = {}
_cpp = {}


def requests_of(trace):
    if trace not in _requests:
        _requests[trace] = kv_replay.read_mooncake(trace)
        _future[trace] = binding_kv.next_access(_requests[trace])
    return _requests[trace]


def cpp_results(trace, bpt, sizes):
    key = (trace, bpt, sizes)
    if key not in _cpp:
        if not os.access(EVICTLAB_BIN, os.X_OK):
            pytest.fail(f"{EVICTLAB_BIN} is not an executable: build it "
                        f"(cmake --build --preset release --target "
                        f"evictlab_cli)")
        cmd = [EVICTLAB_BIN, "simulate", "--format", "mooncake",
               "--policy", ",".join(POLICIES),
               "--cache-sizes", ",".join(map(str, sizes)),
               "--kv-bytes-per-token", str(bpt), "--json", "-", trace]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                             text=True).stdout
        _cpp[key] = {(r["policy"], r["cache_size"]): r
                     for r in json.loads(out)["results"]}
    return _cpp[key]


def make(policy, size):
    return getattr(evictlab.kv, policy.upper())(size)


def check_equal(trace, policy, size, bpt, sizes, driver):
    requests = requests_of(trace)
    cache = make(policy, size)
    future = _future[trace] if cache.needs_next_access else None
    got = binding_kv.DRIVERS[driver](requests, cache, bpt, future)
    want = cpp_results(trace, bpt, sizes)[(policy, size)]
    diff = {k: (got[k], want[k]) for k in kv_replay.COUNTERS
            if got[k] != want[k]}
    assert not diff, f"{os.path.basename(trace)} {policy}@{size}: {diff}"
    # The cache holds what it stored and never more than its size.
    assert cache.used <= size


@pytest.mark.parametrize("trace", TRACES, ids=os.path.basename)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("size", SIZES)
def test_batched_equals_the_simulator(trace, policy, size):
    check_equal(trace, policy, size, 1, SIZES, "batched")


@pytest.mark.parametrize("policy", POLICIES)
def test_per_block_equals_the_simulator(policy):
    # The smaller trace only: the per-block driver is 5x slower, and it
    # differs from the batched one in Python code only.
    check_equal(TRACES[1], policy, SIZES[0], 1, SIZES, "per_block")


@pytest.mark.parametrize("policy", POLICIES)
def test_batched_equals_the_simulator_at_llama_8b(policy):
    check_equal(TRACES[1], policy, LLAMA_SIZE, LLAMA_BPT, (LLAMA_SIZE,),
                "batched")


def _recording(d):
    """A dict (or OrderedDict) of the same kind that records deletions."""
    gone = []

    class Recording(type(d)):
        def __delitem__(self, key):
            gone.append(key)
            super().__delitem__(key)

        def pop(self, key, *default):
            if key in self:
                gone.append(key)
            return super().pop(key, *default)

    r = Recording()
    r.update(d)
    return r, gone


def model_victims(policy, size, requests):
    p = kv_policies.make_policy(policy, size)
    rec, gone = _recording(p.resident)
    if hasattr(p, "cache_dict"):
        p.cache_dict = rec
    p.resident = rec
    c = kv_replay.replay(requests, p)
    return c, gone


@pytest.mark.parametrize("policy", list(kv_policies.POLICIES))
def test_victims_in_order_equal_the_models(policy):
    trace = TRACES[1]
    requests = requests_of(trace)
    size = SIZES[1]
    want_c, want = model_victims(policy, size, requests)
    victims = []
    cache = make(policy if policy != "lru" else "lru_strict", size)
    future = _future[trace] if cache.needs_next_access else None
    got_c = binding_kv.replay_batched(requests, cache, 1, future, victims)
    assert got_c == want_c
    assert len(victims) == want_c["n_evict"] > 0
    assert victims == want


def test_reference_lru_and_strict_lru_agree_in_kv_mode():
    # No overwrites or removals happen in KV mode, so the reference
    # accounting never drifts: the same victims.
    requests = requests_of(TRACES[1])
    a, b = [], []
    ca = binding_kv.replay_batched(requests, make("lru", 1 << 16), 1, None, a)
    cb = binding_kv.replay_batched(requests, make("lru_strict", 1 << 16), 1,
                                   None, b)
    assert ca == cb and a == b and a


@pytest.mark.parametrize("trace", TRACES, ids=os.path.basename)
@pytest.mark.parametrize("policy", POLICIES)
def test_final_cache_equals_the_cpp_loops(trace, policy):
    # The simulator's request loop (KvReplayer, run in process) and the
    # batched binding end with the same blocks in the same dict order: with
    # equal stores and evictions, the same victims were taken overall.
    requests = requests_of(trace)
    size = SIZES[0]
    cache = make(policy, size)
    future = _future[trace] if cache.needs_next_access else None
    binding_kv.replay_batched(requests, cache, 1, future)
    key = ("trace", trace)
    if key not in _cpp:
        _cpp[key] = evictlab.kv.Trace(requests, _future[trace])
    cpp = _cpp[key].simulate(policy, size, 1, resident=True)
    assert cache.keys() == cpp["resident"]
    assert cpp["n_evict"] == cpp_results(trace, 1, SIZES)[(policy, size)][
        "n_evict"]
