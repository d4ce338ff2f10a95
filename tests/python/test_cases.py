"""Tests of the one case parser and loaders: evictlab_tools/cases.py,
gbench.py, context.py and targets.py on known inputs."""
import json
import os
import unittest

from evictlab_tools import cases, context, gbench, targets

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "fixtures", "cases_small.json")


class NamesTest(unittest.TestCase):

    def test_parse_every_family(self):
        c = cases.parse_name("BM_UpdateOnPut/lru/dict:absl/tensor/str/"
                             "entries:65536/status:illegal")
        self.assertEqual((c.family, c.policy, c.dict, c.kv, c.key, c.entries,
                          c.variant),
                         ("UpdateOnPut", "lru", "absl", "tensor", "str",
                          65536, "status:illegal"))
        self.assertEqual(c.params, {"status": "illegal"})
        f = cases.parse_name("BM_GetSize/field_read")
        self.assertEqual((f.kv, f.variant), (None, "field_read"))
        t = cases.parse_name("BM_GetSize/tensor/dtype:int8/rank:5/view:narrow")
        self.assertEqual((t.kv, t.params["rank"]), ("tensor", "5"))
        m = cases.parse_name("BM_MemoryFloor/entries:1024/real_time")
        self.assertEqual((m.name, m.family, m.entries, m.variant),
                         ("BM_MemoryFloor/entries:1024", "MemoryFloor",
                          1024, ""))

    def test_suffixes(self):
        for suffix in ("/iterations:2048", "/real_time", "/threads:1",
                       "/repeats:3/min_time:0.010", "/iterations:8/real_time"):
            self.assertEqual(cases.strip_suffixes("BM_GetSize/kvobj" + suffix),
                             "BM_GetSize/kvobj")
        # an entries: or variant part is not a suffix
        self.assertEqual(cases.strip_suffixes("BM_MemoryFloor/entries:8"),
                         "BM_MemoryFloor/entries:8")

    def test_aliases_of_the_cases_md_table(self):
        rest = "kvobj/cek/entries:1024/dist:uniform"
        for old, new in (("lru", "lru/dict:flat"),
                         ("lru_strict", "lru_strict/dict:flat"),
                         ("dummy", "dummy/dict:flat"),
                         ("lru_node", "lru/dict:node"),
                         ("naive_lru", "lru/dict:naive")):
            for fam in ("UpdateOnGet", "UpdateOnPut"):
                self.assertEqual(cases.canonical(f"BM_{fam}/{old}/{rest}"),
                                 f"BM_{fam}/{new}/{rest}")
        new_name = "BM_UpdateOnGet/fifo/dict:naive/" + rest
        self.assertEqual(cases.canonical(new_name), new_name)
        self.assertEqual(cases.alias("BM_GetSize/kvobj"), "BM_GetSize/kvobj")

    def test_format_is_the_inverse_of_parse(self):
        for c in cases.load_case_list(CASES):
            self.assertEqual(cases.format_name(c), c.name)
            self.assertEqual(cases.parse_name(c.name), c)
        c = cases.parse_name("BM_UpdateOnGet/lru/dict:flat/kvobj/hstr/"
                             "entries:1024/dist:uniform")
        self.assertEqual(c.with_fields(dict="naive", entries=8).name,
                         "BM_UpdateOnGet/lru/dict:naive/kvobj/hstr/"
                         "entries:8/dist:uniform")

    def test_simulate_families(self):
        # BM_Simulate/<policy>/trace:<t>/cache:<c>: a policy, no dict; the
        # floor has neither (bench/simulate_benchmarks.cc).
        c = cases.parse_name("BM_Simulate/s3fifo/trace:cloudphysics/"
                             "cache:128MiB/min_time:0.050")
        self.assertEqual((c.name, c.family, c.policy, c.dict, c.kv, c.key,
                          c.entries, c.variant),
                         ("BM_Simulate/s3fifo/trace:cloudphysics/cache:128MiB",
                          "Simulate", "s3fifo", None, None, None, None,
                          "trace:cloudphysics/cache:128MiB"))
        self.assertEqual(c.params, {"trace": "cloudphysics",
                                    "cache": "128MiB"})
        f = cases.parse_name("BM_SimulateFloor/trace:zipf1.0/cache:40MiB")
        self.assertEqual((f.family, f.policy, f.variant),
                         ("SimulateFloor", None, "trace:zipf1.0/cache:40MiB"))
        for x in (c, f):
            self.assertEqual(cases.format_name(x), x.name)
        self.assertEqual(c.with_fields(family="SimulateFloor",
                                       policy=None).name,
                         "BM_SimulateFloor/trace:cloudphysics/cache:128MiB")

    def test_ere_escape(self):
        self.assertEqual(cases.ere_escape("BM_X/a:1/b.c(d)"),
                         r"BM_X/a:1/b\.c\(d\)")


