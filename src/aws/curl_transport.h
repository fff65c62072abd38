// HttpTransport on libcurl: one handle reused across requests (keep-alive), TLS verification
// always on. Not thread-safe: one transport per thread.
#pragma once

#include <memory>

#include "aws/http.h"
#include "core/clock.h"

namespace rotor::aws {

struct CurlOptions {
  core::Duration connect_timeout = std::chrono::seconds(5);
  core::Duration request_timeout = std::chrono::seconds(60);
};

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Errors: kDeadlineExceeded (timeout) or kUnavailable (resolve, connect, TLS, reset), both
  // retryable, naming the URL's host.
  core::Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rotor::aws
