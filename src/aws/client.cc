#include "aws/client.h"

#include <fmt/format.h>

#include <array>

#include "aws/redact.h"
#include "aws/sigv4.h"
#include "core/strings.h"

namespace rotor::aws {
namespace {

// A json protocol error: {"__type": "prefix#Code", "message": "..."} (or "Message").
AwsError ParseJsonError(const HttpResponse& response) {
  AwsError e;
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return e;
  std::string type = body.value("__type", std::string());
  e.code = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
  e.message = body.contains("message") ? body.value("message", std::string())
                                       : body.value("Message", std::string());
  e.request_id = HeaderValue(response.headers, "x-amzn-RequestId");
  return e;
}

constexpr std::array<std::string_view, 13> kAuthCodes = {
    "AuthFailure",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "InvalidToken",
    "AuthMissingFailure",
    "InvalidSignatureException",
};

constexpr std::array<std::string_view, 4> kDeniedCodes = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"};

template <size_t N>
bool In(const std::array<std::string_view, N>& list, const std::string& code) {
  for (auto c : list) {
    if (c == code) return true;
  }
  return false;
}

std::optional<core::Duration> RetryAfter(const HttpResponse& r) {
  std::string v = HeaderValue(r.headers, "x-amz-retry-after");
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  long long ms = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || ms < 0) return std::nullopt;
  return core::Duration(ms);
}

// A retryable failure that outlasted its retries keeps its kind (throttled, timed out,
// unreachable); anything else retryable (RequestTimeout answered as a 400) is "unavailable".
core::Status GaveUp(const core::Status& last, const std::string& label, const std::string& why) {
  core::Code code = last.code();
  if (code != core::Code::kThrottled && code != core::Code::kDeadlineExceeded) {
    code = core::Code::kUnavailable;
  }
  return core::Status(code, fmt::format("{} ({}, {})", last.message(), label, why))
      .set_aws_code(last.aws_code())
      .set_request_id(last.request_id())
      .set_retryable(true);
}

}  // namespace

core::Code CodeForAwsError(const std::string& aws_code, int http_status) {
  if (In(kAuthCodes, aws_code)) return core::Code::kUnauthenticated;
  if (In(kDeniedCodes, aws_code)) return core::Code::kPermissionDenied;
  if (IsThrottlingCode(aws_code)) return core::Code::kThrottled;
  if (aws_code.find("NotFound") != std::string::npos) return core::Code::kNotFound;
  if (core::StartsWith(aws_code, "NoSuch")) return core::Code::kNotFound;  // NoSuchHostedZone
  if (aws_code == "InvalidChangeBatch" || aws_code == "InvalidInput") {
    return core::Code::kInvalidArgument;  // Route 53 refusing a request as written
  }
  if (http_status >= 500) return core::Code::kUnavailable;
  return core::Code::kFailedPrecondition;
}

core::Result<AwsClient> AwsClient::Create(const ServiceInfo& service, ClientContext& context,
                                          bool sign) {
  ASSIGN_OR_RETURN(Endpoint endpoint, ResolveEndpoint(service, context.endpoints));
  RETURN_IF_ERROR(ParseUrl(endpoint.url)
                      .status()
                      .WithContext(fmt::format("endpoint for {}", service.endpoint_prefix)));
  ASSIGN_OR_RETURN(RetryConfig retry,
                   MakeRetryConfig(service.signing_name, context.retry_mode, context.max_attempts));
  return AwsClient(service, context, std::move(endpoint), retry, sign);
}

core::Result<XmlDoc> AwsClient::Query(const std::string& action, const Params& params) {
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint_.url + "/";
  request.body = params.FormEncode(action, service_->api_version);
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  auto decode = [](const HttpResponse& r) { return ParseXmlError(r.body); };
  ASSIGN_OR_RETURN(HttpResponse response, Send(action, std::move(request), decode));
  return ParseXml(response.body,
                  fmt::format("{} {} ({})", service_->endpoint_prefix, action, endpoint_.url));
}

core::Result<XmlDoc> AwsClient::RestXml(const std::string& operation, const std::string& method,
                                        const std::string& path_and_query,
                                        const std::string& body) {
  HttpRequest request;
  request.method = method;
  request.url = endpoint_.url + path_and_query;
  request.body = body;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/xml");
  auto decode = [](const HttpResponse& r) { return ParseRestXmlError(r.body); };
  ASSIGN_OR_RETURN(HttpResponse response, Send(operation, std::move(request), decode));
  return ParseXml(response.body,
                  fmt::format("{} {} ({})", service_->endpoint_prefix, operation, endpoint_.url));
}

core::Result<nlohmann::json> AwsClient::Json(const std::string& target_prefix,
                                             const std::string& operation,
                                             const nlohmann::json& body) {
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint_.url + "/";
  request.body = body.dump();
  std::string version = service_->protocol == Protocol::kJson10 ? "1.0" : "1.1";
  request.headers.emplace_back("Content-Type", "application/x-amz-json-" + version);
  request.headers.emplace_back("X-Amz-Target", target_prefix + "." + operation);
  ASSIGN_OR_RETURN(HttpResponse response, Send(operation, std::move(request), ParseJsonError));
  nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) {
    return core::Status(core::Code::kMalformed,
                        fmt::format("{} {} ({}): the answer is not JSON", service_->endpoint_prefix,
                                    operation, endpoint_.url));
  }
  return answer;
}

