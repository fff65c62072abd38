// Small string and time helpers shared by every layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace rotor::core {

std::vector<std::string> Split(std::string_view s, char sep);
std::string Trim(std::string_view s);
std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// At most `max` bytes of `s`: longer text keeps its head and ends in "…" (never splits a UTF-8
// character). For messages that reach a record or a line: an error is bounded wherever it goes.
std::string Clip(std::string_view s, size_t max);

// Shell-style glob: '*' any run, '?' one character, everything else literal.
bool GlobMatch(std::string_view pattern, std::string_view text);

// RFC 3986 percent-encoding; unreserved characters (A-Z a-z 0-9 - _ . ~) stay, and '/' stays
// when keep_slash.
std::string UriEncode(std::string_view s, bool keep_slash = false);
std::string UriDecode(std::string_view s);

// Standard base64 with padding (RFC 4648), as EC2 and Auto Scaling carry user data.
std::string Base64Encode(std::string_view bytes);
// kMalformed for text that is not base64 (whitespace is skipped).
Result<std::string> Base64Decode(std::string_view text);

// ISO 8601 / RFC 3339 UTC times as AWS writes them: "2026-11-01T00:00:00Z",
// "2026-11-01T00:00:00.000Z", "2026-11-01T00:00:00+00:00".
Result<Time> ParseIso8601(std::string_view s);
std::string FormatIso8601(Time t);    // 2026-11-01T00:00:00Z
std::string FormatAmzDate(Time t);    // 20261101T000000Z
std::string FormatDateStamp(Time t);  // 20261101

// "90s", "5m", "1h", "2d", "250ms"; a bare number is seconds.
Result<Duration> ParseDuration(std::string_view s);

}  // namespace rotor::core
