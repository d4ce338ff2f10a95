// The Mooncake reader (kv_trace.h): the shipped traces' shapes, the flat
// layout, block token counts, the next-access pre-pass, and one test per
// kind of malformed line, each naming the file and the 1-based line.
#include "evictlab/sim/kv_trace.h"

#include <gtest/gtest.h>

#include <string>

namespace evictlab::sim {
namespace {

const std::string kShared = std::string(EVICTLAB_SOURCE_DIR) + "/../shared";

TEST(MooncakeReader, ConversationTraceShape) {
  const KvTrace t =
      read_mooncake(kShared + "/traces/mooncake/conversation_trace.jsonl");
  EXPECT_EQ(t.size(), 12031u);
  EXPECT_EQ(t.blocks.size(), 288500u);
  EXPECT_EQ(count_distinct_blocks(t), 182790u);
  ASSERT_EQ(t.offsets.size(), t.size() + 1);
  EXPECT_EQ(t.offsets.back(), t.blocks.size());
  // The first line: input_length 6758, hash_ids 0..13.
  EXPECT_EQ(t.input_length[0], 6758u);
  ASSERT_EQ(t.n_blocks(0), 14u);
  EXPECT_EQ(t.blocks[13], 13u);
  EXPECT_EQ(t.block_tokens(0, 0), 512u);
  EXPECT_EQ(t.block_tokens(0, 13), 6758u - 13 * 512);
  EXPECT_TRUE(t.has_next_access);
  EXPECT_EQ(t.next_access.size(), t.blocks.size());
}

TEST(MooncakeReader, SyntheticTraceShape) {
  const KvTrace t =
      read_mooncake(kShared + "/traces/mooncake/synthetic_trace.jsonl", false);
  EXPECT_EQ(t.size(), 3993u);
  EXPECT_EQ(t.blocks.size(), 121877u);
  EXPECT_EQ(count_distinct_blocks(t), 43924u);
  EXPECT_FALSE(t.has_next_access);
  EXPECT_TRUE(t.next_access.empty());
}

TEST(MooncakeReader, FieldsOrderCrlfAndOptionalMembers) {
  const KvTrace t = parse_mooncake(
      "{\"hash_ids\": [7, 8], \"input_length\": 1000, \"extra\": {\"a\": "
      "[1, 2]}}\r\n"
      "{\"timestamp\": 1.5, \"input_length\": 0, \"output_length\": 3, "
      "\"hash_ids\": []}\n"
      "{\"input_length\": 512, \"hash_ids\": [18446744073709551615]}",
      "t.jsonl");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.n_blocks(0), 2u);
  EXPECT_EQ(t.block_tokens(0, 1), 488u);
  EXPECT_EQ(t.n_blocks(1), 0u);
  EXPECT_EQ(t.blocks.back(), 18446744073709551615u);
  EXPECT_EQ(t.block_tokens(2, 0), 512u);
}

TEST(MooncakeReader, NextAccessIsTheFirstReferenceInTheNextRequest) {
  // Request 0 [1 2 1], request 1 [3], request 2 [2 1 4]: block 1 of
  // request 0 (both of its references) next at index 5, block 2 at 4;
  // within-request repeats are not "next".
  KvTrace t = parse_mooncake(
      "{\"input_length\": 1536, \"hash_ids\": [1, 2, 1]}\n"
      "{\"input_length\": 10, \"hash_ids\": [3]}\n"
      "{\"input_length\": 1536, \"hash_ids\": [2, 1, 4]}\n",
      "t.jsonl");
  compute_kv_next_access(t);
  EXPECT_EQ(t.next_access,
            (std::vector<std::int64_t>{5, 4, 5, -1, -1, -1, -1}));
}

std::string error_of(const std::string& text) {
  try {
    parse_mooncake(text, "bad.jsonl");
  } catch (const TraceError& e) {
    return e.what();
  }
  return "no error";
}

const char* kGood = "{\"input_length\": 512, \"hash_ids\": [1]}\n";

TEST(MooncakeReaderErrors, BadJson) {
  EXPECT_EQ(error_of(std::string(kGood) + "{\"input_length\": 5,\n")
                .rfind("bad.jsonl: line 2: not valid JSON: column", 0),
            0u)
      << error_of(std::string(kGood) + "{\"input_length\": 5,\n");
}
TEST(MooncakeReaderErrors, NotAnObject) {
  EXPECT_EQ(error_of("[1, 2]\n"),
            "bad.jsonl: line 1: the line is a JSON array, not an object");
  EXPECT_EQ(error_of("17\n"),
            "bad.jsonl: line 1: the line is a number, not an object");
}
TEST(MooncakeReaderErrors, BlankLine) {
  EXPECT_EQ(error_of(std::string(kGood) + "\n" + kGood),
            "bad.jsonl: line 2: blank line");
  EXPECT_EQ(error_of(std::string(kGood) + "\n"),
            "bad.jsonl: line 2: blank line");
}
TEST(MooncakeReaderErrors, Empty) {
  EXPECT_EQ(error_of(""), "bad.jsonl: empty trace");
}
TEST(MooncakeReaderErrors, MissingHashIds) {
  EXPECT_EQ(error_of(std::string(kGood) + "{\"input_length\": 5}\n"),
            "bad.jsonl: line 2: missing 'hash_ids'");
}
TEST(MooncakeReaderErrors, MissingInputLength) {
  EXPECT_EQ(error_of("{\"hash_ids\": [1]}"),
            "bad.jsonl: line 1: missing 'input_length'");
}
TEST(MooncakeReaderErrors, NonIntegerHashId) {
  EXPECT_EQ(error_of("{\"input_length\": 600, \"hash_ids\": [1, 2.5]}"),
            "bad.jsonl: line 1: 'hash_ids'[1] is 2.5, not an integer");
  EXPECT_EQ(error_of("{\"input_length\": 600, \"hash_ids\": [1, \"x\"]}"),
            "bad.jsonl: line 1: 'hash_ids'[1] is a string, not an integer");
  // Beyond 64 bits: nlohmann hands it over as a float, but the message
  // says what is wrong with the integer, not "not an integer".
  EXPECT_EQ(error_of("{\"input_length\": 5, \"hash_ids\": "
                     "[18446744073709551616]}"),
            "bad.jsonl: line 1: 'hash_ids'[0] is 18446744073709551616, "
            "above 2^64-1");
  EXPECT_EQ(error_of("{\"input_length\": 5, \"hash_ids\": "
                     "[-18446744073709551617]}"),
            "bad.jsonl: line 1: 'hash_ids'[0] is negative "
            "(-18446744073709551617)");
  EXPECT_EQ(error_of("{\"input_length\": 18446744073709551616, "
                     "\"hash_ids\": [1]}"),
            "bad.jsonl: line 1: 'input_length' is 18446744073709551616, "
            "above 2^64-1");
}
TEST(MooncakeReaderErrors, NegativeHashId) {
  EXPECT_EQ(error_of("{\"input_length\": 600, \"hash_ids\": [1, -3]}"),
            "bad.jsonl: line 1: 'hash_ids'[1] is negative (-3)");
}
TEST(MooncakeReaderErrors, HashIdsNotAnArray) {
  EXPECT_EQ(error_of("{\"input_length\": 5, \"hash_ids\": 3}"),
            "bad.jsonl: line 1: 'hash_ids' is a number, not an array");
  EXPECT_EQ(error_of("{\"input_length\": 5, \"hash_ids\": \"1\"}"),
            "bad.jsonl: line 1: 'hash_ids' is a string, not an array");
}
TEST(MooncakeReaderErrors, NonIntegerInputLength) {
  EXPECT_EQ(error_of("{\"input_length\": 5.5, \"hash_ids\": [1]}"),
            "bad.jsonl: line 1: 'input_length' is 5.5, not an integer");
  EXPECT_EQ(error_of("{\"input_length\": null, \"hash_ids\": [1]}"),
            "bad.jsonl: line 1: 'input_length' is null, not a number");
}
TEST(MooncakeReaderErrors, NegativeInputLength) {
  EXPECT_EQ(error_of("{\"input_length\": -5, \"hash_ids\": [1]}"),
            "bad.jsonl: line 1: 'input_length' is negative (-5)");
}
TEST(MooncakeReaderErrors, NegativeTimestampOrOutputLength) {
  EXPECT_EQ(
      error_of("{\"timestamp\": -1, \"input_length\": 5, \"hash_ids\": [1]}"),
      "bad.jsonl: line 1: 'timestamp' is negative (-1)");
  EXPECT_EQ(error_of("{\"output_length\": 1.5, \"input_length\": 5, "
                     "\"hash_ids\": [1]}"),
            "bad.jsonl: line 1: 'output_length' is 1.5, not an integer");
}
TEST(MooncakeReaderErrors, HashIdsLengthMismatch) {
  EXPECT_EQ(error_of(std::string(kGood) + kGood +
                     "{\"input_length\": 1025, \"hash_ids\": [1, 2]}\n"),
            "bad.jsonl: line 3: 'hash_ids' has 2 id(s) but input_length 1025 "
            "needs ceil(1025 / 512) = 3");
  EXPECT_EQ(error_of("{\"input_length\": 0, \"hash_ids\": [1]}"),
            "bad.jsonl: line 1: 'hash_ids' has 1 id(s) but input_length 0 "
            "needs ceil(0 / 512) = 0");
}
TEST(MooncakeReaderErrors, EmptyHashIdsWithTokens) {
  EXPECT_EQ(error_of("{\"input_length\": 100, \"hash_ids\": []}"),
            "bad.jsonl: line 1: 'hash_ids' is empty but input_length 100 "
            "needs 1 block(s)");
}
TEST(MooncakeReaderErrors, DuplicateMember) {
  EXPECT_EQ(error_of("{\"input_length\": 512, \"hash_ids\": [1], "
                     "\"hash_ids\": [2]}"),
            "bad.jsonl: line 1: 'hash_ids' appears twice");
}
TEST(MooncakeReaderErrors, MissingFile) {
  try {
    read_mooncake("/no/such/trace.jsonl");
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_STREQ(e.what(), "/no/such/trace.jsonl: cannot open for reading");
  }
}

}  // namespace
}  // namespace evictlab::sim
