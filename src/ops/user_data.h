// User data changes for `rotor patch` (DESIGN.md section 7b): `--user-data-set KEY=VALUE`
// deep-merges into YAML user data (senza's Taupage config, cloud-config), keeping its first
// line (`#taupage-ami-config`, `#cloud-config`); gzip-compressed user data is merged inside and
// compressed again. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rotor::ops {

// "a.b.c=value" -> {"a.b.c", "value"}; kInvalidArgument without '=' or with an empty key.
core::Result<std::pair<std::string, std::string>> ParseSetting(const std::string& text);

// `user_data` (bytes, maybe gzip) with every setting merged: dotted keys reach nested maps
// (created when missing), values are YAML scalars or flow collections ("8080" is a number,
// "[a, b]" a list, "registry/app:1.2" a string). kInvalidArgument naming `owner` (the group)
// when the user data is not a YAML map or a key runs into a value that is not a map.
core::Result<std::string> MergeUserData(const std::string& user_data,
                                        const std::vector<std::pair<std::string, std::string>>& set,
                                        const std::string& owner);

// Whether bytes are gzip-compressed, and the two directions: kMalformed for a stream that is
// damaged or cut short, kFailedPrecondition for one that unpacks to more than `max_bytes` (a
// bomb).
bool IsGzip(const std::string& bytes);
core::Result<std::string> Gunzip(std::string_view bytes, std::size_t max_bytes = 64u << 20);
std::string Gzip(std::string_view bytes);

// A unified diff of two texts, line by line ("--- before", "+++ after", -/+/space lines with
// `context` lines around each change); empty when they are equal.
std::string UnifiedDiff(const std::string& before, const std::string& after, int context = 2);

}  // namespace rotor::ops
