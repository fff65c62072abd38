#include "ops/bundle.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <functional>

#include "core/strings.h"
#include "ops/user_data.h"

namespace rotor::ops {
namespace {

const core::Time kCreated = core::ParseIso8601("2026-12-01T03:00:00Z").value();

BundleFiles Files() {
  return {{"template.json", "{\"Resources\": {}}\n"},
          {"groups/web-1-AppServer.json", "{\"min\": 3}\n"},
          {"parameters.json", "[]\n"}};
}

// The tarball with `from` replaced by `to` (the same length: the members stay where they
// were); with `resum`, the first member's header checksum made right again (a tar tool would
// write it so).
std::string Tampered(const std::string& bundle, const std::string& from, const std::string& to,
                     bool resum = false) {
  std::string tar = Gunzip(bundle).value();
  size_t at = tar.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(from.size(), to.size());
  if (at != std::string::npos) tar.replace(at, from.size(), to);
  if (resum) {
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) {
      sum += i >= 148 && i < 156 ? ' ' : static_cast<unsigned char>(tar[i]);
    }
    char field[8];
    snprintf(field, sizeof field, "%06o", sum);
    tar.replace(148, 7, field, 7);
  }
  return Gzip(tar);
}

TEST(Bundle, WhatIsWrittenReadsBackTheSameAndTheSameFilesGiveTheSameBytes) {
  auto bytes = WriteBundle(Files(), kCreated);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  EXPECT_EQ(*WriteBundle(Files(), kCreated), *bytes);
  auto back = ReadBundle(*bytes, "web.tgz");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->files, Files());
  EXPECT_EQ(back->schema, kBundleSchema);
  EXPECT_EQ(back->created, kCreated);
  std::string tar = Gunzip(*bytes).value();
  EXPECT_EQ(tar.find("manifest.json"), 0u) << "the manifest first";
  EXPECT_NE(tar.find("\"sha256\": \"" + Sha256Hex(Files()["template.json"]) + "\""),
            std::string::npos);
}

TEST(Bundle, Sha256OfKnownText) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Bundle, RefusesWhatItCannotTrustNamingTheFile) {
  std::string good = WriteBundle(Files(), kCreated).value();
  struct Row {
    const char* name;
    std::string bytes;
    const char* says;
  };
  const Row rows[] = {
      {"not gzip", "PK\x03\x04 a zip file", "not a whole gzip-compressed file"},
      {"cut short", good.substr(0, good.size() / 2), "cut short"},
      {"a member changed", Tampered(good, "\"min\": 3", "\"min\": 9"),
       "groups/web-1-AppServer.json does not match its checksum"},
      {"a schema from a newer rotor", Tampered(good, "\"schema\": 1", "\"schema\": 7"), "schema 7"},
      {"another format", Tampered(good, "rotor-export", "rotor-exporx"), "not a rotor export"},
      {"listed and missing", Tampered(good, "\"parameters.json\":", "\"parameters.jsox\":"),
       "parameters.jsox is listed but missing"},
      {"a manifest that is not JSON", Tampered(good, "{\n  \"created\"", "[\n  \"created\""),
       "not a rotor export"},
      {"a damaged header", Tampered(good, "manifest.json", "manifest.jsox"), "bad tar header"},
      {"no manifest", Tampered(good, "manifest.json", "manifest.jsox", true), "no manifest.json"},
      {"far too big unpacked", Gzip(std::string(kMaxUnpacked + 1024, '\0')), "more than 64 MiB"},
  };
  for (const Row& row : rows) {
    auto b = ReadBundle(row.bytes, "web.tgz");
    ASSERT_FALSE(b.ok()) << row.name;
    EXPECT_EQ(b.status().code(), core::Code::kInvalidArgument) << row.name;
    EXPECT_TRUE(b.status().message().starts_with("web.tgz: ")) << b.status().message();
    EXPECT_NE(b.status().message().find(row.says), std::string::npos)
        << row.name << ": " << b.status().message();
  }
}

TEST(Bundle, WritesOnlyNamesItCanReadBack) {
  for (const char* bad : {"", "/etc/passwd", "groups/../../x", "manifest.json"}) {
    BundleFiles f = {{bad, "x"}};
    EXPECT_EQ(WriteBundle(f, kCreated).status().code(), core::Code::kInvalidArgument) << bad;
  }
  BundleFiles long_name = {{std::string(101, 'a'), "x"}};
  EXPECT_FALSE(WriteBundle(long_name, kCreated).ok());
}

}  // namespace
}  // namespace rotor::ops
