// HTTP requests and answers, and the one-method transport interface the wire layer sends through.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rotor::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Case-insensitive header lookup; empty when absent.
std::string HeaderValue(const Headers& headers, std::string_view name);
void SetHeader(Headers& headers, std::string name, std::string value);

struct Url {
  std::string scheme;
  std::string host;   // with ":port" when the URL has one
  std::string path;   // "/" when empty
  std::string query;  // without '?'
};
core::Result<Url> ParseUrl(std::string_view url);

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request. A non-2xx answer is a successful Send (the caller reads the status);
  // connection failures and timeouts are an error Status marked retryable.
  virtual core::Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace rotor::aws
