#include "fakes/fake_transport.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace rotor::testing {

void FakeTransport::PushXml(int status, std::string body, aws::Headers headers) {
  aws::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  queue_.push_back(std::move(r));
}

core::Result<aws::HttpResponse> FakeTransport::Send(const aws::HttpRequest& request) {
  requests_.push_back(request);
  if (!queue_.empty()) {
    auto next = std::move(queue_.front());
    queue_.pop_front();
    return next;
  }
  if (fallback_) return fallback_(request);
  return aws::HttpResponse{404, {}, "<Error><Code>NoScript</Code></Error>"};
}

std::string FakeTransport::Param(size_t n, const std::string& key) const {
  if (n >= requests_.size()) return "";
  for (const std::string& kv : core::Split(requests_[n].body, '&')) {
    size_t eq = kv.find('=');
    if (core::UriDecode(kv.substr(0, eq)) == key) {
      return eq == std::string::npos ? "" : core::UriDecode(kv.substr(eq + 1));
    }
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> FakeTransport::FormParams(size_t n) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& pair : core::Split(requests_.at(n).body, '&')) {
    size_t eq = pair.find('=');
    std::string key = core::UriDecode(pair.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : core::UriDecode(pair.substr(eq + 1));
    if (key != "Version") out.emplace_back(key, value);
  }
  return out;
}

std::string Ec2ErrorXml(const std::string& code, const std::string& message) {
  return "<Response><Errors><Error><Code>" + code + "</Code><Message>" + message +
         "</Message></Error></Errors><RequestID>req-1</RequestID></Response>";
}

std::string ReadTestdata(const std::string& relative) {
  std::string path = std::string(ROTOR_TESTDATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data file " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rotor::testing
