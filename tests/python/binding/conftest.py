"""pytest setup of the binding's suite: the built module (EVICTLAB_PYTHONPATH,
default build/python), the lab's tools package (scripts/) and the C++ tool
(EVICTLAB_BIN, default build/evictlab)."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from evictlab_tools import binding_kv  # noqa: E402

evictlab = binding_kv.import_evictlab()

SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
MOONCAKE = os.path.join(SHARED, "traces", "mooncake")
TRACES = [os.path.join(MOONCAKE, n) for n in
          ("conversation_trace.jsonl", "synthetic_trace.jsonl")]
EVICTLAB_BIN = (os.environ.get("EVICTLAB_BIN")
                or os.path.join(REPO, "build", "evictlab"))


@pytest.fixture(scope="session")
def el():
    return evictlab