class CaseListTest(unittest.TestCase):

    def test_registry_order_and_default(self):
        cl = cases.load_case_list(CASES)
        self.assertEqual(cl.policies, ["lru", "lru_strict", "dummy", "fifo",
                                       "mru"])
        self.assertEqual(cl.dicts, ["flat", "absl", "node", "naive"])
        self.assertEqual(cl.default_dict, "flat")
        self.assertTrue(cl.policy_traits("mru")["promotes_on_hit"])
        self.assertEqual(cl.key_kinds, ["str", "cek", "hstr", "hcek"])
        ordered = cl.sorted()
        self.assertEqual(ordered[0].family, "GetSize")
        self.assertEqual(ordered[-1].family, "MemoryFloor")

    def test_simulate_records_as_the_binary_lists_them(self):
        with open(CASES) as f:
            doc = json.load(f)
        for name, policy in (
                ("BM_Simulate/fifo/trace:zipf1.0/cache:40MiB", "fifo"),
                ("BM_SimulateFloor/trace:zipf1.0/cache:40MiB", None)):
            doc["cases"].append({
                "name": name, "family": name[3:name.index("/")],
                "policy": policy, "dict": None, "kv": None, "key": None,
                "entries": None, "variant": "trace:zipf1.0/cache:40MiB"})
        cl = cases.load_case_list(doc)
        sim = cl.get("BM_Simulate/fifo/trace:zipf1.0/cache:40MiB")
        self.assertEqual(sim, cases.parse_name(sim.name))
        self.assertEqual(cl.case(sim.name + "/repeats:1"), sim)
        # after every per-op family, the replay before its floor
        self.assertEqual([c.family for c in cl.sorted()[-2:]],
                         ["Simulate", "SimulateFloor"])
        self.assertEqual(cl.dicts, ["flat", "absl", "node", "naive"])

    def test_default_from_the_document_not_a_name(self):
        with open(CASES) as f:
            doc = json.load(f)
        for d in doc["dicts"]:
            d["default"] = d["name"] == "absl"
        self.assertEqual(cases.load_case_list(doc).default_dict, "absl")
        self.assertEqual(cases.load_case_list(json.dumps(doc)).default_dict,
                         "absl")

    def test_old_runs_take_the_alias_table_order(self):
        cl = cases.case_list_from_names([
            "BM_UpdateOnGet/naive_lru/kvobj/str/entries:8/dist:uniform",
            "BM_UpdateOnGet/dummy/kvobj/str/entries:8/dist:uniform",
            "BM_UpdateOnGet/lru/kvobj/str/entries:8/dist:uniform",
            "BM_UpdateOnGet/lru_node/kvobj/str/entries:8/dist:uniform"])
        self.assertEqual(cl.policies, ["lru", "dummy"])
        self.assertEqual(cl.dicts, ["flat", "node", "naive"])
        self.assertEqual(cl.default_dict, "flat")

    def test_bad_documents(self):
        for doc in ({}, {"cases": [{"name": "x"}]},
                    {"schema": "other/1", "cases": []},
                    {"cases": [{"name": "BM_GetSize/kvobj/real_time",
                                "family": "GetSize"}]}):
            with self.assertRaises(cases.CaseListError):
                cases.load_case_list(doc)
        with self.assertRaises(cases.CaseListError):
            cases.load_case_list("{not json")


def entry(name, t, unit="ns", **kw):
    d = {"name": name, "run_name": name, "run_type": "iteration",
         "real_time": t, "cpu_time": t, "time_unit": unit, "iterations": 10}
    d.update(kw)
    return d


