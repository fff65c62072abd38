#include "aws/query_protocol.h"

#include <gtest/gtest.h>

#include "fakes/fake_transport.h"

namespace rotor::aws {
namespace {

TEST(Params, QueryProtocolMemberLists) {
  Params p;
  p.AddMemberList("AutoScalingGroupNames", {"web-1", "db 2"});
  p.Add("MaxRecords", "100");
  EXPECT_EQ(p.FormEncode("DescribeAutoScalingGroups", "2011-01-01"),
            "Action=DescribeAutoScalingGroups&Version=2011-01-01&"
            "AutoScalingGroupNames.member.1=web-1&AutoScalingGroupNames.member.2=db%202&"
            "MaxRecords=100");
}

TEST(Params, Ec2ProtocolIndexedListsAndFilters) {
  Params p;
  p.AddIndexedList("Owner", {"self", "amazon"});
  p.AddFilter("name", {"app-*"});
  p.AddFilter("instance-state-name", {"pending", "running"});
  EXPECT_EQ(p.FormEncode("DescribeImages", "2016-11-15"),
            "Action=DescribeImages&Version=2016-11-15&Owner.1=self&Owner.2=amazon&"
            "Filter.1.Name=name&Filter.1.Value.1=app-%2A&"
            "Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running");
}

TEST(Params, QueryProtocolMaps) {
  Params p;
  p.AddMap("Attributes", {{"b", "2"}, {"a", "1 x"}});
  EXPECT_EQ(p.FormEncode("SetX", "v"),
            "Action=SetX&Version=v&Attributes.entry.1.key=a&Attributes.entry.1.value=1%20x&"
            "Attributes.entry.2.key=b&Attributes.entry.2.value=2");
}

TEST(Params, EmptyListAddsNothing) {
  Params p;
  p.AddMemberList("X", {}).AddIndexedList("Y", {});
  EXPECT_TRUE(p.items().empty());
}

TEST(ParseXmlError, Ec2Shape) {
  AwsError e = ParseXmlError(testing::ReadTestdata("aws/ec2_error.xml"));
  EXPECT_EQ(e.code, "RequestLimitExceeded");
  EXPECT_EQ(e.message, "Request limit exceeded.");
  EXPECT_EQ(e.request_id, "e0c6d3c7-0000-4000-8000-00000000abcd");
}

TEST(ParseXmlError, QueryShape) {
  AwsError e = ParseXmlError(testing::ReadTestdata("aws/query_error.xml"));
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(e.message, "Stack with id nope does not exist");
  EXPECT_EQ(e.request_id, "5ccc7dcd-744c-11e5-be70-example");
}

TEST(ParseXmlError, NotAnError) {
  EXPECT_EQ(ParseXmlError("<html>502 Bad Gateway</html>").code, "");
  EXPECT_EQ(ParseXmlError("").code, "");
}

TEST(ParseXml, MalformedIsAClearError) {
  auto doc = ParseXml("<Response><unclosed>", "ec2 DescribeInstances (http://x)");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), core::Code::kMalformed);
  EXPECT_NE(doc.status().message().find("ec2 DescribeInstances (http://x)"), std::string::npos);
  EXPECT_NE(doc.status().message().find("not valid XML"), std::string::npos);
  EXPECT_FALSE(ParseXml("", "x").ok());
}

}  // namespace
}  // namespace rotor::aws
