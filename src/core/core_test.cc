#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/status.h"
#include "core/strings.h"

namespace rotor::core {
namespace {

using namespace std::chrono_literals;

TEST(Glob, Table) {
  struct Row {
    const char* name;
    const char* pattern;
    const char* text;
    bool match;
  };
  const Row rows[] = {
      {"literal", "app-1", "app-1", true},
      {"literal mismatch", "app-1", "app-2", false},
      {"star suffix", "app-*", "app-2026.11", true},
      {"star matches empty", "app-*", "app-", true},
      {"star prefix", "*-2026.11", "app-2026.11", true},
      {"question mark", "app-202?.11", "app-2026.11", true},
      {"question needs one char", "app-?", "app-", false},
      {"two stars backtrack", "a*b*c", "axxbyybzc", true},
      {"two stars no match", "a*b*c", "axxbyy", false},
      {"only star", "*", "", true},
  };
  for (const Row& r : rows) EXPECT_EQ(GlobMatch(r.pattern, r.text), r.match) << r.name;
}

TEST(Iso8601, ParsesAwsForms) {
  struct Row {
    const char* text;
    const char* formatted;
  };
  const Row rows[] = {
      {"2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"},
      {"2026-11-01T12:34:56.789Z", "2026-11-01T12:34:56Z"},
      {"2026-11-01T12:34:56+00:00", "2026-11-01T12:34:56Z"},
      {"2026-11-01T12:34:56+02:00", "2026-11-01T10:34:56Z"},
      {"2015-08-30T12:36:00Z", "2015-08-30T12:36:00Z"},
  };
  for (const Row& r : rows) {
    auto t = ParseIso8601(r.text);
    ASSERT_TRUE(t.ok()) << r.text << ": " << t.status().message();
    EXPECT_EQ(FormatIso8601(*t), r.formatted) << r.text;
  }
  auto t = ParseIso8601("2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatAmzDate(*t), "20150830T123600Z");
  EXPECT_EQ(FormatDateStamp(*t), "20150830");
}

TEST(Iso8601, RejectsGarbage) {
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-01T00:00:00 CET"}) {
    auto t = ParseIso8601(bad);
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), Code::kMalformed) << bad;
  }
}

TEST(Duration, Table) {
  struct Row {
    const char* text;
    Duration want;
  };
  const Row rows[] = {{"90s", 90s},     {"5m", 5min}, {"1h", 1h},  {"2d", 48h},
                      {"250ms", 250ms}, {"30", 30s},  {" 7s ", 7s}};
  for (const Row& r : rows) {
    auto d = ParseDuration(r.text);
    ASSERT_TRUE(d.ok()) << r.text;
    EXPECT_EQ(*d, r.want) << r.text;
  }
  for (const char* bad : {"", "s", "5x", "-5s", "five minutes"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
  }
}

TEST(Base64, RoundTripsAndRefusesGarbage) {
  struct Row {
    const char* bytes;
    const char* text;
  };
  const Row rows[] = {
      {"", ""},        {"f", "Zg=="},        {"fo", "Zm8="},
      {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"#cloud-config\n", "I2Nsb3VkLWNvbmZpZwo="}};
  for (const Row& r : rows) {
    EXPECT_EQ(Base64Encode(r.bytes), r.text) << r.bytes;
    auto back = Base64Decode(r.text);
    ASSERT_TRUE(back.ok()) << r.text;
    EXPECT_EQ(*back, r.bytes);
  }
  EXPECT_EQ(*Base64Decode("Zm9v\nYg=="), "foob");  // line breaks are skipped
  EXPECT_FALSE(Base64Decode("Zm9v!").ok());
  EXPECT_FALSE(Base64Decode("Zg==Zg").ok());
}

TEST(UriEncode, ReservedAndUnreserved) {
  EXPECT_EQ(UriEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(UriEncode("a b/c=d&e+f"), "a%20b%2Fc%3Dd%26e%2Bf");
  EXPECT_EQ(UriEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4"), "%E1%88%B4");
  EXPECT_EQ(UriDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(UriDecode("100%"), "100%");
}

TEST(Clip, Table) {
  struct Row {
    const char* name;
    std::string in;
    size_t max;
    std::string want;
  } rows[] = {
      {"short stays", "abc", 10, "abc"},
      {"exactly max stays", "abcde", 5, "abcde"},
      {"long keeps its head", "abcdefghij", 6, "abc\u2026"},
      {"never splits a character", "ab\u00e9cdefgh", 6, "ab\u2026"},
  };
  for (const Row& r : rows) EXPECT_EQ(Clip(r.in, r.max), r.want) << r.name;
  EXPECT_LE(Clip(std::string(5000, 'x'), 1024).size(), 1024u);
}

TEST(Split, KeepsEmptyFields) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(Trim("  x y \t\n"), "x y");
}

TEST(Status, ContextAndAwsDetails) {
  Status s =
      Status(Code::kThrottled, "rate exceeded").set_aws_code("Throttling").set_request_id("r-1");
  Status c = s.WithContext("terminate i-0abc");
  EXPECT_EQ(c.message(), "terminate i-0abc: rate exceeded");
  EXPECT_EQ(c.code(), Code::kThrottled);
  EXPECT_EQ(c.ToString(), "terminate i-0abc: rate exceeded (Throttling) [request id r-1]");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(ManualClock, SleepsAdvanceAndAreRecorded) {
  ManualClock clock(Time(std::chrono::hours(1)));
  clock.SleepFor(1500ms);
  clock.SleepUntil(clock.Now() - 1s);  // in the past: no sleep
  clock.SleepFor(20ms);
  EXPECT_EQ(clock.Now(), Time(std::chrono::hours(1)) + 1520ms);
  EXPECT_EQ(clock.sleeps(), (std::vector<Duration>{1500ms, 20ms}));
}

}  // namespace
}  // namespace rotor::core
