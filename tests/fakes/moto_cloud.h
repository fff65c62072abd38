// An AwsCloud on a moto_server of the tests: the real wire (curl, SigV4, retries) with fixed test
// credentials, a real clock and a seeded rng, in us-east-1.
#pragma once

#include <memory>
#include <string>

#include "aws/aws_cloud.h"
#include "aws/curl_transport.h"

namespace rotor::testing {

class MotoCloud {
 public:
  // REQUIRES: a moto_server answers at `url`. Not copyable: the cloud refers to the members.
  explicit MotoCloud(const std::string& url)
      : creds_(aws::Credentials{"testing", "testing", "", {}, "test"}),
        rng_(1),
        context_{
            transport_, creds_, clock_,  rng_,   quota_, aws::EndpointConfig{"us-east-1", url, {}},
            "",         0,      nullptr, nullptr} {
    auto c = aws::AwsCloud::Create(context_);
    if (c.ok()) cloud_ = std::move(c).value();
    status_ = c.status();
  }
  MotoCloud(const MotoCloud&) = delete;
  MotoCloud& operator=(const MotoCloud&) = delete;

  // Whether the cloud was built; cloud() REQUIRES it.
  const core::Status& status() const { return status_; }
  cloud::Cloud& cloud() { return cloud_->cloud(); }

 private:
  aws::CurlTransport transport_;
  aws::StaticProvider creds_;
  core::RealClock clock_;
  core::SeededRng rng_;
  cloud::RetryQuota quota_;
  aws::ClientContext context_;
  std::unique_ptr<aws::AwsCloud> cloud_;
  core::Status status_;
};

}  // namespace rotor::testing
