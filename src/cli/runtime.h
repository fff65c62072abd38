// The one place where concrete objects are built and wired: global options and the
// environment in, a cloud::Cloud out.
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "aws/aws_cloud.h"
#include "aws/credentials_chain.h"
#include "aws/curl_transport.h"
#include "aws/shared_config.h"
#include "cli/journal_watch.h"
#include "cli/output.h"
#include "cloud/cloud.h"
#include "cloud/pacer.h"
#include "core/clock.h"
#include "core/rng.h"
#include "journal/journal.h"
#include "remote/ssh.h"
#include "sim/sim_cloud.h"

namespace rotor::cli {

struct GlobalOptions {
  std::string profile;
  std::string region;
  std::string endpoint_url;
  std::string output = "table";
  std::string cloud = "aws";      // "aws" or "sim:SCENARIO.yaml"
  std::string events;             // --events FILE or - : JSON lines
  std::string state;              // --state PATH or dynamodb://TABLE; empty: the default
  std::string lease_ttl = "60s";  // --lease-ttl
  // --max-rps: requests per second to each AWS service (I9); Runtime::Create checks it.
  double max_rps = cloud::kDefaultRequestCeiling;
  std::string unreachable_timeout = "30m";  // --unreachable-timeout
  // --ssh-*: how rotor reaches instances (DESIGN.md section 5b).
  std::string ssh_user, ssh_key, ssh_jump, ssh_config;
  std::vector<std::string> ssh_options;  // K=V
  std::string ssh_address = "private";   // private, public or ipv6
  std::string command_line;              // "rotor ARGS...", for the journal (set by RunCommandLine)
  bool yes = false;
  bool dry_run = false;
  bool debug = false;
  bool no_color = false;
};

// Owns the wire (transports, credentials, clients) behind the Cloud it hands out.
class Runtime {
 public:
  // Reads the AWS settings from `env` and the shared config files; builds nothing that talks
  // to AWS until a command asks. Errors: malformed config files, bad region or retry settings.
  // With --cloud sim:FILE, builds a SimCloud from the scenario instead (no AWS settings read).
  // kInvalidArgument when --max-rps is not above 0 and at most 1000.
  static core::Result<std::unique_ptr<Runtime>> Create(const GlobalOptions& options,
                                                       aws::AwsEnv env, std::ostream& debug_out);
  // A runtime for the local journal only (`rollout list|show` on a SQLite file): nothing of AWS
  // is read or built. REQUIRES: cloud() and sim() are not used.
  static std::unique_ptr<Runtime> CreateLocal(const GlobalOptions& options, aws::AwsEnv env);
  // A runtime on the scenario's simulated cloud and its virtual clock, with a pacer of
  // `max_rps` (--max-rps; checked as for Create).
  static core::Result<std::unique_ptr<Runtime>> CreateSim(const std::string& scenario_path,
                                                          double max_rps);

  cloud::Cloud& cloud() { return cloud_->cloud(); }
  core::Clock& clock() { return sim_ ? sim_->clock() : clock_; }
  sim::SimCloud* sim() { return sim_; }  // null on AWS
  const std::string& region() const { return endpoints_.region; }
  const std::map<std::string, int>& call_counts() const { return call_counts_; }
  // Secret values a command was given on its command line (NoEcho parameters as KEY=VALUE):
  // whoever echoes that command line or its output (simulate's report) writes them ****.
  void NoteSecret(const std::string& value) {
    if (!value.empty()) secrets_.push_back(value);
  }
  // `text` with every noted secret written ****.
  std::string Redacted(std::string text) const {
    for (const std::string& s : secrets_) {
      for (size_t at = 0; (at = text.find(s, at)) != std::string::npos; at += 4) {
        text.replace(at, s.size(), "****");
      }
    }
    return text;
  }
  // The run's request pacer (--max-rps): every AWS client uses it; the simulator may.
  cloud::RequestPacer& pacer() { return pacer_; }

