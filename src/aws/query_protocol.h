// The ec2 and query protocols: form-encoded parameters in, XML out (botocore's rules).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rotor::aws {

// Request parameters in insertion order.
class Params {
 public:
  Params& Add(std::string key, std::string value);
  // query protocol lists: Name.member.1, Name.member.2, ...
  Params& AddMemberList(const std::string& name, const std::vector<std::string>& values);
  // ec2 protocol lists (and flattened query lists): Name.1, Name.2, ...
  Params& AddIndexedList(const std::string& name, const std::vector<std::string>& values);
  // query protocol maps: Name.entry.N.key and Name.entry.N.value, in key order
  Params& AddMap(const std::string& name, const std::map<std::string, std::string>& entries);
  // ec2 filters: Filter.N.Name and Filter.N.Value.M
  Params& AddFilter(const std::string& name, const std::vector<std::string>& values);

  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  // "Action=X&Version=Y&..." form encoding, keys and values percent-encoded.
  std::string FormEncode(const std::string& action, const std::string& version) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
  int filters_ = 0;
};

// Calls `fn` on consecutive batches of at most `n` items (APIs cap how many ids one call takes);
// stops at the first error. Nothing is called for an empty list.
core::Status ForEachBatch(const std::vector<std::string>& items, size_t n,
                          const std::function<core::Status(const std::vector<std::string>&)>& fn);

// An owned, parsed XML answer.
using XmlDoc = std::shared_ptr<pugi::xml_document>;

// kMalformed naming `what` when the text is not well-formed XML.
core::Result<XmlDoc> ParseXml(const std::string& text, const std::string& what);

// The AWS error in an ec2 (<Response><Errors><Error>) or query (<ErrorResponse><Error>) body.
struct AwsError {
  std::string code;
  std::string message;
  std::string request_id;
};
// Empty code when the body holds no recognisable error.
AwsError ParseXmlError(const std::string& body);

// The AWS error in a rest-xml body: <ErrorResponse><Error><Type/><Code/><Message/></Error>
// <RequestId/></ErrorResponse>, or Route 53's <InvalidChangeBatch><Messages><Message/>...
// (code InvalidChangeBatch, the messages joined with "; " as the message).
AwsError ParseRestXmlError(const std::string& body);

// Child-text helpers that tolerate missing elements.
std::string Text(const pugi::xml_node& node, const char* child);
int IntText(const pugi::xml_node& node, const char* child, int fallback = 0);
bool BoolText(const pugi::xml_node& node, const char* child);
// Children of node/child: <member> for query lists, <item> for ec2 lists.
std::vector<pugi::xml_node> ListItems(const pugi::xml_node& node, const char* child);
// The first element anywhere below `node` with that name (answers wrap results differently).
pugi::xml_node Find(const pugi::xml_node& node, const char* name);

}  // namespace rotor::aws
