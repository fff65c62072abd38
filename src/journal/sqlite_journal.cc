#include "journal/sqlite_journal.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace rotor::journal {
namespace {

int64_t Ms(core::Time t) { return t.time_since_epoch().count(); }
core::Time FromMs(int64_t ms) { return core::Time(core::Duration(ms)); }

}  // namespace

// Prepared statements, prepared once per connection (parsing SQL costs more than running it).
struct SqliteJournal::Statements {
  sqlite3* db = nullptr;
  std::map<const char*, sqlite3_stmt*> prepared;
  ~Statements() {
    for (auto& [sql, stmt] : prepared) sqlite3_finalize(stmt);
  }
};

namespace {

// One use of a cached statement; reset (and its bindings cleared) on every path.
class Stmt {
 public:
  Stmt(SqliteJournal::Statements& cache, const char* sql) {
    auto it = cache.prepared.find(sql);
    if (it != cache.prepared.end()) {
      stmt_ = it->second;
      return;
    }
    rc_ = sqlite3_prepare_v2(cache.db, sql, -1, &stmt_, nullptr);
    if (rc_ == SQLITE_OK) cache.prepared[sql] = stmt_;
  }
  ~Stmt() {
    if (rc_ != SQLITE_OK) {
      sqlite3_finalize(stmt_);
      return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool prepared() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return prepared() ? sqlite3_step(stmt_) : rc_; }
  std::string Text(int col) {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rollouts (
  id TEXT PRIMARY KEY, command TEXT, owner TEXT, resources TEXT, policy TEXT, status TEXT,
  pause_requested INTEGER, started INTEGER, updated INTEGER, kind TEXT NOT NULL DEFAULT 'respawn');
CREATE TABLE IF NOT EXISTS records (
  rollout TEXT, seq INTEGER, t INTEGER, grp TEXT, kind TEXT, text TEXT, data TEXT,
  PRIMARY KEY (rollout, seq));
CREATE TABLE IF NOT EXISTS leases (
  resource TEXT PRIMARY KEY, owner TEXT, rollout TEXT, token INTEGER, expires INTEGER);
)";

// Schema 1 to 2: rollouts name resources and have a kind (every old one was a respawn); leases
// are keyed by resource. Runs inside the transaction that checks the version.
constexpr const char* kMigrate1To2 = R"(
ALTER TABLE rollouts RENAME COLUMN groups TO resources;
ALTER TABLE rollouts ADD COLUMN kind TEXT NOT NULL DEFAULT 'respawn';
ALTER TABLE leases RENAME COLUMN grp TO resource;
UPDATE leases SET resource = 'group/' || resource;
)";

// Statements are cached by address: each is one constant.
#define ROTOR_ROLLOUT_COLUMNS \
  "id, command, owner, resources, policy, status, pause_requested, started, updated, kind"
constexpr const char* kGetRollout = "SELECT " ROTOR_ROLLOUT_COLUMNS " FROM rollouts WHERE id = ?";
constexpr const char* kListRollouts =
    "SELECT " ROTOR_ROLLOUT_COLUMNS " FROM rollouts ORDER BY started DESC, id DESC";
#undef ROTOR_ROLLOUT_COLUMNS

RolloutInfo RolloutFrom(Stmt& s) {
  RolloutInfo r;
  r.id = s.Text(0);
  r.command = s.Text(1);
  r.owner = s.Text(2);
  auto resources = nlohmann::json::parse(s.Text(3), nullptr, false);
  if (resources.is_array()) {
    for (const auto& g : resources) {
      if (g.is_string()) r.resources.push_back(g.get<std::string>());
    }
  }
  r.policy = s.Text(4);
  r.status = s.Text(5);
  r.pause_requested = s.Int(6) != 0;
  r.started = FromMs(s.Int(7));
  r.updated = FromMs(s.Int(8));
  r.kind = ParseOperationKind(s.Text(9)).value_or(OperationKind::kRespawn);
  return r;
}

// The held lease of a row (released rows keep their token with an empty owner).
std::optional<Lease> LeaseFrom(Stmt& s, const std::string& resource) {
  if (s.Text(0).empty()) return std::nullopt;
  return Lease{resource, s.Text(0), s.Text(1), s.Int(2), FromMs(s.Int(3))};
}

}  // namespace

core::Result<std::unique_ptr<SqliteJournal>> SqliteJournal::Open(const std::string& path) {
  // A file that exists but is not SQLite is refused before SQLite may touch it.
  std::ifstream probe(path, std::ios::binary);
  if (probe) {
    char header[16] = {};
    probe.read(header, sizeof header);
    if (probe.gcount() > 0 && std::memcmp(header, "SQLite format 3", 16) != 0) {
      return core::InvalidArgument(fmt::format(
          "journal {} is not an SQLite database: rotor never overwrites it; move it aside or "
          "pick another --state",
          path));
    }
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<SqliteJournal> j(new SqliteJournal(db, path));
  if (rc != SQLITE_OK) return j->Error("cannot open");
  RETURN_IF_ERROR(j->Init());
  return j;
}

SqliteJournal::SqliteJournal(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)), statements_(std::make_unique<Statements>()) {
  statements_->db = db;
}

SqliteJournal::~SqliteJournal() {
  statements_.reset();  // finalized before the connection closes
  sqlite3_close(db_);
}

core::Status SqliteJournal::Error(const std::string& what) {
  int rc = sqlite3_errcode(db_);
  std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
    return core::InvalidArgument(fmt::format(
        "journal {} is damaged ({}: {}): rotor never resets it; keep it for the record, move it "
        "aside and pick another --state",
        path_, what, msg));
  }
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return core::Status(
        core::Code::kUnavailable,
        fmt::format("journal {} is busy ({}): another rotor holds it; try again", path_, what));
  }
  return core::Status(core::Code::kUnavailable,
                      fmt::format("journal {}: {}: {}", path_, what, msg));
}