class GBenchTest(unittest.TestCase):

    def test_units_repetitions_aggregates_counters_errors(self):
        old = "BM_UpdateOnGet/lru/kvobj/str/entries:8/dist:uniform"
        doc = {"context": {"num_cpus": 2}, "benchmarks": [
            entry(old, 1.0, "us", evictions=0.0),
            entry(old, 3.0, "us", evictions=0.0),
            entry(old, 2.0, "us", evictions=0.0),
            {"name": old + "_median", "run_name": old, "run_type": "aggregate",
             "aggregate_name": "median", "real_time": 2.5, "time_unit": "us"},
            entry("BM_GetSize/kvobj/iterations:64", 4.0),
            {"name": "BM_GetSize/disk", "run_type": "iteration",
             "error_occurred": True, "error_message": "bad size"},
        ]}
        r = gbench.load(doc)
        new = cases.canonical(old)
        self.assertEqual(r[new].samples, [1000.0, 3000.0, 2000.0])
        self.assertEqual(r[new].median, 2500.0)     # the aggregate
        self.assertEqual((r[new].min, r[new].max, r[new].n), (1000.0, 3000.0, 3))
        self.assertEqual(r[new].counters, {"evictions": 0.0})
        self.assertEqual(r["BM_GetSize/kvobj"].median, 4.0)
        self.assertEqual(r.errors(), {"BM_GetSize/disk": "bad size"})
        self.assertNotIn("BM_GetSize/disk", r.samples())
        self.assertEqual(r.context, {"num_cpus": 2})

    def test_validation(self):
        for bad in ({}, {"benchmarks": {}}, {"benchmarks": [{"x": 1}]},
                    {"benchmarks": [entry("BM_A", 1.0, "fortnights")]}):
            with self.assertRaises(gbench.GBenchError):
                gbench.load(bad)
        with self.assertRaises(gbench.GBenchError):
            gbench.load("/nonexistent/cpp.json")


class ContextTest(unittest.TestCase):

    def test_collect_has_the_machine(self):
        ctx = context.collect(profile="quick", extra_field=1)
        for k in ("cpu_model", "num_cpus", "compiler", "git_sha",
                  "date_utc", "profile"):
            self.assertIn(k, ctx)
        self.assertEqual(ctx["num_cpus"], os.cpu_count())
        self.assertEqual(ctx["extra_field"], 1)

    def test_every_shape_gives_the_machine(self):
        flat = {"cpu_model": "AMD EPYC", "num_cpus": 2, "compiler": "g++ 12"}
        nested = {"machine": {"cpu_model": "AMD EPYC", "cores": 2},
                  "compiler": {"version": "g++ 12", "flags": "-O3"},
                  "git": {"sha": "abc"}}
        self.assertEqual(context.machine(flat), flat)
        self.assertEqual(context.machine(nested), flat)
        self.assertEqual(context.normalize(nested)["git_sha"], "abc")
        self.assertEqual(context.machine(None),
                         {"cpu_model": None, "num_cpus": None,
                          "compiler": None})


class TargetsTest(unittest.TestCase):

    def test_data_file_and_checks(self):
        ts = {t.id: t for t in targets.load()}
        self.assertIn("get_2_20_py", ts)
        t = ts["get_2_20_py"]
        c = cases.parse_name("BM_UpdateOnGet/lru/dict:absl/kvobj/hstr/"
                             "entries:1048576/dist:uniform")
        self.assertTrue(t.applies(c, "absl"))     # "default" = the registry's
        self.assertFalse(t.applies(c, "flat"))
        self.assertFalse(t.applies(c.with_fields(key="str"), "absl"))
        self.assertTrue(t.check(4.0)["met"])
        self.assertFalse(t.check(3.9)["met"])
        self.assertNotIn("met", t.check(None))
        floor = ts["get_2_20_floor"]
        self.assertTrue(floor.check(2.5)["met"])
        self.assertFalse(floor.check(2.6)["met"])
        tensor = ts["getsize_tensor"]
        g = cases.parse_name("BM_GetSize/tensor/dtype:int8/rank:1/view:narrow")
        self.assertTrue(tensor.applies(g, "flat"))
        self.assertFalse(tensor.applies(
            g.with_fields(variant="dispatch:visit"), "flat"))


if __name__ == "__main__":
    unittest.main()
