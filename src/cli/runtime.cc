#include "cli/runtime.h"

#include <fmt/format.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <ostream>

#include "cli/sim_runner.h"
#include "core/strings.h"
#include "journal/dynamodb_journal.h"
#include "journal/memory_journal.h"
#include "journal/sqlite_journal.h"

namespace rotor::cli {
namespace {

std::string Key(const aws::Section& s, const std::string& k) {
  auto it = s.find(k);
  return it == s.end() ? "" : it->second;
}

core::Result<int> MaxAttempts(const aws::AwsEnv& env, const aws::Section& profile) {
  std::string v = env.Get("AWS_MAX_ATTEMPTS");
  std::string where = "AWS_MAX_ATTEMPTS";
  if (v.empty()) v = Key(profile, "max_attempts"), where = "max_attempts in the profile";
  if (v.empty()) return 0;
  if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 3 || std::stoi(v) < 1) {
    return core::InvalidArgument(
        fmt::format("{} is '{}'; it must be a whole number from 1 to 50", where, v));
  }
  return std::stoi(v);
}

// --max-rps: above 0 (rotor always paces itself) and at most 1000; NaN and inf fail both tests.
core::Status CheckMaxRps(double max_rps) {
  if (max_rps > 0 && max_rps <= cloud::kMaxRequestCeiling) return core::Status::Ok();
  return core::InvalidArgument(
      fmt::format("--max-rps {} is out of range: give requests per second above 0 and at most {}",
                  max_rps, cloud::kMaxRequestCeiling));
}

}  // namespace

std::string ResolveRegion(const std::string& flag, const aws::AwsEnv& env,
                          const aws::Section& profile) {
  for (const std::string& v :
       {flag, env.Get("AWS_REGION"), env.Get("AWS_DEFAULT_REGION"), Key(profile, "region")}) {
    if (!v.empty()) return v;
  }
  return "";
}

aws::EndpointConfig ResolveEndpoints(const std::string& flag, const std::string& region,
                                     const aws::AwsEnv& env, const aws::Section& profile) {
  aws::EndpointConfig config;
  config.region = region;
  if (!flag.empty()) {
    config.endpoint_url = flag;
    return config;
  }
  for (const auto& [k, v] : env.vars) {
    if (core::StartsWith(k, "AWS_ENDPOINT_URL_") && !v.empty()) {
      config.service_urls[k.substr(strlen("AWS_ENDPOINT_URL_"))] = v;
    }
  }
  config.endpoint_url = env.Get("AWS_ENDPOINT_URL");
  if (config.endpoint_url.empty()) config.endpoint_url = Key(profile, "endpoint_url");
  return config;
}

std::unique_ptr<Runtime> Runtime::CreateLocal(const GlobalOptions& options, aws::AwsEnv env) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->KeepFlags(options);
  rt->env_ = std::move(env);
  return rt;
}

core::Result<std::unique_ptr<Runtime>> Runtime::CreateSim(const std::string& scenario_path,
                                                          double max_rps) {
  RETURN_IF_ERROR(CheckMaxRps(max_rps));
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->pacer_ = cloud::RequestPacer(max_rps);
  ASSIGN_OR_RETURN(sim::Scenario scenario, sim::LoadScenario(scenario_path));
  auto sim = std::make_unique<sim::SimCloud>(scenario);
  sim->SetRequestCeiling(max_rps);  // the simulated wire paces as AwsClient does
  rt->sim_ = sim.get();
  rt->endpoints_.region = scenario.region;
  rt->cloud_ = std::move(sim);
  return rt;
}