core::Status SqliteJournal::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
  return core::Status::Ok();
}

core::Status SqliteJournal::Init() {
  // Other rotors may hold the file briefly: wait for them rather than fail.
  sqlite3_busy_timeout(db_, 10000);
  RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
  // NORMAL in WAL mode: a commit survives a killed process, and the WAL reaches the disk at
  // checkpoints; durable records switch to FULL for their own commit (which syncs the WAL,
  // everything before them included).
  RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
  {
    Stmt check(*statements_, "PRAGMA quick_check");
    int rc = check.Step();
    if (rc != SQLITE_ROW) return Error("integrity check");
    if (check.Text(0) != "ok") {
      return core::InvalidArgument(fmt::format(
          "journal {} is damaged ({}): rotor never resets it; keep it for the record, move it "
          "aside and pick another --state",
          path_, check.Text(0)));
    }
  }
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  core::Status made = Exec(kSchema);
  if (made.ok()) {
    Stmt get(*statements_, "SELECT value FROM meta WHERE key = 'schema'");
    int rc = get.Step();
    if (rc == SQLITE_ROW) {
      int version = std::atoi(get.Text(0).c_str());
      if (version > kSchemaVersion) {
        made = core::InvalidArgument(fmt::format(
            "journal {} was written by a newer rotor (schema {}, this rotor knows up to {}): "
            "use that rotor, or upgrade this one",
            path_, version, kSchemaVersion));
      } else if (version < kSchemaVersion) {
        made = Migrate(version);
      }
    } else if (rc == SQLITE_DONE) {
      Stmt put(*statements_, "INSERT INTO meta (key, value) VALUES ('schema', ?)");
      put.Bind(1, std::to_string(kSchemaVersion));
      if (put.Step() != SQLITE_DONE) made = Error("write the schema version");
    } else {
      made = Error("read the schema version");
    }
  }
  if (!made.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return made;
  }
  return Exec("COMMIT");
}

