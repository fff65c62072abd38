// Image choice and user data merging for `rotor patch`: named rows.
#include "ops/image_choice.h"

#include <gtest/gtest.h>

#include "core/strings.h"
#include "ops/user_data.h"

namespace rotor::ops {
namespace {

core::Time At(const char* iso) { return *core::ParseIso8601(iso); }
const core::Time kNow = At("2026-11-30T00:00:00Z");

cloud::Image Img(const char* id, const char* name, const char* created, const char* arch = "x86_64",
                 const char* state = "available", const char* owner = "111") {
  return {id, name, owner, state, At(created), arch, "hvm", std::nullopt};
}

TEST(FamilyGlob, TheTrailingDateOrVersionBecomesAWildcard) {
  struct Row {
    const char* name;
    const char* glob;
  };
  const Row rows[] = {
      {"app-2026.09", "app-*"},
      {"taupage-ami-1.0.123", "taupage-ami-*"},
      {"amzn2-ami-hvm-2.0.20231218.0-x86_64-gp2", "amzn2-ami-hvm-*-x86_64-gp2"},
      {"ubuntu-jammy-22.04-amd64-server-20231211", "ubuntu-jammy-22.04-amd64-server-*"},
      {"Taupage-AMI-20161103-150347", "Taupage-AMI-*"},
      {"base", "base"},
  };
  for (const Row& r : rows) EXPECT_EQ(FamilyGlob(r.name), r.glob) << r.name;
}

TEST(ArchitectureOf, GravitonFamiliesAreArm) {
  for (const char* t : {"m6g.large", "c7gn.xlarge", "t4g.micro", "a1.medium", "r8g.2xlarge"}) {
    EXPECT_EQ(ArchitectureOf(t), "arm64") << t;
  }
  for (const char* t : {"m5.large", "t3.micro", "c6i.xlarge", "g5.xlarge", "m7a.large"}) {
    EXPECT_EQ(ArchitectureOf(t), "x86_64") << t;
  }
}

TEST(ChooseImage, Table) {
  const cloud::Image current = Img("ami-cur", "app-2026.09", "2026-09-01T00:00:00Z");
  std::vector<cloud::Image> all = {
      current,
      // newest by name, oldest by date: senza's sort by name would pick it
      Img("ami-name", "app-2026.99", "2026-01-01T00:00:00Z"),
      Img("ami-new", "app-2026.10", "2026-11-20T00:00:00Z"),
      Img("ami-arm", "app-2026.12", "2026-11-25T00:00:00Z", "arm64"),
      Img("ami-pend", "app-2026.13", "2026-11-28T00:00:00Z", "x86_64", "pending"),
      Img("ami-other", "base-2026.11", "2026-11-29T00:00:00Z"),
      Img("ami-theirs", "app-2026.14", "2026-11-29T00:00:00Z", "x86_64", "available", "999"),
  };
  cloud::Image deprecated = Img("ami-dep", "app-2026.15", "2026-11-29T12:00:00Z");
  deprecated.deprecated = At("2026-11-29T18:00:00Z");
  all.push_back(deprecated);
  struct Row {
    const char* name;
    ImageRequest request;
    const char* type;
    const char* want;  // an id, or "" for an error
  };
  const Row rows[] = {
      {"latest: newest by creation date, not name", {"latest"}, "t3.micro", "ami-new"},
      {"latest on arm", {"latest"}, "m6g.large", "ami-arm"},
      {"pending and deprecated images are passed", {"latest"}, "t3.micro", "ami-new"},
      {"another owner", {"latest", "", "999"}, "t3.micro", "ami-theirs"},
      {"a filter names the family", {"latest", "app-2026.1*"}, "t3.micro", "ami-new"},
      {"a filter across families: newest of all", {"latest", "*-2026.1*"}, "t3.micro", "ami-other"},
      {"a glob", {"base-*"}, "t3.micro", "ami-other"},
      {"an id as given", {"ami-name"}, "t3.micro", "ami-name"},
      {"an id that does not fit the type", {"ami-arm"}, "t3.micro", ""},
      {"an unavailable id", {"ami-pend"}, "t3.micro", ""},
      {"an unknown id", {"ami-nope"}, "t3.micro", ""},
      {"nothing matches", {"nothing-*"}, "t3.micro", ""},
  };
  for (const Row& r : rows) {
    auto c = ChooseImage(r.request, current, all, r.type, kNow);
    if (std::string(r.want).empty()) {
      EXPECT_EQ(c.status().code(), core::Code::kInvalidArgument) << r.name;
      continue;
    }
    ASSERT_TRUE(c.ok()) << r.name << ": " << c.status().message();
    EXPECT_EQ(c->image.id, r.want) << r.name;
    EXPECT_FALSE(c->why.empty());
  }
  auto misfit = ChooseImage({"ami-arm"}, current, all, "t3.micro", kNow);
  EXPECT_NE(misfit.status().message().find("is arm64 but instance type t3.micro needs x86_64"),
            std::string::npos);
}

TEST(MergeUserData, Table) {
  struct Row {
    const char* name;
    const char* before;
    std::vector<std::pair<std::string, std::string>> set;
    const char* after;  // "" for an error
  };
  const Row rows[] = {
      {"a top-level key, first line kept",
       "#taupage-ami-config\nsource: registry/team/app:1.1\nports:\n  8080: 8080\n",
       {{"source", "registry/team/app:1.2"}},
       "#taupage-ami-config\nsource: registry/team/app:1.2\nports:\n  8080: 8080\n"},
      {"nested keys are created",
       "#cloud-config\nruncmd: [a]\n",
       {{"environment.LOG_LEVEL", "debug"}},
       "#cloud-config\nruncmd: [a]\nenvironment:\n  LOG_LEVEL: debug\n"},
      {"scalars keep their YAML type, lists are lists",
       "a: 1\n",
       {{"b", "8080"}, {"c", "true"}, {"d", "[x, y]"}},
       "a: 1\nb: 8080\nc: true\nd: [x, y]\n"},
      {"empty user data becomes a map", "", {{"k", "v"}}, "k: v\n"},
      {"a list is not a map", "- a\n- b\n", {{"k", "v"}}, ""},
      {"a shell script is not a map", "#!/bin/sh\necho hi\n", {{"k", "v"}}, ""},
      {"a key through a scalar", "a: 1\n", {{"a.b", "2"}}, ""},
  };
  for (const Row& r : rows) {
    auto got = MergeUserData(r.before, r.set, "web-1-App");
    if (std::string(r.after).empty()) {
      EXPECT_EQ(got.status().code(), core::Code::kInvalidArgument) << r.name;
      EXPECT_NE(got.status().message().find("web-1-App"), std::string::npos) << r.name;
      continue;
    }
    ASSERT_TRUE(got.ok()) << r.name << ": " << got.status().message();
    EXPECT_EQ(*got, r.after) << r.name;
  }
}

TEST(MergeUserData, GzipIsMergedInsideAndCompressedAgain) {
  std::string packed = Gzip("#cloud-config\nsource: app:1\n");
  ASSERT_TRUE(IsGzip(packed));
  auto merged = MergeUserData(packed, {{"source", "app:2"}}, "g");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  ASSERT_TRUE(IsGzip(*merged));
  EXPECT_EQ(*Gunzip(*merged), "#cloud-config\nsource: app:2\n");
  EXPECT_FALSE(Gunzip(std::string("\x1f\x8b garbage", 10)).ok());
}

TEST(ParseSetting, NeedsAKeyAndAnEqualsSign) {
  EXPECT_EQ(ParseSetting("a.b=c=d")->second, "c=d");
  EXPECT_FALSE(ParseSetting("novalue").ok());
  EXPECT_FALSE(ParseSetting("=v").ok());
}

TEST(UnifiedDiff, ShowsChangedLinesWithContext) {
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nb\n"), "");
  EXPECT_EQ(UnifiedDiff("a\nsource: 1\nc\n", "a\nsource: 2\nc\n"),
            "--- before\n+++ after\n a\n-source: 1\n+source: 2\n c\n");
}

}  // namespace
}  // namespace rotor::ops