core::Result<std::unique_ptr<Runtime>> Runtime::Create(const GlobalOptions& options,
                                                       aws::AwsEnv env, std::ostream& debug_out) {
  if (core::StartsWith(options.cloud, "sim:")) {
    ASSIGN_OR_RETURN(auto rt, CreateSim(options.cloud.substr(4), options.max_rps));
    rt->KeepFlags(options);
    rt->env_ = env;
    return rt;
  }
  if (options.cloud != "aws") {
    return core::InvalidArgument(fmt::format(
        "--cloud '{}' is not a cloud: use aws (the default) or sim:SCENARIO.yaml", options.cloud));
  }
  RETURN_IF_ERROR(CheckMaxRps(options.max_rps));
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->pacer_ = cloud::RequestPacer(options.max_rps);
  rt->KeepFlags(options);
  rt->env_ = env;
  ASSIGN_OR_RETURN(aws::SharedConfig shared, aws::LoadSharedConfig(env));
  std::string profile_name = aws::SelectedProfile(env, options.profile);
  aws::Section profile = shared.Profile(profile_name);
  std::string region = ResolveRegion(options.region, env, profile);
  rt->endpoints_ = ResolveEndpoints(options.endpoint_url, region, env, profile);
  rt->endpoint_flag_ = options.endpoint_url;
  rt->profile_ = profile;
  ASSIGN_OR_RETURN(int max_attempts, MaxAttempts(env, profile));
  std::string retry_mode = env.Get("AWS_RETRY_MODE");
  if (retry_mode.empty()) retry_mode = Key(profile, "retry_mode");

  rt->rng_ = core::SeededRng(static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count() ^ getpid()));
  rt->transport_ = std::make_unique<aws::CurlTransport>();
  aws::CurlOptions imds{std::chrono::seconds(1), std::chrono::seconds(1)};
  rt->imds_transport_ = std::make_unique<aws::CurlTransport>(imds);
  aws::DebugSink debug;
  if (options.debug) debug = [&debug_out](const std::string& line) { debug_out << line << "\n"; };

  aws::ChainOptions chain;
  chain.env = env;
  chain.config = shared;
  chain.profile = profile_name;
  chain.profile_explicit = !options.profile.empty();
  chain.endpoints = rt->endpoints_;
  chain.transport = rt->transport_.get();
  chain.imds_transport = rt->imds_transport_.get();
  chain.clock = &rt->clock_;
  chain.rng = &rt->rng_;
  chain.quota = &rt->quota_;
  chain.pacer = &rt->pacer_;
  chain.debug = debug;
  rt->credentials_ = std::make_unique<aws::DefaultCredentialsChain>(std::move(chain));
  rt->context_.reset(new aws::ClientContext{*rt->transport_, *rt->credentials_, rt->clock_,
                                            rt->rng_, rt->quota_, rt->endpoints_, retry_mode,
                                            max_attempts, debug, &rt->call_counts_, &rt->pacer_});
  ASSIGN_OR_RETURN(rt->cloud_, aws::AwsCloud::Create(*rt->context_));
  return rt;
}

core::Result<cloud::Volumes*> Runtime::VolumesIn(const std::string& region) {
  if (sim_ || !context_) {
    return core::InvalidArgument(
        fmt::format("the simulated cloud has one region ({}): it cannot reach {}",
                    endpoints_.region, region));
  }
  auto it = regions_.find(region);
  if (it == regions_.end()) {
    OtherRegion other{std::make_unique<aws::ClientContext>(*context_), nullptr};
    other.context->endpoints = ResolveEndpoints(endpoint_flag_, region, env_, profile_);
    ASSIGN_OR_RETURN(other.cloud, aws::AwsCloud::Create(*other.context));
    it = regions_.emplace(region, std::move(other)).first;
  }
  return &it->second.cloud->cloud().volumes;
}

core::Result<journal::Journal*> Runtime::journal() {
  if (watched_) return watched_.get();
  if (journal_ && !sim_) return journal_.get();
  ASSIGN_OR_RETURN(journal::Journal * store, OpenJournal());
  if (!sim_) return store;
  // In a simulation every record is checked as it is appended (I8); a violation is reported
  // with the others.
  watched_ = std::make_unique<WatchedJournal>(
      *store, [sim = sim_] { return sim->instances_known(); },
      [sim = sim_](std::string v) {
        sim->AddViolation(std::move(v));
        return true;
      });
  return watched_.get();
}

