"""Bad arguments to evictlab.kv raise Python exceptions naming the argument;
scripts/pyboundary runs end to end on a small trace."""

import json
import os

import pytest

from conftest import EVICTLAB_BIN, evictlab
from evictlab_tools import binding_kv, pyboundary


def test_kv_bad_arguments():
    c = evictlab.kv.LRU(4096)
    with pytest.raises(TypeError, match="block id is an int"):
        c.lookup([b"x"])
    with pytest.raises(TypeError, match=r"store: keys\[1\]"):
        c.store([1, "2"], 512)
    with pytest.raises(ValueError, match="outside"):
        c.put(-1, 512)
    with pytest.raises(ValueError, match="has 1 entries"):
        c.store([1, 2], [512])
    with pytest.raises(ValueError, match="negative"):
        c.store([1, 2], -1)
    with pytest.raises(ValueError, match="negative"):
        c.put(1, -5)
    with pytest.raises(TypeError, match="list or tuple"):
        c.touch(iter([1]))
    with pytest.raises(ValueError, match="cache_size"):
        evictlab.kv.ARC(2**53 + 1)
    b = evictlab.kv.BELADY(4096)
    with pytest.raises(ValueError, match="next access"):
        b.store([1], 512)
    with pytest.raises(ValueError, match="next_access"):
        b.touch([1], [5, 6])
    assert len(c) == 0 and len(b) == 0  # nothing changed on the way


def test_kv_store_reports_victims_and_pins_hold():
    c = evictlab.kv.FIFO(2 * 512)
    victims = []
    assert c.store([1, 2], 512, None, victims) == (2, 0, False)
    assert c.pin(1) and not c.pin(99)
    # 3 needs a victim: 1 is pinned, so 2 goes.
    assert c.store([3], 512, None, victims) == (1, 1, False)
    assert victims == [2]
    assert c.put(4, 512) == (True, 1) and 3 not in c
    assert c.unpin(1) and not c.unpin(1)
    assert c.put(5, 2000) is None  # larger than the cache: ILLEGAL


def test_trace_simulate_equals_the_python_replay():
    requests = [((1, 2, 3), 1500), ((1, 2, 4), 1536), ((5,), 10), ((1,), 3)]
    t = evictlab.kv.Trace(requests, binding_kv.next_access(requests))
    assert (t.n_req, t.n_block) == (4, 8)
    for policy in evictlab.policies():
        cls = getattr(evictlab.kv, policy.upper())
        fut = binding_kv.next_access(requests) if cls.needs_next_access \
            else None
        want = binding_kv.replay_batched(requests, cls(1200), 1, fut)
        got = t.simulate(policy, 1200)
        assert {k: got[k] for k in want if k in got} == \
            {k: want[k] for k in want if k in got}, policy
    with pytest.raises(ValueError, match="unknown policy"):
        t.simulate("nope", 100)
    with pytest.raises(ValueError, match="needs 3"):
        evictlab.kv.Trace([((1,), 1500)])
    with pytest.raises(TypeError, match=r"requests\[0\]"):
        evictlab.kv.Trace([[1, 2]])


def test_pyboundary_end_to_end(tmp_path):
    trace = tmp_path / "t.jsonl"
    lines = [{"timestamp": i, "input_length": 1024, "output_length": 1,
              "hash_ids": [i % 5, 100 + i % 7]} for i in range(40)]
    trace.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "run"
    rc = pyboundary.main(["--policy", "lru,belady,lru_strict",
                          "--cache-sizes", "2048",
                          "--evictlab", EVICTLAB_BIN, "--out", str(out),
                          str(trace)])
    assert rc == 0
    doc = json.loads((out / "pyboundary.json").read_text())
    rows = doc["traces"][0]["results"]
    assert [r["policy"] for r in rows] == ["lru", "belady", "lru_strict"]
    assert all(not r["mismatches"] for r in rows)
    # Belady has a Python model (kv_policies); lru_strict has none.
    assert "model" in rows[0]["ns_per_block_ref"]
    assert "model" in rows[1]["ns_per_block_ref"]
    assert "model" not in rows[2]["ns_per_block_ref"]
    assert "| lru | 2048 |" in (out / "pyboundary.md").read_text()
    assert pyboundary.main(["--policy", "nope", "--cache-sizes", "1",
                            str(trace)]) == 2
    assert pyboundary.main(["--cache-sizes", "1", str(tmp_path / "no")]) == 2
