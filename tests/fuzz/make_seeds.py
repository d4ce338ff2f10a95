#!/usr/bin/python3
"""Writes the fuzz harnesses' seed corpora: OUT/<harness>/<n>.

Seeds are small pieces of the shared data (../shared: the golden traces and
the cloudPhysics traces in every format), cut so that each seed is a few
hundred bytes and both the success and the error paths of a reader start
covered. Deterministic: the same files every run.

    make_seeds.py SHARED_DIR OUT_DIR
"""
import os
import random
import struct
import sys


def write(out, harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pieces(items, size, count):
    """`count` runs of `size` items spread evenly over `items`."""
    if len(items) <= size:
        return [items]
    stride = max(1, (len(items) - size) // max(1, count - 1))
    return [items[i:i + size] for i in range(0, len(items) - size + 1, stride)][:count]


def oracle_records(data):
    return [data[i:i + 24] for i in range(0, len(data) - 23, 24)]


def with_next_access(records):
    """oracleGeneral records with next_access recomputed for the piece."""
    ids = [struct.unpack_from("<Q", r, 4)[0] for r in records]
    nxt, seen = [-1] * len(ids), {}
    for i in range(len(ids) - 1, -1, -1):
        nxt[i] = seen.get(ids[i], -1)
        seen[ids[i]] = i + 1  # 1-based
    return b"".join(r[:16] + struct.pack("<q", n) for r, n in zip(records, nxt))


def main():
    shared, out = sys.argv[1], sys.argv[2]
    lib = os.path.join(shared, "traces", "libcachesim")

    # Golden traces: every small one whole, and header + 12 lines of each.
    gdir = os.path.join(shared, "golden")
    for name in sorted(os.listdir(gdir)):
        with open(os.path.join(gdir, name)) as f:
            lines = f.read().splitlines(keepends=True)
        if sum(map(len, lines)) < 4000:
            write(out, "golden_replay", name, "".join(lines))
        for k, piece in enumerate(pieces(lines[1:], 12, 6)):
            write(out, "golden_replay", f"{name}.{k}", lines[0] + "".join(piece))

    with open(os.path.join(lib, "cloudPhysicsIO.oracleGeneral.bin"), "rb") as f:
        records = oracle_records(f.read())
    for k, piece in enumerate(pieces(records, 16, 24)):
        # As cut (next accesses point outside the piece), and recomputed.
        write(out, "trace_oraclegeneral", f"cut{k}", b"".join(piece))
        write(out, "trace_oraclegeneral", f"next{k}", with_next_access(piece))

    with open(os.path.join(lib, "cloudPhysicsIO.vscsi"), "rb") as f:
        data = f.read()
    v1 = [data[i:i + 32] for i in range(0, len(data) - 31, 32)]
    for k, piece in enumerate(pieces(v1, 8, 16)):
        write(out, "trace_vscsi", f"v1_{k}", b"".join(piece))
        # The same requests as version 2 records.
        v2 = []
        for r in piece:
            sn, ln, nsg, cmd, ver, lbn, ts = struct.unpack("<IIIHHQQ", r)
            v2.append(struct.pack("<HHIIIQQQ", cmd, 0x200 | (ver & 0xFF), sn,
                                  ln, nsg, lbn, ts, 0))
        write(out, "trace_vscsi", f"v2_{k}", b"".join(v2))

    # csv: 4 option bytes (tests/fuzz/trace_fuzzer.cc) + header + 10 lines.
    with open(os.path.join(lib, "cloudPhysicsIO.csv")) as f:
        lines = f.read().splitlines(keepends=True)
    options = [bytes([0x08, 5, 4, 2]),   # the shipped layout
               bytes([0x18, 5, 4, 2]),   # string ids
               bytes([0x08, 3, 0, 0])]   # id field "2a": not a number
    for k, piece in enumerate(pieces(lines[1:], 10, 8)):
        for j, opt in enumerate(options):
            write(out, "trace_csv", f"{k}_{j}", opt + (lines[0] + "".join(piece)).encode())

    with open(os.path.join(lib, "cloudPhysicsIO.txt")) as f:
        lines = f.read().splitlines(keepends=True)
    for k, piece in enumerate(pieces(lines, 20, 12)):
        write(out, "trace_txt", str(k), "".join(piece))

    # Mooncake JSONL: runs of 4 lines (the shorter ones, so a seed stays a
    # few hundred bytes) of each shared trace, and the reader's error cases.
    mdir = os.path.join(shared, "traces", "mooncake")
    for name in sorted(os.listdir(mdir)):
        with open(os.path.join(mdir, name)) as f:
            lines = [l for l in f.read().splitlines(keepends=True) if len(l) < 400]
        for k, piece in enumerate(pieces(lines, 4, 12)):
            write(out, "trace_mooncake", f"{name}.{k}", "".join(piece))
    for k, text in enumerate([
            '{"input_length": 600}\n',
            '{"input_length": 600, "hash_ids": [1, 2.5]}\n',
            '{"input_length": 600, "hash_ids": [1]}\n',
            '{"input_length": 0, "hash_ids": []}\r\n',
            '{"timestamp": 1.5, "output_length": 2, "input_length": 1, "hash_ids": [7], "x": {"y": [1]}}\n',
            '{"input_length": 1, "hash_ids": [-1]}\n',
            '{"input_length": 1, "hash_ids": [18446744073709551615]}\n',
            '{"input_length": 1, "hash_ids": [1], "hash_ids": [1]}\n',
            '{"input_length": 1, "hash_ids": [1]}\n\n',
            '[1]\n', '{"input_length":\n', ""]):
        write(out, "trace_mooncake", f"err{k}", text)

    for k, text in enumerate([
            "128MiB:1GiB:128MiB", "4096", "1GiB,2GiB,3GiB", " 1 KiB , 2tib ",
            "0", "-1", "1GB", "1.5GiB", "18446744073709551615", "16EiB",
            "1:10:1", "10:1:1", "1:2", "100000B", "1:100000:1,5"]):
        write(out, "cache_sizes", str(k), text)

    for k, text in enumerate([
            "s3fifo.fifo-size-ratio=0.2", "clock.n-bit-counter=2",
            "s3fifo.ghost-size-ratio=0.9\ns3fifo.move-to-main-threshold=2",
            "lru.x=1", "s3fifo.fifo-size-ratio=1.5", "clock.n-bit-counter=",
            "belady.a=b", "nosuch.a=1", "s3fifo=1"]):
        write(out, "param", str(k), text)

    # Operation sequences: a limit, then (opcode, key, argument, next) bytes.
    rng = random.Random(1)
    for k in range(16):
        limit = rng.choice([1, 64, 512, 1024, 2047])
        ops = bytes(rng.randrange(256) for _ in range(4 * rng.choice([8, 32, 128])))
        write(out, "ops", str(k), struct.pack("<H", limit) + ops)


if __name__ == "__main__":
    main()