// REQUIRES: inside the transaction of Init; `from` < kSchemaVersion.
core::Status SqliteJournal::Migrate(int from) {
  if (from != 1) {
    return core::InvalidArgument(fmt::format(
        "journal {} has schema {}, which this rotor cannot migrate: use the rotor that wrote it",
        path_, from));
  }
  RETURN_IF_ERROR(Exec(kMigrate1To2));
  // Each rollout's group names become resources (JSON, so rewritten here rather than in SQL).
  std::vector<std::pair<std::string, std::string>> rewritten;
  {
    Stmt all(*statements_, "SELECT id, resources FROM rollouts");
    int rc;
    while ((rc = all.Step()) == SQLITE_ROW) {
      auto groups = nlohmann::json::parse(all.Text(1), nullptr, false);
      nlohmann::json resources = nlohmann::json::array();
      if (groups.is_array()) {
        for (const auto& g : groups) {
          if (g.is_string()) resources.push_back(GroupResource(g.get<std::string>()));
        }
      }
      rewritten.emplace_back(all.Text(0), resources.dump());
    }
    if (rc != SQLITE_DONE) return Error("migrate rollouts");
  }
  for (const auto& [id, resources] : rewritten) {
    Stmt put(*statements_, "UPDATE rollouts SET resources = ? WHERE id = ?");
    put.Bind(1, resources).Bind(2, id);
    if (put.Step() != SQLITE_DONE) return Error("migrate rollout " + id);
  }
  Stmt version(*statements_, "UPDATE meta SET value = ? WHERE key = 'schema'");
  version.Bind(1, std::to_string(kSchemaVersion));
  return version.Step() == SQLITE_DONE ? core::Status::Ok() : Error("write the schema version");
}

core::Status SqliteJournal::CreateRollout(const RolloutInfo& r) {
  Stmt s(*statements_,
         "INSERT INTO rollouts (id, command, owner, resources, policy, status, pause_requested, "
         "started, updated, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, r.id).Bind(2, r.command).Bind(3, r.owner).Bind(4, nlohmann::json(r.resources).dump());
  s.Bind(5, r.policy).Bind(6, r.status).Bind(7, int64_t{r.pause_requested});
  s.Bind(8, Ms(r.started)).Bind(9, Ms(r.updated));
  s.Bind(10, std::string(OperationKindName(r.kind)));
  int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("rollout {} already exists in journal {}", r.id, path_));
  }
  return rc == SQLITE_DONE ? core::Status::Ok() : Error("create rollout " + r.id);
}

core::Result<RolloutInfo> SqliteJournal::GetRollout(const std::string& id) {
  Stmt s(*statements_, kGetRollout);
  s.Bind(1, id);
  int rc = s.Step();
  if (rc == SQLITE_ROW) return RolloutFrom(s);
  if (rc == SQLITE_DONE) {
    return core::NotFound(
        fmt::format("no rollout {} in journal {} (see `rotor rollout list`)", id, path_));
  }
  return Error("read rollout " + id);
}

core::Result<std::vector<RolloutInfo>> SqliteJournal::ListRollouts() {
  Stmt s(*statements_, kListRollouts);
  std::vector<RolloutInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(RolloutFrom(s));
  if (rc != SQLITE_DONE) return Error("list rollouts");
  return out;
}

core::Status SqliteJournal::SetStatus(const std::string& id, const std::string& status,
                                      core::Time now) {
  Stmt s(*statements_, "UPDATE rollouts SET status = ?, updated = ? WHERE id = ?");
  s.Bind(1, status).Bind(2, Ms(now)).Bind(3, id);
  if (s.Step() != SQLITE_DONE) return Error("update rollout " + id);
  if (sqlite3_changes(db_) == 0) return core::NotFound("no rollout " + id + " in the journal");
  return core::Status::Ok();
}

core::Status SqliteJournal::RequestPause(const std::string& id, bool pause) {
  Stmt s(*statements_, "UPDATE rollouts SET pause_requested = ? WHERE id = ?");
  s.Bind(1, int64_t{pause}).Bind(2, id);
  if (s.Step() != SQLITE_DONE) return Error("update rollout " + id);
  if (sqlite3_changes(db_) == 0) return core::NotFound("no rollout " + id + " in the journal");
  return core::Status::Ok();
}

