#include "aws/curl_transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>

#include "core/strings.h"

namespace rotor::aws {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string line(data, size * n);
  if (core::StartsWith(line, "HTTP/")) {
    headers->clear();  // a new answer (after 100-continue or a redirect) starts over
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    headers->emplace_back(core::Trim(line.substr(0, colon)), core::Trim(line.substr(colon + 1)));
  }
  return size * n;
}

}  // namespace

struct CurlTransport::Impl {
  CURL* handle = nullptr;
  CurlOptions options;
};

CurlTransport::CurlTransport(CurlOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  impl_->handle = curl_easy_init();
  impl_->options = options;
}

CurlTransport::~CurlTransport() {
  if (impl_->handle) curl_easy_cleanup(impl_->handle);
}

core::Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  CURL* h = impl_->handle;
  if (!h) return core::Internal("libcurl could not be initialised");
  curl_easy_reset(h);  // keeps the connection cache, clears per-request options
  HttpResponse response;
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(impl_->options.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(impl_->options.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    std::string host = request.url;
    auto url = ParseUrl(request.url);
    if (url.ok()) host = url->scheme + "://" + url->host;
    core::Code code =
        rc == CURLE_OPERATION_TIMEDOUT ? core::Code::kDeadlineExceeded : core::Code::kUnavailable;
    return core::Status(code, fmt::format("cannot reach {}: {}", host, curl_easy_strerror(rc)))
        .set_retryable(true);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace rotor::aws
