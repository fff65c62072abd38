// Status and Result<T>: cheap error values, returned and checked; no exceptions in rotor's code.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rotor::core {

// What kind of failure; the command line maps each to an exit code (cli/exit_codes.h).
enum class Code {
  kOk,
  kInvalidArgument,     // the user's input is wrong (flags, files, names)
  kNotFound,            // a stack, group or instance that does not exist
  kAmbiguous,           // a prefix matching more than one thing
  kUnauthenticated,     // no credentials, or credentials AWS rejects
  kPermissionDenied,    // credentials valid but not allowed
  kUnavailable,         // endpoint unreachable, 5xx after retries
  kThrottled,           // throttled beyond the retry budget
  kDeadlineExceeded,    // a timeout
  kMalformed,           // an answer or file we cannot parse
  kFailedPrecondition,  // the fleet's state forbids the action
  kAborted,             // cut short: the process died (simulated crash) or lost its lease
  kBlocked,             // refused by pre-flight or a lease: nothing was changed
  kPaused,              // stopped for a person, resumable (a rollout inside a runbook paused)
  kInternal,            // a bug in rotor
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  // For best-effort calls whose failure changes nothing (a ROLLBACK after an error).
  void IgnoreError() const {}
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // The AWS error code ("Throttling", "ValidationError") when the failure came from AWS.
  const std::string& aws_code() const { return aws_code_; }
  const std::string& request_id() const { return request_id_; }
  // Whether repeating the same request may succeed (decided once, where the error is built).
  bool retryable() const { return retryable_; }

  Status& set_aws_code(std::string c) {
    aws_code_ = std::move(c);
    return *this;
  }
  Status& set_request_id(std::string id) {
    request_id_ = std::move(id);
    return *this;
  }
  Status& set_retryable(bool r) {
    retryable_ = r;
    return *this;
  }

  // Returns a copy whose message is "context: message"; code and AWS details are kept.
  Status WithContext(const std::string& context) const;

  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string aws_code_;
  std::string request_id_;
  bool retryable_ = false;
};

inline Status InvalidArgument(std::string m) {
  return Status(Code::kInvalidArgument, std::move(m));
}
inline Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
inline Status Malformed(std::string m) { return Status(Code::kMalformed, std::move(m)); }
inline Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  // By value, so `for (x : F().value())` owns what it walks instead of a reference into the
  // temporary Result (a use after scope that only the sanitizer build saw).
  T value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace rotor::core

#define ROTOR_CONCAT_INNER(a, b) a##b
#define ROTOR_CONCAT(a, b) ROTOR_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)           \
  do {                                  \
    ::rotor::core::Status _st = (expr); \
    if (!_st.ok()) return _st;          \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(ROTOR_CONCAT(_result_, __LINE__), lhs, expr)