core::Result<HttpResponse> AwsClient::Send(
    const std::string& operation, HttpRequest request,
    const std::function<AwsError(const HttpResponse&)>& decode_error) {
  std::string label = fmt::format("{} {}", service_->endpoint_prefix, operation);
  if (context_->call_counts)
    ++(*context_->call_counts)[service_->endpoint_prefix + ":" + operation];
  int last_tokens = 0;  // quota taken by the latest retry, refunded on success
  for (int attempt = 1;; ++attempt) {
    core::Time turn = WaitForPacer();
    Credentials creds;
    if (sign_) {
      ASSIGN_OR_RETURN(creds, context_->credentials.Get(context_->clock.Now()));
    }
    auto sent = SendOnce(operation, request, creds);
    TellPacerAnswered(turn);
    AttemptOutcome outcome;
    core::Status failure;
    if (!sent.ok()) {
      failure = sent.status();
      outcome.timeout = failure.code() == core::Code::kDeadlineExceeded;
      outcome.connection_error = !outcome.timeout;
    } else {
      outcome.http_status = sent->status;
      outcome.retry_after = RetryAfter(*sent);
      if (sent->status >= 200 && sent->status < 300) {
        context_->quota.Release(last_tokens ? last_tokens : RetryQuota::kNoRetryIncrement);
        return sent;
      }
      AwsError e = decode_error(*sent);
      outcome.error_code = e.code;
      failure =
          ErrorFromAnswer(operation, *sent, outcome.error_code, e.message, e.request_id, creds);
      ErrorKind kind = ClassifyAttempt(outcome);
      failure.set_retryable(kind != ErrorKind::kFatal && kind != ErrorKind::kNone);
    }
    RetryDecision d = DecideRetry(retry_, context_->quota, context_->rng, outcome, attempt);
    if (!d.retry) {
      if (!d.retryable_error) {
        return sent.ok() ? failure : failure.WithContext(label);
      }
      return GaveUp(failure, label, d.why_not);
    }
    if (context_->debug) {
      context_->debug(fmt::format("retry {} of {} in {} ms: {}", attempt, label, d.delay.count(),
                                  failure.message()));
    }
    last_tokens = d.tokens;
    context_->clock.SleepFor(d.delay);
  }
}

// Called before the credentials are fetched and the request signed, so that neither goes stale
// while the request waits its turn. Returns the turn (now, without a pacer).
core::Time AwsClient::WaitForPacer() {
  core::Time now = context_->clock.Now();
  if (!context_->pacer) return now;
  core::Time at = context_->pacer->Reserve(service_->endpoint_prefix, now);
  if (at > now) context_->clock.SleepUntil(at);
  return at;
}

// The request reached AWS at some point between its turn and now; the next windows count from
// now so that latency (a slow first connection, then fast ones) cannot crowd a second at AWS.
void AwsClient::TellPacerAnswered(core::Time turn) {
  if (context_->pacer) {
    context_->pacer->Answered(service_->endpoint_prefix, turn, context_->clock.Now());
  }
}

core::Result<HttpResponse> AwsClient::SendOnce(const std::string& operation, HttpRequest request,
                                               const Credentials& creds) {
  auto url = ParseUrl(request.url);
  if (url.ok()) SetHeader(request.headers, "Host", url->host);
  SetHeader(request.headers, "User-Agent", "rotor/0.1");
  if (sign_) {
    SigningOptions opts{endpoint_.signing_region, service_->signing_name};
    opts.add_content_sha256 = service_->protocol == Protocol::kRestXml;  // Route 53 asks for it
    SignRequest(request, creds, opts, context_->clock.Now());
  }
  if (context_->debug) {
    context_->debug(fmt::format("> {} {} ({})\n{}  {}", request.method, request.url, operation,
                                RedactHeaders(request.headers), RedactBody(request.body)));
  }
  auto response = context_->transport.Send(request);
  if (context_->debug) {
    if (response.ok()) {
      context_->debug(fmt::format("< {} ({})\n{}  {}", response->status, operation,
                                  RedactHeaders(response->headers), RedactBody(response->body)));
    } else {
      context_->debug(fmt::format("< error ({}): {}", operation, response.status().message()));
    }
  }
  return response;  // a transport error already names the endpoint; Send adds the operation
}

core::Status AwsClient::ErrorFromAnswer(const std::string& operation, const HttpResponse& response,
                                        const std::string& code, const std::string& message,
                                        const std::string& request_id, const Credentials& creds) {
  core::Code rc = CodeForAwsError(code, response.status);
  std::string label = fmt::format("{} {}", service_->endpoint_prefix, operation);
  std::string text;
  if (rc == core::Code::kUnauthenticated) {
    text = fmt::format(
        "AWS rejected the credentials (access key {} from {}) for {}: {} ({}); check the secret "
        "key, refresh an expired session token, or pick another --profile",
        creds.access_key_id, creds.source, label, message.empty() ? code : message, code);
  } else if (rc == core::Code::kPermissionDenied) {
    text = fmt::format("{}: not allowed for access key {} from {}: {} ({})", label,
                       creds.access_key_id, creds.source, message, code);
  } else if (code.empty()) {
    text = fmt::format("{}: HTTP {} from {} with no AWS error in the answer", label,
                       response.status, endpoint_.url);
  } else {
    text = fmt::format("{}: {} ({})", label, message.empty() ? code : message, code);
  }
  return core::Status(rc, text).set_aws_code(code).set_request_id(request_id);
}

}  // namespace rotor::aws
