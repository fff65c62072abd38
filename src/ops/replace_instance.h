// `rotor replace-instance` (DESIGN.md section 7b): a persistent, hand-tended host moved onto a
// fresh instance as one journaled, resumable, reversible runbook. Launch NAME-new like the old
// one (same subnet, so the same zone as its data volumes; the new image; an encrypted root of
// the size asked; termination protection on); wait until it answers and is ready; copy files
// and run the local preparation; *outage begins*: stop the services on the old host, unmount
// the data volumes and sync, snapshot them, move each to the new instance at the same device,
// mount them there, move the elastic IPs, repoint the A/AAAA records (AAAA to the new IPv6
// addresses), start the services on the new host, wait for readiness; *outage ends*; run the
// local follow-up; rename (old NAME-old, new NAME); stop the old instance, protection kept.
// `rotor rollout finish ID` (or --keep-old elapsed) terminates the old one later.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud.h"
#include "core/clock.h"
#include "journal/journal.h"
#include "ops/host_plan.h"
#include "ops/host_steps.h"
#include "ops/image_choice.h"
#include "remote/ssh.h"
#include "runbook/step.h"

namespace rotor::ops {

// What the operator asked for: flags, or a --plan file's role with flags over it.
struct ReplaceRequest {
  std::string instance;                    // an id or the value of its Name tag
  std::optional<ImageRequest> image;       // --image; absent: the image it runs now
  std::string instance_type;               // --instance-type; "": the old one's
  int root_size_gib = 0;                   // --root-size; 0: the old root's size
  std::vector<std::string> volumes;        // --volume VOL | tag:K=V; empty: every non-root volume
  std::vector<std::string> addresses;      // --address EIP (allocation id or IP); empty: all
  std::vector<std::string> dns;            // --dns NAME; empty: every record naming the old host
  std::vector<std::string> stop;           // --stop CMD, on the old host, in order
  std::vector<std::string> start;          // --start CMD, on the new host, in order
  std::vector<std::string> copy;           // --copy PATH, old host to new, before the outage
  std::vector<std::string> prepare;        // --prepare CMD, locally, before the outage
  std::vector<std::string> after;          // --after CMD, locally, after it
  bool unmount = true;                     // --unmount auto (true) | none
  std::vector<std::string> probes;         // --probe: readiness of the new host
  std::string probe_address = "private";   // --probe-address
  std::optional<core::Duration> keep_old;  // --keep-old: terminate the old host after this
  AddressKind address = AddressKind::kPrivate;  // --ssh-address
  core::Duration health_timeout = std::chrono::minutes(15);
};

struct ReplacePlan {
  std::string operation_id;
  // Set for `rotor rollout finish`: the replace-instance operation whose old host this one
  // terminates (its only step); the other fields but `old` are then empty.
  std::string finish_of;
  cloud::Host old;  // as the plan found it
  cloud::LaunchLike launch;
  std::string image_why;
  std::vector<MovedVolume> volumes;
  std::vector<cloud::ElasticIp> addresses;
  std::vector<cloud::DnsRecord> records;  // repointed (they name non-elastic addresses)
  std::vector<std::string> following;     // records naming an elastic IP: they follow it
  std::vector<std::string> left;          // routing-policy records rotor leaves to a person
  std::vector<std::string> stop, start, copy, prepare, after;
  bool unmount = true;
  std::vector<std::string> probes;
  std::string probe_address = "private";
  std::optional<core::Duration> keep_old;
  AddressKind address = AddressKind::kPrivate;
  core::Duration health_timeout = std::chrono::minutes(15);
};

// Looks at the host, its volumes, addresses, records and image, and at what is mounted on it
// (over ssh, for --unmount auto). Refuses, changing nothing: kNotFound / kAmbiguous for
// INSTANCE; kInvalidArgument for a request that does not fit (a volume in another zone or not
// attached to the host, an image of another architecture, a root smaller than the image's, an
// elastic IP held by another instance, a record outside the account's zones, a group member, a
// host that is not running, a volume whose file systems cannot be found).
core::Result<ReplacePlan> PlanReplace(cloud::Cloud& cloud, remote::Runner& runner,
                                      const ReplaceRequest& request,
                                      const std::string& operation_id, core::Time now);

// The plan's lines (commands shown with what is known expanded), and the outage estimate.
std::vector<std::string> DescribeReplace(const ReplacePlan& plan);
core::Duration EstimateOutage(const ReplacePlan& plan);

// The resources the operation leases: the instance and every volume that moves.
std::vector<std::string> ReplaceResources(const ReplacePlan& plan);

// `rotor rollout finish ID`: the old host of a completed replace-instance terminated (its
// termination protection off first), as an operation of its own whose plan names the one it
// finishes. kInvalidArgument for an operation that is not a completed replace-instance, or one
// finished already; kFailedPrecondition when the old host runs again or holds a moved volume
// (someone put it back in service: a person decides).
core::Result<ReplacePlan> PlanFinish(cloud::Cloud& cloud, journal::Journal& journal,
                                     const std::string& of, const std::string& operation_id);

// The completed replace-instance operations on `host` (their old host, or the new one) whose
// --keep-old has passed by `now` and that no finish has ended yet, oldest first.
core::Result<std::vector<std::string>> FinishesDue(journal::Journal& journal,
                                                   const cloud::Host& host, core::Time now);

// The plan as the journal keeps it, and back (kInvalidArgument for a damaged one).
std::string ReplacePlanToJson(const ReplacePlan& plan);
core::Result<ReplacePlan> ReplacePlanFromJson(const std::string& text);

// `{old.id}`, `{new.private_ip}`, ... in `text` replaced from the two hosts (`new_host` may be
// absent: its fields stay as written), and `{env:NAME}` from rotor's own environment (`env`
// absent: it stays as written), so a secret never sits in a command rotor journals or prints.
// `${VAR}` and other braces are the shell's. kInvalidArgument naming an unknown placeholder or
// a variable `env` lacks.
core::Result<std::string> ExpandCommand(const std::string& text, const cloud::Host& old_host,
                                        const cloud::Host* new_host, const std::string& name,
                                        const std::map<std::string, std::string>* env = nullptr);

// kInvalidArgument when a command (`flag` names where it came from) seems to hold a secret
// itself (PASSWORD=..., TOKEN=..., a private key): rotor journals commands, so such a value
// must come through {env:NAME}.
core::Status CheckNoSecret(const std::string& flag, const std::string& command);

// What the steps need from the command that runs them, none of it journaled.
struct ReplaceHooks {
  // The new host's readiness (--probe); empty: none beyond ssh answering.
  std::function<core::Status(const cloud::Instance&)> probe;
  std::function<core::Status()> keep_lease;  // renewed at every poll of a long wait
  std::map<std::string, std::string> env;    // rotor's environment, for {env:NAME}
};

// The runbook's steps, in order. REQUIRES: every reference outlives them.
std::vector<std::unique_ptr<runbook::Step>> ReplaceSteps(cloud::Cloud& cloud, core::Clock& clock,
                                                         remote::Runner& runner,
                                                         const ReplacePlan& plan,
                                                         ReplaceHooks hooks);

}  // namespace rotor::ops
