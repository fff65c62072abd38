#include "aws/redact.h"

#include <gtest/gtest.h>

namespace rotor::aws {
namespace {

TEST(Redact, Headers) {
  std::string out = RedactHeaders({{"Authorization", "AWS4-HMAC-SHA256 Credential=AK/..."},
                                   {"X-Amz-Security-Token", "tok"},
                                   {"X-Amz-Date", "2026"}});
  EXPECT_EQ(out,
            "  Authorization: <redacted>\n  X-Amz-Security-Token: <redacted>\n"
            "  X-Amz-Date: 2026\n");
}

TEST(Redact, Bodies) {
  struct Row {
    const char* name;
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"xml", "<SecretAccessKey>abc</SecretAccessKey><SessionToken>t</SessionToken><A>1</A>",
       "<SecretAccessKey><redacted></SecretAccessKey><SessionToken><redacted></SessionToken><A>1</"
       "A>"},
      {"json", R"({"SecretAccessKey": "abc", "Token" : "t\"x", "AccessKeyId": "AK"})",
       R"({"SecretAccessKey": "<redacted>", "Token" : "<redacted>", "AccessKeyId": "AK"})"},
      {"form middle", "Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJ&RoleArn=r",
       "Action=AssumeRoleWithWebIdentity&WebIdentityToken=<redacted>&RoleArn=r"},
      {"form first", "WebIdentityToken=eyJ&RoleArn=r", "WebIdentityToken=<redacted>&RoleArn=r"},
      {"user data sent", "Action=RunInstances&UserData=I2Nsb3Vk&KeyName=ops",
       "Action=RunInstances&UserData=<redacted>&KeyName=ops"},
      {"user data in a template", "LaunchTemplateData.UserData=I2Nsb3Vk&Version=2",
       "LaunchTemplateData.UserData=<redacted>&Version=2"},
      {"user data read", "<userData><value>I2Nsb3Vk</value></userData>",
       "<userData><redacted></userData>"},
      {"nothing secret", "Action=DescribeInstances", "Action=DescribeInstances"},
  };
  for (const Row& r : rows) EXPECT_EQ(RedactBody(r.in), r.out) << r.name;
}

}  // namespace
}  // namespace rotor::aws
