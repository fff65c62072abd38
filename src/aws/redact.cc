#include "aws/redact.h"

#include <array>
#include <string_view>

#include "core/strings.h"

namespace rotor::aws {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

constexpr std::array<std::string_view, 3> kSecretHeaders = {"authorization", "x-amz-security-token",
                                                            "cookie"};
// User data often carries secrets (bootstrap tokens, passwords): never printed either.
constexpr std::array<std::string_view, 8> kSecretFields = {"SecretAccessKey",
                                                           "SessionToken",
                                                           "WebIdentityToken",
                                                           "Token",
                                                           "SecretKey",
                                                           "UserData",
                                                           "LaunchTemplateData.UserData",
                                                           "userData"};

// Replaces the value between `open` and the first `close` after it, everywhere.
void ReplaceBetween(std::string& s, const std::string& open, const std::string& close) {
  size_t pos = 0;
  while ((pos = s.find(open, pos)) != std::string::npos) {
    size_t start = pos + open.size();
    size_t end = s.find(close, start);
    if (end == std::string::npos) end = s.size();
    s.replace(start, end - start, kRedacted);
    pos = start + kRedacted.size();
  }
}

// JSON: "Name": "value" with any spacing around the colon.
void ReplaceJsonString(std::string& s, std::string_view name) {
  std::string key = "\"" + std::string(name) + "\"";
  size_t pos = 0;
  while ((pos = s.find(key, pos)) != std::string::npos) {
    size_t i = pos + key.size();
    while (i < s.size() && (s[i] == ' ' || s[i] == ':' || s[i] == '\t')) ++i;
    if (i >= s.size() || s[i] != '"') {
      pos = i;
      continue;
    }
    size_t end = i + 1;
    while (end < s.size() && s[end] != '"') end += s[end] == '\\' ? 2 : 1;
    end = std::min(end, s.size());
    s.replace(i + 1, end - i - 1, kRedacted);
    pos = i + 1 + kRedacted.size();
  }
}

}  // namespace

std::string RedactHeaders(const Headers& headers) {
  std::string out;
  for (const auto& [k, v] : headers) {
    std::string lower = core::ToLower(k);
    bool secret = false;
    for (auto name : kSecretHeaders) secret |= lower == name;
    out += "  " + k + ": " + (secret ? std::string(kRedacted) : v) + "\n";
  }
  return out;
}

std::string RedactBody(std::string body) {
  for (auto name : kSecretFields) {
    std::string n(name);
    ReplaceBetween(body, "<" + n + ">", "</" + n + ">");
    ReplaceJsonString(body, name);
    // form bodies: Name=value&... (a parameter starts the body or follows '&')
    body.insert(0, "&");
    ReplaceBetween(body, "&" + n + "=", "&");
    body.erase(0, 1);
  }
  return body;
}

}  // namespace rotor::aws
