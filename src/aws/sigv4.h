// AWS Signature Version 4, header signing. Pure: the time is an argument.
#pragma once

#include <string>

#include "aws/credentials.h"
#include "aws/http.h"
#include "core/clock.h"

namespace rotor::aws {

struct SigningOptions {
  std::string region;
  std::string service;              // signing name: "ec2", "autoscaling", "route53", ...
  bool normalize_path = true;       // remove "." / ".." and empty segments (every service but S3)
  bool add_content_sha256 = false;  // add and sign X-Amz-Content-Sha256
  bool omit_session_token = false;  // add X-Amz-Security-Token after signing (unsigned)
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

// Adds X-Amz-Date, X-Amz-Security-Token (when the credentials have one), optionally
// X-Amz-Content-Sha256, and Authorization to `request`, signing every header it carries
// except User-Agent and Expect. A missing Host header is taken from the URL.
SigningResult SignRequest(HttpRequest& request, const Credentials& credentials,
                          const SigningOptions& options, core::Time now);

// The pieces, exposed for tests.
std::string CanonicalPath(std::string_view raw_path, bool normalize);
std::string CanonicalQuery(std::string_view raw_query);

}  // namespace rotor::aws
