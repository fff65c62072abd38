// The credentials chain with a temporary HOME, fake STS and fake instance metadata service.
#include "aws/credentials_chain.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/strings.h"
#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() : clock_(*core::ParseIso8601("2026-11-22T10:00:00Z")), rng_(0.0) {
    home_ = fs::temp_directory_path() /
            ("rotor-chain-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_ / ".aws");
    env_.vars["HOME"] = home_.string();
  }
  ~ChainTest() override { fs::remove_all(home_); }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(home_ / relative) << text;
  }

  core::Result<Credentials> Resolve(const std::string& cli_profile = "") {
    auto shared = LoadSharedConfig(env_);
    if (!shared.ok()) return shared.status();
    ChainOptions o;
    o.env = env_;
    o.config = *shared;
    o.profile = SelectedProfile(env_, cli_profile);
    o.profile_explicit = !cli_profile.empty();
    o.endpoints = EndpointConfig{"eu-west-1", "", {}};
    o.transport = &sts_;
    o.imds_transport = &imds_;
    o.clock = &clock_;
    o.rng = &rng_;
    o.quota = &quota_;
    chain_ = std::make_unique<DefaultCredentialsChain>(std::move(o));
    return chain_->Get(clock_.Now());
  }

  fs::path home_;
  AwsEnv env_;
  core::ManualClock clock_;
  core::FixedRng rng_;
  RetryQuota quota_;
  testing::FakeTransport sts_;
  testing::FakeTransport imds_;
  std::unique_ptr<DefaultCredentialsChain> chain_;
};

TEST_F(ChainTest, EnvironmentComesFirst) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  env_.vars["AWS_SESSION_TOKEN"] = "envtoken";
  env_.vars["AWS_PROFILE"] = "other";  // AWS_PROFILE does not outrank the environment's keys
  Write(".aws/credentials", "[other]\naws_access_key_id = AKFILE\naws_secret_access_key = s\n");
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "AKENV");
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_EQ(c->source, "the environment");
}

TEST_F(ChainTest, ExplicitProfileSkipsTheEnvironment) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  Write(".aws/credentials",
        "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = devsecret\n");
  auto c = Resolve("dev");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "AKDEV");
  EXPECT_NE(c->source.find("profile 'dev'"), std::string::npos);
}

TEST_F(ChainTest, CredentialsFileOverridesConfigFile) {
  Write(".aws/config",
        "[profile dev]\naws_access_key_id = AKCONFIG\naws_secret_access_key = c\n"
        "region = eu-central-1\n");
  Write(".aws/credentials", "[dev]\naws_access_key_id = AKCREDS\naws_secret_access_key = k\n");
  env_.vars["AWS_PROFILE"] = "dev";
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "AKCREDS");
}

TEST_F(ChainTest, FileLocationsFromTheEnvironment) {
  Write("elsewhere-creds", "[default]\naws_access_key_id = AKELSE\naws_secret_access_key = e\n");
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (home_ / "elsewhere-creds").string();
  env_.vars["AWS_CONFIG_FILE"] = (home_ / "no-such-config").string();
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "AKELSE");
}

TEST_F(ChainTest, RoleArnWithSourceProfileAssumesTheRoleAndCaches) {
  Write(".aws/credentials", "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = b\n");
  Write(".aws/config",
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\n"
        "source_profile = base\nrole_session_name = rotor-test\nexternal_id = x1\n");
  sts_.PushXml(200, testing::ReadTestdata("aws/assume_role.xml"));
  auto c = Resolve("deploy");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "ASIAROLEEXAMPLE");
  EXPECT_EQ(c->session_token, "role-session-token-do-not-print");
  ASSERT_TRUE(c->expiration.has_value());
  ASSERT_EQ(sts_.requests().size(), 1u);
  EXPECT_EQ(sts_.requests()[0].url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_NE(HeaderValue(sts_.requests()[0].headers, "Authorization").find("Credential=AKBASE/"),
            std::string::npos);
  EXPECT_EQ(sts_.Param(0, "Action"), "AssumeRole");
  EXPECT_EQ(sts_.Param(0, "RoleArn"), "arn:aws:iam::123456789012:role/deployer");
  EXPECT_EQ(sts_.Param(0, "RoleSessionName"), "rotor-test");
  EXPECT_EQ(sts_.Param(0, "ExternalId"), "x1");

  ASSERT_TRUE(chain_->Get(clock_.Now() + 1h).ok());  // expires at 12:00: still cached at 11:00
  EXPECT_EQ(sts_.requests().size(), 1u);
  sts_.PushXml(200, testing::ReadTestdata("aws/assume_role.xml"));
  ASSERT_TRUE(chain_->Get(clock_.Now() + 1h + 56min).ok());  // within 5 minutes: refreshed
  EXPECT_EQ(sts_.requests().size(), 2u);
}

