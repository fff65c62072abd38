// An HttpTransport that answers from a script and records every request: for client, retry,
// pagination and decoding tests without a network.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "aws/http.h"

namespace rotor::testing {

class FakeTransport final : public aws::HttpTransport {
 public:
  using Handler = std::function<core::Result<aws::HttpResponse>(const aws::HttpRequest&)>;

  // Answers queued in order; when the queue is empty, `fallback` answers (404 if unset).
  void Push(core::Result<aws::HttpResponse> answer) { queue_.push_back(std::move(answer)); }
  void PushXml(int status, std::string body, aws::Headers headers = {});
  void SetFallback(Handler h) { fallback_ = std::move(h); }

  core::Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override;

  const std::vector<aws::HttpRequest>& requests() const { return requests_; }
  // The form parameter `key` of request `n` ("" when absent).
  std::string Param(size_t n, const std::string& key) const;
  // Request `n`'s form parameters in order, decoded, but Version.
  std::vector<std::pair<std::string, std::string>> FormParams(size_t n) const;

 private:
  std::deque<core::Result<aws::HttpResponse>> queue_;
  Handler fallback_;
  std::vector<aws::HttpRequest> requests_;
};

// EC2's error answer: <Response><Errors><Error> with `code` and `message`, request id req-1.
std::string Ec2ErrorXml(const std::string& code, const std::string& message);

// Reads tests/testdata/<relative path>; fails the current test if it is missing.
std::string ReadTestdata(const std::string& relative);

}  // namespace rotor::testing
