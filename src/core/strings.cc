#include "core/strings.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstring>

namespace rotor::core {

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string Clip(std::string_view s, size_t max) {
  static constexpr std::string_view kMore = "\u2026";  // …, three bytes
  if (s.size() <= max) return std::string(s);
  size_t keep = max > kMore.size() ? max - kMore.size() : 0;
  while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80) --keep;
  return std::string(s.substr(0, keep)) + std::string(kMore);
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }
bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single back-tracking point for the last '*': linear in practice.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [ptr, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && ptr == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

namespace {

bool ReadInt(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  auto [ptr, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return ec == std::errc() && ptr == s.data() + pos + len;
}

}  // namespace

Result<Time> ParseIso8601(std::string_view s) {
  int y, mo, d, h, mi, sec;
  bool ok = s.size() >= 19 && ReadInt(s, 0, 4, y) && s[4] == '-' && ReadInt(s, 5, 2, mo) &&
            s[7] == '-' && ReadInt(s, 8, 2, d) && (s[10] == 'T' || s[10] == ' ') &&
            ReadInt(s, 11, 2, h) && s[13] == ':' && ReadInt(s, 14, 2, mi) && s[16] == ':' &&
            ReadInt(s, 17, 2, sec);
  if (!ok) return Malformed(fmt::format("'{}' is not an ISO 8601 time", s));
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    std::string frac(s.substr(start, pos - start));
    frac = (frac + "000").substr(0, 3);
    millis = std::stoi(frac);
  }
  int offset_minutes = 0;
  std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone.empty() || zone == "+00:00") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int zh, zm;
    if (!ReadInt(zone, 1, 2, zh) || !ReadInt(zone, 4, 2, zm)) {
      return Malformed(fmt::format("'{}' has a bad time zone", s));
    }
    offset_minutes = (zone[0] == '+' ? 1 : -1) * (zh * 60 + zm);
  } else {
    return Malformed(fmt::format("'{}' has a bad time zone", s));
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) {
    return Malformed(fmt::format("'{}' is not a valid date", s));
  }
  Time t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
           std::chrono::seconds(sec) + std::chrono::milliseconds(millis) -
           std::chrono::minutes(offset_minutes);
  return t;
}

namespace {

struct Parts {
  int y, mo, d, h, mi, s;
};

Parts Decompose(Time t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd(days);
  std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(t - days));
  return {int(ymd.year()),          int(unsigned(ymd.month())), int(unsigned(ymd.day())),
          int(hms.hours().count()), int(hms.minutes().count()), int(hms.seconds().count())};
}

}  // namespace

std::string FormatIso8601(Time t) {
  Parts p = Decompose(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", p.y, p.mo, p.d, p.h, p.mi, p.s);
}

std::string FormatAmzDate(Time t) {
  Parts p = Decompose(t);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", p.y, p.mo, p.d, p.h, p.mi, p.s);
}

std::string FormatDateStamp(Time t) {
  Parts p = Decompose(t);
  return fmt::format("{:04}{:02}{:02}", p.y, p.mo, p.d);
}

Result<Duration> ParseDuration(std::string_view s) {
  std::string text = Trim(s);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) {
    return InvalidArgument(fmt::format("'{}' is not a duration (write 90s, 5m, 1h or 2d)", s));
  }
  long long n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, n);
  if (ec != std::errc()) return InvalidArgument(fmt::format("'{}' is too large a duration", s));
  std::string unit = text.substr(digits);
  using namespace std::chrono;
  if (unit.empty() || unit == "s") return duration_cast<Duration>(seconds(n));
  if (unit == "ms") return Duration(n);
  if (unit == "m") return duration_cast<Duration>(minutes(n));
  if (unit == "h") return duration_cast<Duration>(hours(n));
  if (unit == "d") return duration_cast<Duration>(hours(24 * n));
  return InvalidArgument(
      fmt::format("'{}' has an unknown unit '{}' (use ms, s, m, h or d)", s, unit));
}

namespace {
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64[n & 63] : '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const char* at = std::strchr(kBase64, c);
    if (at == nullptr || c == '\0' || pad > 0) {
      return Status(Code::kMalformed, "not base64 text");
    }
    acc = (acc << 6) | static_cast<uint32_t>(at - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (pad > 2) return Status(Code::kMalformed, "not base64 text");
  return out;
}

}  // namespace rotor::core