  // The journal --state names, opened on first use: a SQLite file (default
  // $XDG_STATE_HOME/rotor/journal.db, else ~/.local/state/rotor/journal.db; in a simulation,
  // memory unless --state is given) or dynamodb://TABLE.
  core::Result<journal::Journal*> journal();
  // The --ssh-* settings, with rotor's own known-hosts file beside the default journal
  // (created on first use). kInvalidArgument for an --ssh-option that is not K=V, an
  // --ssh-address that is not private or public, or no place for the file.
  core::Result<remote::SshSettings> Ssh();
  // The same without the known-hosts file: the flags checked only (the simulator needs no more).
  core::Result<remote::SshSettings> SshFlags() const;
  bool ssh_public_address() const { return ssh_address_ == "public"; }
  const std::string& ssh_address() const { return ssh_address_; }
  // The volumes of another region (backup --copy-to), on the same credentials, endpoint and
  // retry settings, built on first use and owned here. kInvalidArgument in a simulation (its
  // cloud has one region); the region's endpoint errors otherwise.
  core::Result<cloud::Volumes*> VolumesIn(const std::string& region);
  // The runner for commands on instances and ssh: probes (DESIGN.md section 5b), built on first
  // use and owned by the runtime: an OpenSshRunner from Ssh() on AWS; with --cloud sim:FILE a
  // SimRunner, whose commands take the scenario's time on the virtual clock. kInvalidArgument
  // for bad --ssh-* flags (as Ssh()).
  core::Result<remote::Runner*> Remote();
  // Whether `owner` (user@host:pid) ran on this host and its process is gone (journal::OwnerGone).
  static bool LocalOwnerGone(const std::string& owner);
  // user@host:pid, for leases and the journal.
  std::string owner() const;

 private:
  Runtime() = default;
  core::Result<journal::Journal*> OpenJournal();  // the store --state names, unchecked
  core::Result<std::string> StateDir();  // $XDG_STATE_HOME/rotor or ~/.local/state/rotor, made
  void KeepFlags(const GlobalOptions& options);  // --state, --ssh-*

  core::RealClock clock_;
  core::SeededRng rng_{0};
  aws::RetryQuota quota_;
  cloud::RequestPacer pacer_{cloud::kDefaultRequestCeiling};  // set from --max-rps
  std::unique_ptr<aws::CurlTransport> transport_;
  std::unique_ptr<aws::CurlTransport> imds_transport_;
  std::unique_ptr<aws::DefaultCredentialsChain> credentials_;
  std::unique_ptr<aws::ClientContext> context_;
  std::unique_ptr<cloud::Backend> cloud_;
  sim::SimCloud* sim_ = nullptr;  // cloud_, when simulated
  aws::EndpointConfig endpoints_;
  std::map<std::string, int> call_counts_;
  std::vector<std::string> secrets_;
  // Last: the journal may use the wire above.
  std::string state_;
  GlobalOptions ssh_flags_;  // the --ssh-* values (the rest unused)
  std::string ssh_address_ = "private";
  aws::AwsEnv env_;
  std::unique_ptr<aws::AwsClient> dynamo_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<WatchedJournal> watched_;  // around journal_, in a simulation
  std::unique_ptr<remote::Runner> remote_;   // Remote(), once asked for
  // For VolumesIn: how this region's endpoints were found, and the other regions' wire.
  std::string endpoint_flag_;
  aws::Section profile_;
  struct OtherRegion {
    std::unique_ptr<aws::ClientContext> context;
    std::unique_ptr<cloud::Backend> cloud;
  };
  std::map<std::string, OtherRegion> regions_;
};

// Region: --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`.
std::string ResolveRegion(const std::string& flag, const aws::AwsEnv& env,
                          const aws::Section& profile);
// Endpoints: --endpoint-url beats everything; then AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
// and the profile's endpoint_url.
aws::EndpointConfig ResolveEndpoints(const std::string& flag, const std::string& region,
                                     const aws::AwsEnv& env, const aws::Section& profile);

}  // namespace rotor::cli
