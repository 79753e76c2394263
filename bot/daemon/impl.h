// Daemon::Impl: the daemon's state, shared by its units.
//
// daemon.cc is the composition root (start, stop, metrics, accounts, the
// status and health views); the outreach loop (outreach_loop.cc), the hot
// reload (reload.cc) and the HTTP routes mounted on the review server
// (/healthz, /metrics, the Facebook webhooks: routes.cc) are units of their
// own over this one struct. Private to bot/daemon: nothing else includes it.
// Thread safety: as documented per member (loaded_mu, accounts_mu, stop_mu).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "bot/alerts/worker.h"
#include "bot/daemon/account_runner.h"
#include "bot/daemon/daemon.h"
#include "bot/daemon/db_lock.h"
#include "bot/daemon/loaded.h"
#include "bot/daemon/metrics.h"
#include "bot/util/log_limiter.h"
#include "bot/net/clock.h"
#include "bot/replies/reply_store.h"
#include "bot/review/server.h"
#include "bot/util/logging.h"

namespace aasr::daemon {

inline nlohmann::json ErrorsJson(const Errors& errors) {
  nlohmann::json a = nlohmann::json::array();
  for (const Error& e : errors)
    a.push_back({{"file", e.where.file}, {"line", e.where.line}, {"column", e.where.column},
                 {"subject", e.subject}, {"message", e.message}, {"text", e.ToString()}});
  return a;
}

inline LogSettings LogSettingsOf(const config::Config& c, const std::string& format_override) {
  LogSettings s;
  s.format = format_override.empty() ? c.log.format : format_override;
  s.level = c.log.level;
  s.components = c.log.components;
  return s;
}

// What of the config the alerts worker was made from; a change needs a restart.
inline std::string AlertsFingerprint(const config::Config& c) {
  std::string f = c.review_public_url + "|" + std::to_string(c.alerts.crisis_undecided_minutes) + "|" +
                  std::to_string(c.alerts.account_down_minutes);
  for (const auto& ch : c.alerts.channels)
    f += "|" + ch.name + "," + config::ChannelKindName(ch.kind) + "," + ch.url + "," + ch.from + "," + ch.starttls +
         "," + ch.username + "," + ch.password + "," + ch.secret + "," + ch.token + "," + ch.room + "," +
         std::to_string(ch.excerpt) + "," + ch.digest + "," + std::to_string(ch.digest_hour) + "," +
         std::to_string(ch.max_per_minute) + "," + std::to_string(ch.quiet.from_minute) + "-" +
         std::to_string(ch.quiet.to_minute) + ch.quiet.time_zone;
  for (const auto& r : c.alerts.routes) {
    f += "|r";
    for (const auto& x : r.events) f += "," + x;
    f += ";";
    for (const auto& x : r.categories) f += "," + x;
    f += ";";
    for (int p : r.priorities) f += "," + std::to_string(p);
    f += ";";
    for (const auto& x : r.channels) f += "," + x;
  }
  return f;
}

struct Daemon::Impl {
  DaemonOptions options;
  std::shared_ptr<const aasr::Clock> clock;
  std::shared_ptr<spdlog::logger> log = Log("daemon");

  // What the files say; swapped whole on a valid reload.
  mutable std::mutex loaded_mu;
  LoadedPtr loaded;
  Fingerprint fingerprint;
  int64_t started_ms = 0;
  int64_t last_reload_ok_ms = 0;
  int64_t last_reload_attempt_ms = 0;
  Errors reload_errors;

  std::unique_ptr<DatabaseLock> db_lock;  // declared before store: released after it closes
  store::StorePtr store;
  std::unique_ptr<replies::ReplyStore> reply_store;  // the replies outbox, same file
  std::unique_ptr<review::ReviewServer> server;
  std::unique_ptr<alerts::Worker> alerts;  // the alerts outbox's delivery (bot/alerts)
  std::string database, listen;  // fixed at start

  mutable std::mutex accounts_mu;
  std::map<std::string, std::shared_ptr<AccountRunner>> accounts;
  std::unique_ptr<net::SeededRandom> random;
  uint64_t seed = 1;

  // Background threads (outreach, reload) wait on this.
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread outreach_thread, reload_thread;

