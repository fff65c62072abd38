#include "aws/query_protocol.h"

#include <fmt/format.h>

#include <cstring>

#include "core/strings.h"

namespace rotor::aws {

Params& Params::Add(std::string key, std::string value) {
  items_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Params& Params::AddMemberList(const std::string& name, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    Add(fmt::format("{}.member.{}", name, i + 1), values[i]);
  return *this;
}

Params& Params::AddIndexedList(const std::string& name, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) Add(fmt::format("{}.{}", name, i + 1), values[i]);
  return *this;
}

Params& Params::AddMap(const std::string& name, const std::map<std::string, std::string>& entries) {
  int n = 0;
  for (const auto& [k, v] : entries) {
    ++n;
    Add(fmt::format("{}.entry.{}.key", name, n), k);
    Add(fmt::format("{}.entry.{}.value", name, n), v);
  }
  return *this;
}

Params& Params::AddFilter(const std::string& name, const std::vector<std::string>& values) {
  int n = ++filters_;
  Add(fmt::format("Filter.{}.Name", n), name);
  for (size_t i = 0; i < values.size(); ++i) {
    Add(fmt::format("Filter.{}.Value.{}", n, i + 1), values[i]);
  }
  return *this;
}

std::string Params::FormEncode(const std::string& action, const std::string& version) const {
  std::string out = "Action=" + core::UriEncode(action) + "&Version=" + core::UriEncode(version);
  for (const auto& [k, v] : items_) out += "&" + core::UriEncode(k) + "=" + core::UriEncode(v);
  return out;
}

core::Status ForEachBatch(const std::vector<std::string>& items, size_t n,
                          const std::function<core::Status(const std::vector<std::string>&)>& fn) {
  for (size_t i = 0; i < items.size(); i += n) {
    RETURN_IF_ERROR(fn({items.begin() + i, items.begin() + std::min(items.size(), i + n)}));
  }
  return core::Status::Ok();
}

core::Result<XmlDoc> ParseXml(const std::string& text, const std::string& what) {
  auto doc = std::make_shared<pugi::xml_document>();
  pugi::xml_parse_result r = doc->load_buffer(text.data(), text.size());
  if (!r) {
    return core::Malformed(
        fmt::format("{} answered with text that is not valid XML ({} at byte "
                    "{}); the endpoint may not be an AWS API",
                    what, r.description(), r.offset));
  }
  if (!doc->document_element()) {
    return core::Malformed(fmt::format("{} answered with an empty document", what));
  }
  return doc;
}

pugi::xml_node Find(const pugi::xml_node& node, const char* name) {
  return node.find_node([name](const pugi::xml_node& n) {
    return n.type() == pugi::node_element && std::strcmp(n.name(), name) == 0;
  });
}

AwsError ParseXmlError(const std::string& body) {
  AwsError e;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return e;
  pugi::xml_node error = Find(doc, "Error");
  if (!error) return e;
  e.code = Text(error, "Code");
  e.message = Text(error, "Message");
  for (const char* id : {"RequestId", "RequestID"}) {
    pugi::xml_node n = Find(doc, id);
    if (n) e.request_id = n.text().get();
  }
  return e;
}

AwsError ParseRestXmlError(const std::string& body) {
  AwsError e = ParseXmlError(body);
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return e;
  std::vector<std::string> messages;
  for (pugi::xml_node m : Find(doc, "Messages").children("Message")) {
    messages.push_back(m.text().get());
  }
  if (!messages.empty()) e.message = core::Join(messages, "; ");
  if (e.code.empty() && std::strcmp(doc.document_element().name(), "InvalidChangeBatch") == 0) {
    e.code = "InvalidChangeBatch";
    e.request_id = Text(doc.document_element(), "RequestId");
  }
  return e;
}

std::string Text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().get();
}

int IntText(const pugi::xml_node& node, const char* child, int fallback) {
  pugi::xml_node c = node.child(child);
  return c ? c.text().as_int(fallback) : fallback;
}

bool BoolText(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_bool(false);
}

std::vector<pugi::xml_node> ListItems(const pugi::xml_node& node, const char* child) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node n : node.child(child).children()) {
    if (n.type() == pugi::node_element) out.push_back(n);
  }
  return out;
}

}  // namespace rotor::aws