core::Result<journal::Journal*> Runtime::OpenJournal() {
  if (state_.empty() && sim_) {
    journal_ = std::make_unique<journal::MemoryJournal>();  // a rehearsal leaves no trace
    return journal_.get();
  }
  if (core::StartsWith(state_, "dynamodb://")) {
    std::string table = state_.substr(11);
    if (table.empty() || table.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                                                 "WXYZ0123456789_.-") != std::string::npos) {
      return core::InvalidArgument(fmt::format(
          "--state '{}': a DynamoDB table name is 3-255 letters, digits, '_', '-' or '.'", state_));
    }
    if (!context_) {
      return core::InvalidArgument(
          "--state dynamodb://TABLE needs AWS: it cannot be used with --cloud sim:FILE");
    }
    ASSIGN_OR_RETURN(aws::AwsClient client, aws::AwsClient::Create(aws::kDynamoDb, *context_));
    dynamo_ = std::make_unique<aws::AwsClient>(std::move(client));
    journal::DynamoCall call = [this](const std::string& op, const nlohmann::json& body) {
      return dynamo_->Json("DynamoDB_20120810", op, body);
    };
    ASSIGN_OR_RETURN(auto j, journal::DynamoDbJournal::Open(call, table, clock_));
    journal_ = std::move(j);
    return journal_.get();
  }
  std::string path = state_;
  if (path.empty()) {
    ASSIGN_OR_RETURN(std::string dir, StateDir());
    path = dir + "/journal.db";
  }
  ASSIGN_OR_RETURN(auto j, journal::SqliteJournal::Open(path));
  journal_ = std::move(j);
  return journal_.get();
}

bool Runtime::LocalOwnerGone(const std::string& owner) {
  size_t at = owner.rfind('@');
  size_t colon = owner.rfind(':');
  if (at == std::string::npos || colon == std::string::npos || colon < at) return false;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  if (owner.substr(at + 1, colon - at - 1) != host) return false;
  std::string digits = owner.substr(colon + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  long pid = std::strtol(digits.c_str(), nullptr, 10);
  if (pid <= 0 || pid == getpid()) return false;
  // kill(pid, 0) sends nothing: it only asks whether the process exists (EPERM: it does).
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

std::string Runtime::owner() const {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  // The account of the effective user id: $USER may be unset (cron, containers) or stale (sudo).
  std::string user;
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) user = pw->pw_name;
  if (user.empty()) user = env_.Get("USER");
  if (user.empty()) user = fmt::format("uid{}", geteuid());
  return fmt::format("{}@{}:{}", user, host, getpid());
}

void Runtime::KeepFlags(const GlobalOptions& options) {
  state_ = options.state;
  ssh_flags_ = options;
  ssh_address_ = options.ssh_address;
}

core::Result<std::string> Runtime::StateDir() {
  std::string base = env_.Get("XDG_STATE_HOME");
  if (base.empty()) {
    std::string home = env_.Get("HOME");
    if (home.empty()) {
      return core::InvalidArgument(
          "no place for rotor's state: set HOME or XDG_STATE_HOME, or pass --state PATH");
    }
    base = home + "/.local/state";
  }
  std::string dir = base + "/rotor";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return core::InvalidArgument(
        fmt::format("cannot create rotor's state directory {}: {}", dir, ec.message()));
  }
  return dir;
}

core::Result<remote::SshSettings> Runtime::SshFlags() const {
  const GlobalOptions& o = ssh_flags_;
  if (o.ssh_address != "private" && o.ssh_address != "public" && o.ssh_address != "ipv6") {
    return core::InvalidArgument(
        fmt::format("--ssh-address '{}' is not private, public or ipv6", o.ssh_address));
  }
  remote::SshSettings s;
  s.user = o.ssh_user;
  s.key_file = o.ssh_key;
  s.jump = o.ssh_jump;
  s.config_file = o.ssh_config;
  for (const std::string& kv : o.ssh_options) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::InvalidArgument(
          fmt::format("--ssh-option '{}' is not K=V (e.g. --ssh-option Port=2222)", kv));
    }
    s.options.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return s;
}

core::Result<remote::SshSettings> Runtime::Ssh() {
  ASSIGN_OR_RETURN(remote::SshSettings s, SshFlags());
  ASSIGN_OR_RETURN(std::string dir, StateDir());
  s.known_hosts = dir + "/known_hosts";
  return s;
}

core::Result<remote::Runner*> Runtime::Remote() {
  if (remote_) return remote_.get();
  if (sim_) {
    RETURN_IF_ERROR(SshFlags().status());  // checked as on AWS, though nothing reads them
    remote_ = std::make_unique<SimRunner>(*sim_);
    return remote_.get();
  }
  ASSIGN_OR_RETURN(remote::SshSettings settings, Ssh());
  remote_ = std::make_unique<remote::OpenSshRunner>(std::move(settings));
  return remote_.get();
}

}  // namespace rotor::cli
