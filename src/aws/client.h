// One AWS service client: sign, send, retry, and decode errors. Per-operation shapes live in
// the service files (ec2.cc, autoscaling.cc, ...); this layer knows none of them.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/query_protocol.h"
#include "cloud/pacer.h"
#include "cloud/retry.h"
#include "core/clock.h"
#include "core/rng.h"

namespace rotor::aws {

using cloud::AttemptOutcome;
using cloud::ClassifyAttempt;
using cloud::DecideRetry;
using cloud::ErrorKind;
using cloud::IsThrottlingCode;
using cloud::MakeRetryConfig;
using cloud::RetryConfig;
using cloud::RetryDecision;
using cloud::RetryQuota;

// Receives --debug lines; secrets are already redacted.
using DebugSink = std::function<void(const std::string&)>;

// What every client of one rotor process shares. All references must outlive the clients.
struct ClientContext {
  HttpTransport& transport;
  CredentialsProvider& credentials;
  core::Clock& clock;
  core::Rng& rng;
  RetryQuota& quota;
  EndpointConfig endpoints;
  std::string retry_mode;  // AWS_RETRY_MODE / profile retry_mode
  int max_attempts = 0;    // AWS_MAX_ATTEMPTS / profile max_attempts; 0 = mode default
  DebugSink debug;         // may be empty
  std::map<std::string, int>* call_counts = nullptr;  // "ec2:DescribeInstances" -> n, optional
  // Paces every attempt (retries included) per service, by endpoint prefix; optional.
  // Not thread-safe, like the quota: clients sharing it run on one thread.
  cloud::RequestPacer* pacer = nullptr;
};

class AwsClient {
 public:
  // Errors: the endpoint or retry configuration is invalid (kInvalidArgument).
  // `sign` false sends unsigned requests (STS AssumeRoleWithWebIdentity).
  static core::Result<AwsClient> Create(const ServiceInfo& service, ClientContext& context,
                                        bool sign = true);

  // Calls a query/ec2 protocol action and returns the parsed XML answer. Errors carry the AWS
  // code, message and request id, already classified (kUnauthenticated, kThrottled, ...).
  core::Result<XmlDoc> Query(const std::string& action, const Params& params);

  // Calls a json 1.0/1.1 protocol operation ("X-Amz-Target: <target_prefix>.<operation>") and
  // returns the parsed answer. Errors are decoded from "__type" and "message" and classified as
  // for Query.
  core::Result<nlohmann::json> Json(const std::string& target_prefix, const std::string& operation,
                                    const nlohmann::json& body);

  // Calls a rest-xml protocol operation (Route 53): `method` on `path_and_query`, already
  // URI-encoded ("/2013-04-01/hostedzone?marker=Z2"), with an XML `body` ("" for none). The
  // x-amz-content-sha256 header is always sent and signed. Returns the parsed XML answer; errors
  // are decoded from <ErrorResponse><Error> (an InvalidChangeBatch's <Messages> joined as its
  // message) and classified as for Query.
  core::Result<XmlDoc> RestXml(const std::string& operation, const std::string& method,
                               const std::string& path_and_query, const std::string& body);

  // Signs and sends `request` with retries; a non-2xx answer becomes an error Status using
  // `decode_error` on it. For the rest-xml and json protocols. With a pacer in the context,
  // each attempt first sleeps on the context's clock until the pacer lets it go, and tells the
  // pacer when its answer came.
  core::Result<HttpResponse> Send(const std::string& operation, HttpRequest request,
                                  const std::function<AwsError(const HttpResponse&)>& decode_error);

  const Endpoint& endpoint() const { return endpoint_; }
  const ServiceInfo& service() const { return *service_; }

 private:
  AwsClient(const ServiceInfo& service, ClientContext& context, Endpoint endpoint,
            RetryConfig retry, bool sign)
      : service_(&service),
        context_(&context),
        endpoint_(std::move(endpoint)),
        retry_(retry),
        sign_(sign) {}

  core::Time WaitForPacer();
  void TellPacerAnswered(core::Time turn);
  core::Result<HttpResponse> SendOnce(const std::string& operation, HttpRequest request,
                                      const Credentials& creds);
  core::Status ErrorFromAnswer(const std::string& operation, const HttpResponse& response,
                               const std::string& code, const std::string& message,
                               const std::string& request_id, const Credentials& creds);

  const ServiceInfo* service_;
  ClientContext* context_;
  Endpoint endpoint_;
  RetryConfig retry_;
  bool sign_;
};

// Maps an AWS error code to rotor's Code: credentials problems, permissions, throttling,
// transient failures, not-found, and the rest.
core::Code CodeForAwsError(const std::string& aws_code, int http_status);

}  // namespace rotor::aws
