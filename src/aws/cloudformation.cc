#include "aws/cloudformation.h"

#include <fmt/format.h>

#include <algorithm>

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
  stack.status_reason = Text(s, "StackStatusReason");
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
        stack.group_logical_ids.push_back(Text(r, "LogicalResourceId"));
      }
    }
    token = Text(result, "NextToken");
  } while (!token.empty());
  return stack;
}

namespace {

// CloudFormation's refusals, as cloud/ promises them: input errors, states that forbid the
// change, things that are gone.
core::Status Translate(const core::Status& st) {
  if (st.ok()) return st;
  const std::string& code = st.aws_code();
  const std::string& msg = st.message();
  auto has = [&](const char* s) { return msg.find(s) != std::string::npos; };
  core::Code to = st.code();
  if (code == "ChangeSetNotFound" || code == "ChangeSetNotFoundException" ||
      (code == "ValidationError" && has("does not exist") && !has("in the template"))) {
    to = core::Code::kNotFound;
  } else if (code == "AlreadyExistsException" || code == "InvalidChangeSetStatus" ||
             code == "OperationInProgressException" ||
             (code == "ValidationError" &&
              (has("can not be updated") || has("cannot be called")))) {
    to = core::Code::kFailedPrecondition;
  } else if (code == "ValidationError" || code == "InsufficientCapabilitiesException" ||
             code == "LimitExceededException") {
    to = core::Code::kInvalidArgument;
  }
  if (to == st.code()) return st;
  return core::Status(to, msg).set_aws_code(code);
}

bool SaysNoChanges(const std::string& reason) {
  return reason.find("didn't contain changes") != std::string::npos ||
         reason.find("No updates are to be performed") != std::string::npos;
}

void AddChange(Params& p, const cloud::StackChange& c) {
  p.Add("StackName", c.stack);
  for (size_t i = 0; i < c.parameters.size(); ++i) {
    std::string k = fmt::format("Parameters.member.{}.", i + 1);
    p.Add(k + "ParameterKey", c.parameters[i].key);
    if (c.parameters[i].use_previous) {
      p.Add(k + "UsePreviousValue", "true");
    } else {
      p.Add(k + "ParameterValue", c.parameters[i].value);
    }
  }
  if (c.tags) {
    for (size_t i = 0; i < c.tags->size(); ++i) {
      p.Add(fmt::format("Tags.member.{}.Key", i + 1), (*c.tags)[i].first);
      p.Add(fmt::format("Tags.member.{}.Value", i + 1), (*c.tags)[i].second);
    }
  }
  p.AddMemberList("Capabilities", c.capabilities);
}

std::vector<std::string> Members(const pugi::xml_node& n, const char* child) {
  std::vector<std::string> out;
  for (const pugi::xml_node& m : ListItems(n, child)) out.push_back(m.text().as_string());
  return out;
}

cloud::ResourceChange ChangeFrom(const pugi::xml_node& rc) {
  cloud::ResourceChange c{
      Text(rc, "Action"),       Text(rc, "LogicalResourceId"), Text(rc, "PhysicalResourceId"),
      Text(rc, "ResourceType"), Text(rc, "Replacement"),       {}};
  for (const pugi::xml_node& d : ListItems(rc, "Details")) {
    pugi::xml_node target = d.child("Target");
    std::string what =
        Text(target, "Name").empty() ? Text(target, "Attribute") : Text(target, "Name");
    std::string cause = Text(d, "CausingEntity");
    std::string source = Text(d, "ChangeSource");
    std::string line = what;
    if (!cause.empty()) line += " from " + cause;
    if (!source.empty()) line += " (" + source + ")";
    if (!line.empty() && std::find(c.causes.begin(), c.causes.end(), line) == c.causes.end()) {
      c.causes.push_back(line);
    }
  }
  return c;
}

}  // namespace

core::Result<cloud::StackSettings> ReadSettings(AwsClient& client, const std::string& name) {
  Params p;
  p.Add("StackName", name);
  auto doc = client.Query("DescribeStacks", p);
  if (!doc.ok()) return Translate(doc.status());
  auto stacks = ListItems(Find(**doc, "DescribeStacksResult"), "Stacks");
  if (stacks.empty()) return core::NotFound(fmt::format("stack '{}' does not exist", name));
  const pugi::xml_node& s = stacks.front();
  cloud::StackSettings out;
  out.id = Text(s, "StackId");
  out.status = Text(s, "StackStatus");
  for (const pugi::xml_node& m : ListItems(s, "Parameters")) {
    out.parameters.push_back({Text(m, "ParameterKey"), Text(m, "ParameterValue"), false});
  }
  for (const pugi::xml_node& m : ListItems(s, "Tags")) {
    out.tags.emplace_back(Text(m, "Key"), Text(m, "Value"));
  }
  out.capabilities = Members(s, "Capabilities");
  out.description = Text(s, "Description");
  for (const pugi::xml_node& m : ListItems(s, "Outputs")) {
    out.outputs.emplace_back(Text(m, "OutputKey"), Text(m, "OutputValue"));
  }
  out.termination_protection = BoolText(s, "EnableTerminationProtection");
  Params t;
  t.Add("StackName", name);
  t.Add("TemplateStage", "Original");
  auto tdoc = client.Query("GetTemplate", t);
  if (!tdoc.ok()) return Translate(tdoc.status());
  out.template_body = Text(Find(**tdoc, "GetTemplateResult"), "TemplateBody");
  return out;
}

