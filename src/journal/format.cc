#include "journal/format.h"

#include <array>
#include <utility>

namespace rotor::journal {
namespace {

constexpr std::array<std::pair<OperationKind, std::string_view>, 11> kOperationNames{{
    {OperationKind::kRespawn, "respawn"},
    {OperationKind::kPatch, "patch"},
    {OperationKind::kUpgrade, "upgrade"},
    {OperationKind::kUpdateStack, "update-stack"},
    {OperationKind::kUpdateAsgs, "update-asgs"},
    {OperationKind::kReplaceInstance, "replace-instance"},
    {OperationKind::kRedeployBastion, "redeploy-bastion"},
    {OperationKind::kBackup, "backup"},
    {OperationKind::kRestore, "restore"},
    {OperationKind::kRelocate, "relocate"},
    {OperationKind::kImport, "import"},
}};

constexpr std::array<std::pair<RecordKind, std::string_view>, 10> kRecordNames{{
    {RecordKind::kStart, "start"},
    {RecordKind::kResume, "resume"},
    {RecordKind::kIntent, "intent"},
    {RecordKind::kOutcome, "outcome"},
    {RecordKind::kRetry, "retry"},
    {RecordKind::kPaused, "paused"},
    {RecordKind::kInterrupted, "interrupted"},
    {RecordKind::kFinish, "finish"},
    {RecordKind::kNote, "note"},
    {RecordKind::kUnknown, "unknown"},
}};

constexpr std::string_view kGroup = "group/";
constexpr std::string_view kStack = "stack/";
constexpr std::string_view kInstance = "instance/";

}  // namespace

std::string_view OperationKindName(OperationKind kind) {
  for (const auto& [k, name] : kOperationNames) {
    if (k == kind) return name;
  }
  return "respawn";
}

std::optional<OperationKind> ParseOperationKind(std::string_view name) {
  for (const auto& [k, n] : kOperationNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string_view RecordKindName(RecordKind kind) {
  for (const auto& [k, name] : kRecordNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

RecordKind ParseRecordKind(std::string_view name) {
  for (const auto& [k, n] : kRecordNames) {
    if (n == name) return k;
  }
  return RecordKind::kUnknown;
}

std::string GroupResource(std::string_view group) {
  return std::string(kGroup) + std::string(group);
}
std::string StackResource(std::string_view stack) {
  return std::string(kStack) + std::string(stack);
}
std::string InstanceResource(std::string_view id) {
  return std::string(kInstance) + std::string(id);
}

std::string ResourceLabel(std::string_view resource) {
  for (std::string_view type : {kGroup, kStack, kInstance}) {
    if (resource.starts_with(type)) {
      return std::string(type.substr(0, type.size() - 1)) + " " +
             std::string(resource.substr(type.size()));
    }
  }
  return std::string(resource);
}

std::vector<std::string> GroupsOf(const std::vector<std::string>& resources) {
  std::vector<std::string> out;
  for (const std::string& r : resources) {
    if (std::string_view(r).starts_with(kGroup)) out.push_back(r.substr(kGroup.size()));
  }
  return out;
}

std::vector<std::string> GroupResources(const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  for (const std::string& g : groups) out.push_back(GroupResource(g));
  return out;
}

}  // namespace rotor::journal
