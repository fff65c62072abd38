#include "aws/cloudformation.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rotor::aws::cloudformation {
namespace {

bool IsMissingStack(const core::Status& st) {
  return st.aws_code() == "ValidationError" &&
         st.message().find("does not exist") != std::string::npos;
}

}  // namespace

core::Result<cloud::Stack> DescribeStack(AwsClient& client, const std::string& name) {
  Params p;
  p.Add("StackName", name);
  auto doc = client.Query("DescribeStacks", p);
  if (!doc.ok() && IsMissingStack(doc.status())) {
    return core::NotFound(fmt::format(
        "stack '{}' does not exist in region {}; 'rotor images' lists the stacks running "
        "instances",
        name, client.endpoint().signing_region));
  }
  if (!doc.ok()) return doc.status();
  auto stacks = ListItems(Find(**doc, "DescribeStacksResult"), "Stacks");
  if (stacks.empty()) return core::NotFound(fmt::format("stack '{}' does not exist", name));
  const pugi::xml_node& s = stacks.front();
  cloud::Stack stack;
  stack.name = Text(s, "StackName");
  stack.status = Text(s, "StackStatus");
  if (auto t = core::ParseIso8601(Text(s, "CreationTime")); t.ok()) stack.created = *t;

  std::string token;
  do {
    Params rp;
    rp.Add("StackName", name);
    if (!token.empty()) rp.Add("NextToken", token);
    ASSIGN_OR_RETURN(XmlDoc res, client.Query("ListStackResources", rp));
    pugi::xml_node result = Find(*res, "ListStackResourcesResult");
    for (const pugi::xml_node& r : ListItems(result, "StackResourceSummaries")) {
      if (Text(r, "ResourceType") == "AWS::AutoScaling::AutoScalingGroup" &&
          !Text(r, "PhysicalResourceId").empty()) {
        stack.group_names.push_back(Text(r, "PhysicalResourceId"));
      }
    }
    token = Text(result, "NextToken");
  } while (!token.empty());
  return stack;
}

}  // namespace rotor::aws::cloudformation