core::Result<cloud::TemplateSummary> Summarize(AwsClient& client, const std::string& body) {
  Params p;
  p.Add("TemplateBody", body);
  auto doc = client.Query("GetTemplateSummary", p);
  if (!doc.ok()) return Translate(doc.status());
  pugi::xml_node r = Find(**doc, "GetTemplateSummaryResult");
  cloud::TemplateSummary out;
  for (const pugi::xml_node& m : ListItems(r, "Parameters")) {
    cloud::DeclaredParameter d{Text(m, "ParameterKey"), Text(m, "ParameterType"), std::nullopt,
                               BoolText(m, "NoEcho")};
    if (m.child("DefaultValue")) d.default_value = Text(m, "DefaultValue");
    out.parameters.push_back(std::move(d));
  }
  out.capabilities = Members(r, "Capabilities");
  out.capabilities_reason = Text(r, "CapabilitiesReason");
  return out;
}

core::Result<cloud::ChangeSet> PrepareChange(AwsClient& client, const cloud::StackChange& change) {
  Params p;
  AddChange(p, change);
  p.Add("ChangeSetName", change.name);
  p.Add("ChangeSetType", "UPDATE");
  if (change.template_body.empty()) {
    p.Add("UsePreviousTemplate", "true");
  } else {
    p.Add("TemplateBody", change.template_body);
  }
  auto doc = client.Query("CreateChangeSet", p);
  if (!doc.ok() && SaysNoChanges(doc.status().message())) {
    return cloud::ChangeSet{"", "FAILED", "UNAVAILABLE", doc.status().message(), true, {}};
  }
  if (!doc.ok()) return Translate(doc.status());
  cloud::ChangeSet out;
  out.id = Text(Find(**doc, "CreateChangeSetResult"), "Id");
  out.status = "CREATE_PENDING";
  return out;
}

core::Result<cloud::ChangeSet> ReadChange(AwsClient& client, const std::string& stack,
                                          const std::string& id) {
  cloud::ChangeSet out;
  out.id = id;
  std::string token;
  do {
    Params p;
    p.Add("ChangeSetName", id);
    p.Add("StackName", stack);
    if (!token.empty()) p.Add("NextToken", token);
    auto doc = client.Query("DescribeChangeSet", p);
    if (!doc.ok()) return Translate(doc.status());
    pugi::xml_node r = Find(**doc, "DescribeChangeSetResult");
    out.status = Text(r, "Status");
    out.execution_status = Text(r, "ExecutionStatus");
    out.reason = Text(r, "StatusReason");
    for (const pugi::xml_node& m : ListItems(r, "Changes")) {
      out.changes.push_back(ChangeFrom(m.child("ResourceChange")));
    }
    token = Text(r, "NextToken");
  } while (!token.empty());
  out.no_changes = out.status == "FAILED" && SaysNoChanges(out.reason);
  return out;
}

core::Status ApplyChange(AwsClient& client, const std::string& stack, const std::string& id) {
  Params p;
  p.Add("ChangeSetName", id);
  p.Add("StackName", stack);
  return Translate(client.Query("ExecuteChangeSet", p).status());
}

core::Status DropChange(AwsClient& client, const std::string& stack, const std::string& id) {
  Params p;
  p.Add("ChangeSetName", id);
  p.Add("StackName", stack);
  return Translate(client.Query("DeleteChangeSet", p).status());
}

core::Result<std::string> CreateStack(AwsClient& client, const cloud::StackChange& change) {
  Params p;
  AddChange(p, change);
  p.Add("TemplateBody", change.template_body);
  if (change.termination_protection) p.Add("EnableTerminationProtection", "true");
  if (!change.policy.empty()) p.Add("StackPolicyBody", change.policy);
  auto doc = client.Query("CreateStack", p);
  if (!doc.ok()) return Translate(doc.status());
  return Text(Find(**doc, "CreateStackResult"), "StackId");
}

core::Result<std::vector<cloud::StackEvent>> Events(AwsClient& client, const std::string& stack,
                                                    const std::string& after_id) {
  std::vector<cloud::StackEvent> newest_first;
  std::string token;
  do {
    Params p;
    p.Add("StackName", stack);
    if (!token.empty()) p.Add("NextToken", token);
    auto doc = client.Query("DescribeStackEvents", p);
    if (!doc.ok()) return Translate(doc.status());
    pugi::xml_node r = Find(**doc, "DescribeStackEventsResult");
    for (const pugi::xml_node& m : ListItems(r, "StackEvents")) {
      if (!after_id.empty() && Text(m, "EventId") == after_id) {
        return std::vector<cloud::StackEvent>(newest_first.rbegin(), newest_first.rend());
      }
      cloud::StackEvent e{Text(m, "EventId"),           {},
                          Text(m, "LogicalResourceId"), Text(m, "ResourceType"),
                          Text(m, "ResourceStatus"),    Text(m, "ResourceStatusReason")};
      if (auto t = core::ParseIso8601(Text(m, "Timestamp")); t.ok()) e.time = *t;
      newest_first.push_back(std::move(e));
    }
    token = after_id.empty() ? "" : Text(r, "NextToken");
  } while (!token.empty());
  return std::vector<cloud::StackEvent>(newest_first.rbegin(), newest_first.rend());
}

core::Status CancelUpdate(AwsClient& client, const std::string& stack) {
  Params p;
  p.Add("StackName", stack);
  return Translate(client.Query("CancelUpdateStack", p).status());
}

core::Result<std::string> ReadPolicy(AwsClient& client, const std::string& stack) {
  Params p;
  p.Add("StackName", stack);
  auto doc = client.Query("GetStackPolicy", p);
  if (!doc.ok()) return Translate(doc.status());
  return Text(Find(**doc, "GetStackPolicyResult"), "StackPolicyBody");
}

}  // namespace rotor::aws::cloudformation