TEST_F(ChainTest, RoleArnWithoutSourceIsAConfigError) {
  Write(".aws/config", "[profile deploy]\nrole_arn = arn:aws:iam::1:role/x\n");
  auto c = Resolve("deploy");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("no source_profile"), std::string::npos);
}

TEST_F(ChainTest, CredentialProcess) {
  Write(".aws/config",
        "[default]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", "
        "\"SecretAccessKey\": \"p\", \"SessionToken\": \"t\", \"Expiration\": "
        "\"2026-11-22T11:00:00Z\"}'\n");
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "AKPROC");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(core::FormatIso8601(*c->expiration), "2026-11-22T11:00:00Z");
}

TEST_F(ChainTest, FailingCredentialProcess) {
  Write(".aws/config", "[default]\ncredential_process = sh -c 'exit 3 # --token=hunter2'\n");
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), core::Code::kUnauthenticated);
  EXPECT_NE(c.status().message().find("failed with status 3"), std::string::npos);
  EXPECT_EQ(c.status().message().find("hunter2"), std::string::npos);  // I7
}

TEST_F(ChainTest, WebIdentityTokenFileIsSentUnsigned) {
  Write("token", "eyJhbGciOiJSUzI1NiJ9.payload.sig\n");
  env_.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = (home_ / "token").string();
  env_.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/ci";
  std::string answer = testing::ReadTestdata("aws/assume_role.xml");
  sts_.PushXml(200, answer);
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "ASIAROLEEXAMPLE");
  EXPECT_EQ(sts_.Param(0, "Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(sts_.Param(0, "WebIdentityToken"), "eyJhbGciOiJSUzI1NiJ9.payload.sig");
  EXPECT_EQ(HeaderValue(sts_.requests()[0].headers, "Authorization"), "");
}

TEST_F(ChainTest, InstanceMetadataV2) {
  imds_.PushXml(200, "imds-token");
  imds_.PushXml(200, "web-role\n");
  imds_.PushXml(200, R"({"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "i",
                         "Token": "imdstoken", "Expiration": "2026-11-22T16:00:00Z"})");
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  ASSERT_EQ(imds_.requests().size(), 3u);
  EXPECT_EQ(imds_.requests()[0].method, "PUT");
  EXPECT_EQ(imds_.requests()[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(imds_.requests()[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/web-role");
  EXPECT_EQ(HeaderValue(imds_.requests()[2].headers, "X-aws-ec2-metadata-token"), "imds-token");
}

TEST_F(ChainTest, NothingFoundSaysWhereItLooked) {
  imds_.Push(core::Status(core::Code::kDeadlineExceeded, "timeout").set_retryable(true));
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), core::Code::kUnauthenticated);
  const std::string& m = c.status().message();
  for (const char* where : {"environment", "profile 'default'", ".aws/credentials", ".aws/config",
                            "AWS_WEB_IDENTITY_TOKEN_FILE", "instance metadata"}) {
    EXPECT_NE(m.find(where), std::string::npos) << where << " in: " << m;
  }
}

TEST_F(ChainTest, MetadataServiceCanBeDisabled) {
  env_.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_FALSE(Resolve().ok());
  EXPECT_TRUE(imds_.requests().empty());
}

TEST_F(ChainTest, InputErrors) {
  Write(".aws/credentials", "[dev]\naws_access_key_id = AKONLY\n");
  auto half = Resolve("dev");
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("only one of"), std::string::npos);

  auto missing = Resolve("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("profile 'nope' is not in"), std::string::npos);

  Write(".aws/config", "region = eu-west-1\n");
  auto malformed = Resolve();
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find(".aws/config:1"), std::string::npos);

  env_.vars["AWS_ACCESS_KEY_ID"] = "AKHALF";
  Write(".aws/config", "");
  auto env_half = Resolve();
  ASSERT_FALSE(env_half.ok());
  EXPECT_NE(env_half.status().message().find("AWS_ACCESS_KEY_ID is set"), std::string::npos)
      << env_half.status().message();
}

}  // namespace
}  // namespace rotor::aws
