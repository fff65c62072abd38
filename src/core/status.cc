#include "core/status.h"

namespace rotor::core {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid argument";
    case Code::kNotFound:
      return "not found";
    case Code::kAmbiguous:
      return "ambiguous";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission denied";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kThrottled:
      return "throttled";
    case Code::kDeadlineExceeded:
      return "deadline exceeded";
    case Code::kMalformed:
      return "malformed";
    case Code::kFailedPrecondition:
      return "failed precondition";
    case Code::kAborted:
      return "aborted";
    case Code::kBlocked:
      return "blocked";
    case Code::kPaused:
      return "paused";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  Status s = *this;
  s.message_ = context + ": " + message_;
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = message_;
  if (!aws_code_.empty() && message_.find(aws_code_) == std::string::npos) {
    out += " (" + aws_code_ + ")";
  }
  if (!request_id_.empty()) out += " [request id " + request_id_ + "]";
  return out;
}

}  // namespace rotor::core