  // Metrics.
  Metrics metrics;
  Counter* screened = nullptr;
  Counter* comments_in = nullptr;
  Histogram* time_to_verdict = nullptr;
  Histogram* time_to_hide = nullptr;
  Counter* hides = nullptr;
  Counter* actions = nullptr;
  Counter* intake_errors = nullptr;
  Counter* posts_published = nullptr;
  Counter* posts_failed = nullptr;
  Counter* posts_retrying = nullptr;
  Counter* feed_errors = nullptr;
  Counter* reloads = nullptr;
  Gauge* queue_depth = nullptr;
  Gauge* api_requests = nullptr;
  Gauge* api_errors = nullptr;
  Gauge* rate_waits = nullptr;
  Gauge* rate_wait_seconds = nullptr;
  Gauge* up = nullptr;
  Gauge* alerts_by_state = nullptr;
  Gauge* alert_attempts_failed = nullptr;
  Gauge* alert_channel_up = nullptr;
  Gauge* oldest_crisis = nullptr;
  Gauge* oldest_pending = nullptr;
  Gauge* oldest_open_item = nullptr;
  Gauge* db_bytes = nullptr;
  Gauge* db_free_bytes = nullptr;
  Counter* db_errors = nullptr;
  Counter* log_lines_held = nullptr;
  Gauge* build_info = nullptr;
  Gauge* process_rss = nullptr;
  Gauge* process_cpu = nullptr;
  Gauge* process_fds = nullptr;
  Gauge* process_start = nullptr;
  Gauge* process_threads = nullptr;

  rules::RuleSetPtr Rules() const {
    std::lock_guard<std::mutex> lock(loaded_mu);
    return loaded->rules;
  }
  LoadedPtr Current() const {
    std::lock_guard<std::mutex> lock(loaded_mu);
    return loaded;
  }

  void SetUpMetrics();
  void ObserveIntake(const std::string& account, const moderation::IntakeReport& r);
  Result<std::shared_ptr<AccountRunner>> MakeRunner(const config::Account& a, const config::Config& c);
  Status StartAccounts(const config::Config& c);
  void ApplyAccounts(const config::Config& c);
  void OutreachLoop();
  void ReloadLoop();
  // Retention (config `retention:`) runs on the reload thread, hourly.
  static constexpr int64_t kPruneEveryMs = 3'600'000;
  void PruneRetained();
  std::mutex reload_mu;  // one reload at a time: the reload thread and SIGHUP
  void CheckReload(bool force = false);
  bool WaitStop(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(stop_mu);
    return stop_cv.wait_for(lock, d, [this] { return stopping; });
  }
  void MountRoutes();
  // /healthz: "ok" and "degraded" (an alert channel failing, a rejected
  // reload, an account backing off) answer 200; "failing" (the database not
  // writable, an account's intake stalled) answers 503.
  struct HealthReport {
    int http_status = 200;
    nlohmann::json body;
  };
  HealthReport CheckHealth() const;
  bool MaySeeDetails(const review::Request& r) const;
  nlohmann::json Health() const { return CheckHealth().body; }
  // One log line per cause per minute (bot/util/log_limiter.h).
  std::unique_ptr<LogLimiter> log_limiter;
  void LogLimited(spdlog::level::level_enum level, const std::string& scope, const Error& e,
                  const std::string& prefix = "");
  nlohmann::json AlertChannelsJson() const {
    nlohmann::json a = nlohmann::json::array();
    if (!alerts) return a;
    for (const alerts::ChannelState& st : alerts->States())
      a.push_back({{"name", st.name}, {"type", st.type}, {"state", st.state}, {"last_error", st.last_error},
                   {"last_error_ms", st.last_error_ms}, {"last_sent_ms", st.last_sent_ms},
                   {"next_attempt_ms", st.next_attempt_ms}, {"consecutive_failures", st.consecutive_failures},
                   {"messages_sent", st.messages_sent}});
    return a;
  }
  nlohmann::json StatusView() const;
  std::vector<AccountStatus> AccountStatuses() const {
    std::vector<AccountStatus> out;
    std::lock_guard<std::mutex> lock(accounts_mu);
    for (const auto& [name, runner] : accounts) out.push_back(runner->status());
    return out;
  }
};

}  // namespace aasr::daemon
