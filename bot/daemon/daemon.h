// Daemon: `aasr-bot run` — the whole bot as one process.
//
//   auto d = Daemon::Start({"config/bot.yaml"});   // errors: file:line:column
//   if (!d.ok()) { print FormatErrors(d.errors()); exit 2; }
//   wait for SIGTERM / SIGINT ...
//   d.value()->Stop(std::chrono::seconds(8));     // then exit 0
//
// What runs: one AccountRunner per account (comments in, screened, stored,
// queued, hidden; moderators' decisions carried out), an outreach thread
// (feeds, schedules, the outbox; OutreachRunner), a reload thread, and the
// review server with /healthz, /metrics and the Facebook webhooks mounted.
// Moderation and outreach share one SQLite file (the `database` key).
//
// Hot reload: every `polling.reload_seconds` the watched files (config,
// rules/, posts/, schedules) are stat()ed; on a change everything is loaded
// again as one unit (LoadAll). Valid: rules, posts and schedules swap in
// atomically and changed accounts restart. Invalid: nothing changes, the
// errors (file:line:column) go to the log and to the review UI's status view.
// The database path and the listen address need a restart (logged). SIGHUP
// reloads at once (Reload()).
//
// One daemon per database: Start takes an exclusive lock beside the database
// (db_lock.h) and refuses, naming the holder's pid, when another has it.
//
// Stop(): no new work is started; the threads finish their current step and
// are joined within the budget. A platform call that outlives the budget is
// abandoned: the caller exits anyway, which is safe because every step is
// idempotent and cursors move only after storing.
// Thread safety: Start/Stop from one thread; StatusJson/HealthJson from any.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/config/config.h"
#include "bot/util/clock.h"
#include "bot/util/error.h"

namespace aasr::daemon {

struct DaemonOptions {
  std::string config_path = "config/bot.yaml";
  std::string log_format;  // "text" | "json"; empty: the config's log.format
  config::Env env = config::ProcessEnv;
  std::shared_ptr<const aasr::Clock> clock;  // default: the system clock
  uint64_t seed = 0;                        // jitter; 0: from the clock
};

class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> Start(const DaemonOptions& options);
  ~Daemon();

  // Returns true when every thread finished within `budget`.
  bool Stop(std::chrono::milliseconds budget);

  const std::string& url() const;            // the review server
  nlohmann::json StatusJson() const;         // the review UI's status view
  nlohmann::json HealthJson() const;         // GET /healthz
  std::string MetricsText() const;           // GET /metrics
  // Checks the watched files now (tests; the reload thread does this itself).
  void CheckReload();
  // Loads every watched file again now, changed or not, exactly as a change
  // would (all or nothing; errors logged and shown). `aasr-bot run` calls it
  // on SIGHUP (systemctl reload).
  void Reload();

  struct Impl;

 private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Creates the moderator "admin" with a random password when there is no
// moderator yet; returns the password ("" when one existed).
Result<std::string> EnsureFirstAdmin(const std::string& database, const std::shared_ptr<const aasr::Clock>& clock);

}  // namespace aasr::daemon
