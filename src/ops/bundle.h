// The export tarball (`rotor export` writes it, `rotor import` reads it; DESIGN.md section 7b):
// a gzip-compressed ustar archive of manifest.json (written first) and the files it lists. This
// pair owns the format both ways.
//
// manifest.json: {"format": "rotor-export", "schema": 1, "created": "2026-12-01T03:00:00Z",
// "files": {"NAME": {"bytes": N, "sha256": "HEX"}, ...}}. A reader refuses, naming the file,
// anything it cannot trust: not gzip, a truncated or malformed archive, no manifest, another
// format, a schema newer than it knows, a member the manifest does not list (or listed and
// missing), a size or checksum that does not match, a name that is absolute or climbs (..), and
// more than kMaxUnpacked bytes unpacked.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::ops {

inline constexpr int kBundleSchema = 1;
inline constexpr std::size_t kMaxUnpacked = 64u << 20;  // 64 MiB: a stack's settings are KiB

// What a bundle holds: file name ("template.json", "groups/web-1.json") -> contents.
using BundleFiles = std::map<std::string, std::string>;

// The tarball's bytes: manifest.json (with `created`), then `files` in name order, each with
// mode 0644 and `created` as its time, so the same files give the same bytes. kInvalidArgument
// for a name that is empty, absolute, climbs, is "manifest.json", or is longer than 100 bytes.
core::Result<std::string> WriteBundle(const BundleFiles& files, core::Time created);

struct Bundle {
  int schema = 0;
  core::Time created{};
  BundleFiles files;  // manifest.json left out
};

// Reads `bytes` (the contents of `source`, named in every message). kInvalidArgument for
// anything refused (above); the message says what is wrong and that the file is damaged or
// from a newer rotor.
core::Result<Bundle> ReadBundle(std::string_view bytes, const std::string& source);

// The lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace rotor::ops