// One INSERT, atomic on its own. The next sequence number is remembered; another rotor
// appending to the same rollout (a take-over) makes the INSERT collide with the primary key,
// and the number is read again.
core::Status SqliteJournal::Append(Record& r) {
  constexpr int kMaxCollisions = 20;
  for (int attempt = 0; attempt < kMaxCollisions; ++attempt) {
    auto known = next_seq_.find(r.rollout);
    if (known == next_seq_.end()) {
      Stmt next(*statements_, "SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE rollout = ?");
      next.Bind(1, r.rollout);
      if (next.Step() != SQLITE_ROW) return Error("append");
      known = next_seq_.emplace(r.rollout, next.Int(0)).first;
    }
    r.seq = known->second;
    Stmt s(*statements_,
           "INSERT INTO records (rollout, seq, t, grp, kind, text, data) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, r.rollout).Bind(2, r.seq).Bind(3, Ms(r.t)).Bind(4, r.group);
    s.Bind(5, std::string(RecordKindName(r.kind)));
    s.Bind(6, r.text).Bind(7, r.data);
    if (r.durable) RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
    int rc = s.Step();
    if (r.durable) RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    if (rc == SQLITE_DONE) {
      ++known->second;
      return core::Status::Ok();
    }
    if ((rc & 0xff) != SQLITE_CONSTRAINT) return Error("append");
    next_seq_.erase(known);  // someone else appended: look again
  }
  return core::Status(
      core::Code::kUnavailable,
      fmt::format("journal {}: too many concurrent appends to rollout {}", path_, r.rollout));
}

core::Result<std::vector<Record>> SqliteJournal::Read(const std::string& rollout) {
  Stmt s(*statements_,
         "SELECT seq, t, grp, kind, text, data FROM records WHERE rollout = ? ORDER BY seq");
  s.Bind(1, rollout);
  std::vector<Record> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({FromMs(s.Int(1)), rollout, s.Int(0), s.Text(2), ParseRecordKind(s.Text(3)),
                   s.Text(4), s.Text(5)});
  }
  if (rc != SQLITE_DONE) return Error("read rollout " + rollout);
  return out;
}

// Lease changes run in one IMMEDIATE transaction: read the row, decide, write.
core::Result<Lease> SqliteJournal::TakeLease(const std::string& resource, const std::string& owner,
                                             const std::string& rollout, core::Duration ttl,
                                             core::Time now, bool force) {
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto decided = [&]() -> core::Result<Lease> {
    Stmt get(*statements_, "SELECT owner, rollout, token, expires FROM leases WHERE resource = ?");
    get.Bind(1, resource);
    int rc = get.Step();
    int64_t token = 0;
    if (rc == SQLITE_ROW) {
      std::optional<Lease> held = LeaseFrom(get, resource);
      if (held && held->expires > now && !force) return HeldBy(*held, now);
      token = get.Int(2);
    } else if (rc != SQLITE_DONE) {
      return Error("read lease " + resource);
    }
    Lease l{resource, owner, rollout, token + 1, now + ttl};
    Stmt put(*statements_,
             "INSERT OR REPLACE INTO leases (resource, owner, rollout, token, expires) "
             "VALUES (?, ?, ?, ?, ?)");
    put.Bind(1, resource).Bind(2, owner).Bind(3, rollout).Bind(4, l.token).Bind(5, Ms(l.expires));
    if (put.Step() != SQLITE_DONE) return Error("write lease " + resource);
    return l;
  }();
  if (!decided.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return decided.status();
  }
  RETURN_IF_ERROR(Exec("COMMIT"));
  return decided;
}

core::Result<Lease> SqliteJournal::RenewLease(const Lease& lease, core::Duration ttl,
                                              core::Time now) {
  Stmt s(*statements_,
         "UPDATE leases SET expires = ? WHERE resource = ? AND token = ? AND owner != ''");
  s.Bind(1, Ms(now + ttl)).Bind(2, lease.resource).Bind(3, lease.token);
  if (s.Step() != SQLITE_DONE) return Error("renew lease " + lease.resource);
  if (sqlite3_changes(db_) == 1) {
    Lease l = lease;
    l.expires = now + ttl;
    return l;
  }
  ASSIGN_OR_RETURN(std::optional<Lease> held, GetLease(lease.resource));
  return Lost(lease.resource, held, now);
}

core::Status SqliteJournal::ReleaseLease(const Lease& lease) {
  Stmt s(
      *statements_,
      "UPDATE leases SET owner = '', rollout = '', expires = 0 WHERE resource = ? AND token = ?");
  s.Bind(1, lease.resource).Bind(2, lease.token);
  return s.Step() == SQLITE_DONE ? core::Status::Ok() : Error("release lease " + lease.resource);
}

core::Result<std::optional<Lease>> SqliteJournal::GetLease(const std::string& resource) {
  Stmt get(*statements_, "SELECT owner, rollout, token, expires FROM leases WHERE resource = ?");
  get.Bind(1, resource);
  int rc = get.Step();
  if (rc == SQLITE_ROW) return LeaseFrom(get, resource);
  if (rc == SQLITE_DONE) return std::optional<Lease>();
  return Error("read lease " + resource);
}

}  // namespace rotor::journal
