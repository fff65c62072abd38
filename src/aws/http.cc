#include "aws/http.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rotor::aws {

std::string HeaderValue(const Headers& headers, std::string_view name) {
  std::string want = core::ToLower(name);
  for (const auto& [k, v] : headers) {
    if (core::ToLower(k) == want) return v;
  }
  return "";
}

void SetHeader(Headers& headers, std::string name, std::string value) {
  std::string want = core::ToLower(name);
  for (auto& [k, v] : headers) {
    if (core::ToLower(k) == want) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

core::Result<Url> ParseUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return core::InvalidArgument(fmt::format("'{}' is not a URL (expected https://host/...)", url));
  }
  Url out;
  out.scheme = core::ToLower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    return core::InvalidArgument(fmt::format("'{}': only http and https URLs are supported", url));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?");
  out.host = std::string(rest.substr(0, path_start));
  if (out.host.empty()) return core::InvalidArgument(fmt::format("'{}' has no host", url));
  std::string_view tail = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  size_t q = tail.find('?');
  out.path = std::string(tail.substr(0, q));
  if (out.path.empty()) out.path = "/";
  if (q != std::string_view::npos) out.query = std::string(tail.substr(q + 1));
  return out;
}

}  // namespace rotor::aws
