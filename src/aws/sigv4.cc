#include "aws/sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "aws/crypto.h"
#include "core/strings.h"

namespace rotor::aws {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

bool IsUnsignedHeader(const std::string& lower_name) {
  return lower_name == "user-agent" || lower_name == "expect" || lower_name == "authorization" ||
         lower_name == "x-amzn-trace-id";
}

// Trims and collapses runs of spaces, and joins folded (multi-line) values with one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : core::Trim(value)) {
    bool is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (is_space) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct CanonicalHeaders {
  std::string text;          // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders BuildCanonicalHeaders(const Headers& headers) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& [name, value] : headers) {
    std::string lower = core::ToLower(name);
    if (!IsUnsignedHeader(lower)) by_name[lower].push_back(CanonicalHeaderValue(value));
  }
  CanonicalHeaders out;
  for (const auto& [name, values] : by_name) {
    out.text += name + ":" + core::Join(values, ",") + "\n";
    if (!out.signed_names.empty()) out.signed_names += ";";
    out.signed_names += name;
  }
  return out;
}

std::string SigningKey(const std::string& secret, const std::string& date,
                       const std::string& region, const std::string& service) {
  std::string k = HmacSha256("AWS4" + secret, date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

}  // namespace

std::string CanonicalPath(std::string_view raw_path, bool normalize) {
  std::string path(raw_path.empty() ? "/" : raw_path);
  if (normalize) {
    std::vector<std::string> kept;
    for (const std::string& seg : core::Split(path, '/')) {
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        if (!kept.empty()) kept.pop_back();
        continue;
      }
      kept.push_back(seg);
    }
    bool trailing = path.size() > 1 && path.back() == '/' && !kept.empty();
    path = "/" + core::Join(kept, "/") + (trailing ? "/" : "");
  }
  return core::UriEncode(path, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query) {
  if (raw_query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& part : core::Split(raw_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key = part.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
    params.emplace_back(core::UriEncode(core::UriDecode(key)),
                        core::UriEncode(core::UriDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::vector<std::string> joined;
  for (const auto& [k, v] : params) joined.push_back(k + "=" + v);
  return core::Join(joined, "&");
}

SigningResult SignRequest(HttpRequest& request, const Credentials& credentials,
                          const SigningOptions& options, core::Time now) {
  auto url = ParseUrl(request.url);
  Url parts = url.ok() ? *url : Url{"https", "", "/", ""};
  if (HeaderValue(request.headers, "host").empty()) SetHeader(request.headers, "Host", parts.host);
  std::string amz_date = core::FormatAmzDate(now);
  std::string date = core::FormatDateStamp(now);
  SetHeader(request.headers, "X-Amz-Date", amz_date);
  std::string payload_hash = Sha256Hex(request.body);
  if (options.add_content_sha256) SetHeader(request.headers, "X-Amz-Content-Sha256", payload_hash);
  bool has_token = !credentials.session_token.empty();
  if (has_token && !options.omit_session_token) {
    SetHeader(request.headers, "X-Amz-Security-Token", credentials.session_token);
  }

  CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  SigningResult out;
  out.canonical_request = fmt::format(
      "{}\n{}\n{}\n{}\n{}\n{}", request.method, CanonicalPath(parts.path, options.normalize_path),
      CanonicalQuery(parts.query), headers.text, headers.signed_names, payload_hash);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, options.region, options.service);
  out.string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope, Sha256Hex(out.canonical_request));
  std::string key =
      SigningKey(credentials.secret_access_key, date, options.region, options.service);
  out.signature = HexEncode(HmacSha256(key, out.string_to_sign));
  SetHeader(request.headers, "Authorization",
            fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                        credentials.access_key_id, scope, headers.signed_names, out.signature));
  if (has_token && options.omit_session_token) {
    SetHeader(request.headers, "X-Amz-Security-Token", credentials.session_token);
  }
  return out;
}

}  // namespace rotor::aws
