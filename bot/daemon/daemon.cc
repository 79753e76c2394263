#include "bot/daemon/daemon.h"

#include "bot/daemon/health.h"
#include "bot/daemon/impl.h"
#include "bot/outreach/store.h"
#include "bot/review/passwords.h"
#include "bot/sql/backup.h"
#include "bot/store/sqlite_store.h"
#include "bot/util/version.h"

namespace aasr::daemon {
namespace fs = std::filesystem;

void Daemon::Impl::SetUpMetrics() {
  const std::vector<double> latency = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
  comments_in = &metrics.AddCounter("aasr_comments_fetched_total", "Comments received from platforms", {"account"});
  screened = &metrics.AddCounter("aasr_comments_screened_total",
                                 "Comments screened and stored, by verdict action and category (none: no rule "
                                 "matched)",
                                 {"action", "category"});
  time_to_verdict = &metrics.AddHistogram("aasr_comment_to_verdict_seconds",
                                          "Time from a comment's creation on the platform to its stored verdict",
                                          {"account"}, latency);
  time_to_hide = &metrics.AddHistogram("aasr_comment_to_hide_seconds",
                                       "Time from a comment's creation to its hide on the platform", {"account"},
                                       latency);
  hides = &metrics.AddCounter("aasr_hides_total", "Hide verdicts by outcome (hidden, not_hidden)", {"account", "outcome"});
  actions = &metrics.AddCounter("aasr_platform_actions_total",
                                "Moderation actions carried out on platforms, by outcome (done, retrying, failed)",
                                {"account", "outcome"});
  intake_errors = &metrics.AddCounter("aasr_poll_errors_total", "Comment polls that failed", {"account"});
  posts_published = &metrics.AddCounter("aasr_posts_published_total", "Posts published", {"account"});
  posts_failed = &metrics.AddCounter("aasr_posts_failed_total", "Posts that failed for good", {"account"});
  posts_retrying = &metrics.AddCounter("aasr_post_attempts_failed_total", "Post attempts that failed and will be retried",
                                       {"account"});
  feed_errors = &metrics.AddCounter("aasr_feed_errors_total", "Feed polls or planning steps that failed");
  reloads = &metrics.AddCounter("aasr_reloads_total", "Reloads of the watched files, by result (ok, rejected)",
                                {"result"});
  queue_depth = &metrics.AddGauge("aasr_queue_items", "Review queue items by state", {"state"});
  api_requests = &metrics.AddGauge("aasr_platform_api_requests_total", "HTTP requests sent to the platform (counter)",
                                   {"account"});
  api_errors = &metrics.AddGauge("aasr_platform_api_errors_total",
                                 "Platform API failures: transport errors and HTTP >= 400 (counter)", {"account"});
  rate_waits = &metrics.AddGauge("aasr_rate_limit_waits_total", "Pauses to stay within rate limits (counter)",
                                 {"account"});
  rate_wait_seconds = &metrics.AddGauge("aasr_rate_limit_wait_seconds_total",
                                        "Seconds spent waiting for rate limits (counter)", {"account"});
  up = &metrics.AddGauge("aasr_account_up", "1 when the account's last poll succeeded", {"account", "platform"});
  alerts_by_state = &metrics.AddGauge(
      "aasr_alerts_total",
      "Alerts per channel by outcome (counter): sent (on its own), batched (in a flood summary or digest), "
      "suppressed (the item was decided first), failed (given up), pending (not yet out)",
      {"channel", "outcome"});
  alert_attempts_failed = &metrics.AddGauge("aasr_alert_attempts_failed_total",
                                            "Delivery attempts that failed and were retried or given up (counter)",
                                            {"channel"});
  alert_channel_up = &metrics.AddGauge("aasr_alert_channel_up", "0 while an alert channel's last attempt failed",
                                       {"channel", "type"});
  oldest_crisis = &metrics.AddGauge("aasr_oldest_undecided_crisis_seconds",
                                    "Age of the oldest crisis item not yet decided (0: none)");
  oldest_pending = &metrics.AddGauge("aasr_oldest_pending_item_seconds", "Age of the oldest pending item (0: none)");
  oldest_open_item = &metrics.AddGauge("aasr_queue_oldest_open_item_seconds",
                                       "Age of the oldest pending or escalated item (0: none)");
  db_bytes = &metrics.AddGauge("aasr_database_bytes", "Size of the database file (pages in use and free)");
  db_free_bytes = &metrics.AddGauge("aasr_database_free_bytes", "Free pages in the database file (VACUUM reclaims)");
  db_errors = &metrics.AddCounter("aasr_database_errors_total",
                                  "Database and disk errors met by intake, actions and replies (full, read-only, "
                                  "damaged)");
  log_lines_held = &metrics.AddCounter("aasr_log_lines_held_total",
                                       "Repeated error lines held back from the log (one per cause per minute)");
  build_info = &metrics.AddGauge("aasr_build_info", "Always 1: the version of this build", {"version"});
  process_rss = &metrics.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes");
  process_cpu = &metrics.AddGauge("process_cpu_seconds_total", "User and system CPU time spent, in seconds (counter)");
  process_fds = &metrics.AddGauge("process_open_fds", "Open file descriptors");
  process_start = &metrics.AddGauge("process_start_time_seconds", "Start time of the process, Unix seconds");
  process_threads = &metrics.AddGauge("process_threads", "Threads of the process");
  build_info->Set({kVersion}, 1);
  process_start->Set({}, static_cast<double>(started_ms) / 1000.0);
  metrics.AddCollector([this] {
    if (alerts) {
      auto counts = alerts->Counts();
      for (const alerts::ChannelState& st : alerts->States()) {
        std::map<std::string, int64_t> by;
        if (counts.ok() && counts.value().count(st.name)) by = counts.value().at(st.name);
        auto n = [&](const char* s) { return static_cast<double>(by.count(s) ? by.at(s) : 0); };
        alerts_by_state->Set({st.name, "sent"}, n("sent"));
        alerts_by_state->Set({st.name, "batched"}, n("summarized"));
        alerts_by_state->Set({st.name, "suppressed"}, n("suppressed"));
        alerts_by_state->Set({st.name, "failed"}, n("failed"));
        alerts_by_state->Set({st.name, "pending"}, n("pending") + n("digest"));
        alert_attempts_failed->Set({st.name}, static_cast<double>(st.attempts_failed));
        alert_channel_up->Set({st.name, st.type}, st.state == "failing" ? 0 : 1);
      }
      auto ages = alerts->Ages();
      if (ages.ok()) {
        const int64_t now = clock->NowMs();
        auto age = [now](int64_t t) { return t > 0 && now > t ? (now - t) / 1000.0 : 0.0; };
        oldest_crisis->Set({}, age(ages.value().oldest_crisis_ms));
        oldest_pending->Set({}, age(ages.value().oldest_pending_ms));
      }
    }
    if (auto size = store->Size(); size.ok()) {
      db_bytes->Set({}, static_cast<double>(size.value().bytes));
      db_free_bytes->Set({}, static_cast<double>(size.value().free_bytes));
    }
    if (auto oldest = store->OldestOpenItemMs(); oldest.ok()) {
      const int64_t now = clock->NowMs(), t = oldest.value();
      oldest_open_item->Set({}, t > 0 && now > t ? (now - t) / 1000.0 : 0.0);
    }
    const ProcessStats ps = ReadProcessStats();
    process_rss->Set({}, ps.rss_bytes);
    process_cpu->Set({}, ps.cpu_seconds);
    process_fds->Set({}, ps.open_fds);
    process_threads->Set({}, ps.threads);
    auto counts = store->CountItemsByState();
    if (counts.ok())
      for (const char* s : {"pending", "escalated", "approved", "removed"}) {
        auto it = counts.value().find(s);
        queue_depth->Set({s}, it == counts.value().end() ? 0 : static_cast<double>(it->second));
      }
    std::lock_guard<std::mutex> lock(accounts_mu);
    for (const auto& [name, runner] : accounts) {
      AccountStatus st = runner->status();
      up->Set({name, st.platform}, st.state == "ok" ? 1 : 0);
      if (net::HttpClient* http = runner->http()) {
        net::HttpStats h = http->stats();
        api_requests->Set({name}, static_cast<double>(h.requests));
        api_errors->Set({name}, static_cast<double>(h.errors));
        rate_waits->Set({name}, static_cast<double>(h.rate_limit_waits));
        rate_wait_seconds->Set({name}, h.rate_limit_wait_seconds);
      }
    }
  });
}

void Daemon::Impl::ObserveIntake(const std::string& account, const moderation::IntakeReport& r) {
  bool queued = false;
  for (const moderation::IntakeItem& it : r.items) queued = queued || (it.created && it.item_id != 0);
  if (queued && alerts) alerts->Nudge();  // their alert events are already stored, by trigger
  for (const moderation::IntakeItem& it : r.items) {
    comments_in->Inc({account});
    if (!it.created) continue;  // stored by an earlier round: counted then
    const char* action = rules::ActionName(it.verdict.action);
    if (it.verdict.categories.empty()) screened->Inc({action, "none"});
    for (const std::string& c : it.verdict.categories) screened->Inc({action, c});
    if (it.created_at_ms > 0 && it.verdict_at_ms >= it.created_at_ms)
      time_to_verdict->Observe({account}, (it.verdict_at_ms - it.created_at_ms) / 1000.0);
    if (it.verdict.action == rules::Action::kHide) {
      hides->Inc({account, it.hidden ? "hidden" : "not_hidden"});
      if (it.hidden && it.created_at_ms > 0 && it.hidden_at_ms >= it.created_at_ms)
        time_to_hide->Observe({account}, (it.hidden_at_ms - it.created_at_ms) / 1000.0);
    }
  }
  for (const Error& e : r.errors) LogLimited(spdlog::level::warn, account, e);
  if (!r.items.empty()) log->info("{}: {} comment(s) screened", account, r.items.size());
}

Result<std::shared_ptr<AccountRunner>> Daemon::Impl::MakeRunner(const config::Account& a, const config::Config& c) {
  platforms::PlatformDeps deps;
  deps.random = random.get();
  // Short attempts so a stop is never held up for long by a slow server.
  deps.timeout = net::Millis(10000);
  deps.max_attempts = 3;
  auto p = platforms::MakePlatform(a, deps);
  if (!p.ok()) return p.errors();
  AccountRunnerDeps d;
  d.store = store.get();
  d.clock = clock.get();
  d.rules = [this] { return Rules(); };
  d.poll_seconds = c.poll_seconds;
  d.jitter = c.poll_jitter;
  d.actions_seconds = c.actions_seconds;
  d.seed = seed + std::hash<std::string>{}(a.name);
  d.on_intake = [this](const std::string& acc, const moderation::IntakeReport& r) { ObserveIntake(acc, r); };
  d.on_actions = [this](const std::string& acc, const moderation::ActionReport& r) {
    if (r.done) actions->Inc({acc, "done"}, r.done);
    if (r.retrying) actions->Inc({acc, "retrying"}, r.retrying);
    if (r.failed) actions->Inc({acc, "failed"}, r.failed);
    for (const Error& e : r.errors) LogLimited(spdlog::level::warn, acc, e);
  };
  d.replies = reply_store.get();
  d.on_replies = [this](const std::string& acc, const replies::ReplyReport& r) {
    if (r.sent || r.reconciled)
      log->info("{}: {} repl{} sent, {} found already sent", acc, r.sent, r.sent == 1 ? "y" : "ies", r.reconciled);
    for (const Error& e : r.errors) LogLimited(spdlog::level::warn, acc, e);
  };
  d.on_error = [this](const std::string& acc, const Errors& errors) {
    intake_errors->Inc({acc});
    for (const Error& e : errors) LogLimited(spdlog::level::err, acc, e, "poll failed: ");
    // Expired or revoked credentials do not heal by waiting: the account is
    // down now, not after alerts.account_down_minutes. Same dedupe key as the
    // worker's timed alert, so one outage is one alert.
    if (alerts && HasCode(errors, ErrorCode::kAuth)) {
      int64_t since = started_ms;
      for (const AccountStatus& st : AccountStatuses())
        if (st.name == acc && st.last_poll_ms) since = st.last_poll_ms;
      std::string detail = FormatErrors(errors);
      if (detail.size() > 600) detail = detail.substr(0, 600) + "…";
      Status rec = alerts->Record(alerts::kAccountDown, acc, "credentials refused: " + detail,
                                  "account_down:" + acc + ":" + std::to_string(since));
      if (!rec.ok()) log->error("alert not recorded: {}", FormatErrors(rec.errors()));
    }
  };
  return std::make_shared<AccountRunner>(a, std::move(p).value(), std::move(d));
}

Status Daemon::Impl::StartAccounts(const config::Config& c) {
  Errors errors;
  std::map<std::string, std::shared_ptr<AccountRunner>> made;
  for (const config::Account& a : c.accounts) {
    auto r = MakeRunner(a, c);
    if (!r.ok()) {
      errors.insert(errors.end(), r.errors().begin(), r.errors().end());
      continue;
    }
    made[a.name] = r.value();
  }
  if (!errors.empty()) return errors;
  std::lock_guard<std::mutex> lock(accounts_mu);
  accounts = std::move(made);
  for (auto& [name, runner] : accounts) runner->Start();
  return Ok{};
}

// Restarts the runners whose settings changed; starts new ones, stops removed ones.
void Daemon::Impl::ApplyAccounts(const config::Config& c) {
  std::vector<std::shared_ptr<AccountRunner>> retired;
  {
    std::lock_guard<std::mutex> lock(accounts_mu);
    std::map<std::string, std::shared_ptr<AccountRunner>> next;
    for (const config::Account& a : c.accounts) {
      auto it = accounts.find(a.name);
      if (it != accounts.end() && SameAccount(it->second->account(), a)) {
        next[a.name] = it->second;
        continue;
      }
      auto r = MakeRunner(a, c);
      if (!r.ok()) {
        for (const Error& e : r.errors()) log->error("account {} not restarted: {}", a.name, e.ToString());
        if (it != accounts.end()) next[a.name] = it->second;
        continue;
      }
      next[a.name] = r.value();
      r.value()->Start();
      log->info("account {} {}", a.name, it == accounts.end() ? "started" : "restarted with its new settings");
    }
    for (auto& [name, runner] : accounts)
      if (!next.count(name) || next[name] != runner) retired.push_back(runner);
    accounts = std::move(next);
  }
  for (auto& r : retired) r->Stop();  // joined when the last user lets go
}

Daemon::Impl::HealthReport Daemon::Impl::CheckHealth() const {
  bool failing = false, degraded = false;
  nlohmann::json db = {{"writable", true}};
  if (Status w = store->CheckWritable(); !w.ok()) {
    failing = true;
    db = {{"writable", false}, {"error", FormatErrors(w.errors())}};
  }
  const LoadedPtr current = Current();  // keeps the config alive while h is used
  const config::Config::Health& h = current->config.health;
  nlohmann::json accs = nlohmann::json::array();
  for (const AccountStatus& st : AccountStatuses()) {
    const int64_t age = st.since_last_poll_ms >= 0 ? st.since_last_poll_ms : st.running_for_ms;
    const int64_t limit = StallLimitMs(st, h);
    const bool stalled = Stalled(st, h);
    failing = failing || stalled;
    degraded = degraded || st.state == "backoff";
    accs.push_back({{"name", st.name}, {"platform", st.platform}, {"state", stalled ? "stalled" : st.state},
                    {"last_poll_ms", st.last_poll_ms}, {"since_last_poll_s", age / 1000},
                    {"stalled_after_s", limit / 1000}, {"consecutive_failures", st.consecutive_failures},
                    {"last_error", st.state == "backoff" || stalled ? st.last_error : ""}});
  }
  nlohmann::json chans = AlertChannelsJson();
  for (const auto& ch : chans) degraded = degraded || ch["state"] == "failing";
  std::lock_guard<std::mutex> lock(loaded_mu);
  degraded = degraded || !reload_errors.empty();
  HealthReport r;
  r.http_status = failing ? 503 : 200;
  r.body = {{"status", failing ? "failing" : degraded ? "degraded" : "ok"},
            {"version", kVersion},
            {"database", db},
            {"accounts", accs},
            {"alerts", chans},
            {"reload_errors", reload_errors.size()}};
  return r;
}

void Daemon::Impl::LogLimited(spdlog::level::level_enum level, const std::string& scope, const Error& e,
                              const std::string& prefix) {
  if (e.code == ErrorCode::kIo) db_errors->Inc({});
  int64_t held = 0;
  if (!log_limiter->Admit(LogLimiter::CauseOf(scope, e), &held)) {
    log_lines_held->Inc({});
    return;
  }
  log->log(level, "{}: {}{}{}", scope, prefix, e.ToString(), LogLimiter::HeldNote(held));
}

nlohmann::json Daemon::Impl::StatusView() const {
  nlohmann::json accs = nlohmann::json::array();
  for (const AccountStatus& st : AccountStatuses())
    accs.push_back({{"name", st.name}, {"platform", st.platform}, {"state", st.state},
                    {"last_poll_ms", st.last_poll_ms}, {"next_poll_ms", st.next_poll_ms},
                    {"last_error", st.last_error}, {"last_error_ms", st.last_error_ms},
                    {"consecutive_failures", st.consecutive_failures}, {"comments_seen", st.comments_seen}});
  nlohmann::json alerts_view = {{"channels", AlertChannelsJson()}, {"oldest_crisis_ms", 0}, {"oldest_pending_ms", 0}};
  if (alerts) {
    auto ages = alerts->Ages();
    if (ages.ok()) {
      alerts_view["oldest_crisis_ms"] = ages.value().oldest_crisis_ms;
      alerts_view["oldest_pending_ms"] = ages.value().oldest_pending_ms;
    }
  }
  std::lock_guard<std::mutex> lock(loaded_mu);
  return {{"mode", "daemon"},
          {"alerts", alerts_view},
          {"version", kVersion},
          {"started_at_ms", started_ms},
          {"accounts", accs},
          {"reload",
           {{"last_ok_ms", last_reload_ok_ms},
            {"last_attempt_ms", last_reload_attempt_ms},
            {"errors", ErrorsJson(reload_errors)},
            {"files",
             {{"config", loaded->watched.config_file},
              {"rules", loaded->watched.rules_dir},
              {"posts", loaded->watched.posts_dir},
              {"schedules", loaded->watched.schedules_file}}}}},
          {"rules", {{"count", loaded->rules->rule_count()}, {"dir", loaded->config.rules_dir}}},
          {"outreach", {{"graphics", loaded->graphics.graphics.size()},
                        {"schedules", loaded->schedules ? loaded->schedules->accounts.size() : 0}}}};
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() { Stop(std::chrono::seconds(8)); }

Result<std::unique_ptr<Daemon>> Daemon::Start(const DaemonOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock ? options.clock : std::make_shared<aasr::SystemClock>();
  impl->started_ms = impl->clock->NowMs();
  impl->log_limiter = std::make_unique<LogLimiter>(impl->clock.get());
  impl->seed = options.seed ? options.seed : static_cast<uint64_t>(impl->started_ms);
  impl->random = std::make_unique<net::SeededRandom>(impl->seed);

  auto loaded = LoadAll(options.config_path, options.env);
  if (!loaded.ok()) return loaded.errors();
  const config::Config& c = loaded.value()->config;
  Status logs = ConfigureLogging(LogSettingsOf(c, options.log_format));
  if (!logs.ok()) return logs.errors();
  impl->loaded = loaded.value();
  impl->fingerprint = Fingerprint::Of(impl->loaded->watched);
  impl->last_reload_ok_ms = impl->started_ms;
  impl->database = c.database;
  impl->listen = c.review_listen;

  // The database: its folder is created; an unusable file is a clear error.
  std::error_code ec;
  const fs::path dir = fs::path(c.database).parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  // One daemon per database (db_lock.h): taken before the file is opened.
  auto lock = DatabaseLock::Acquire(c.database);
  if (!lock.ok()) return lock.errors();
  impl->db_lock = std::move(lock).value();
  // Files made by older versions (or another umask) may be 0644: the
  // database holds password hashes and tokens, so make them 0600.
  for (const char* suffix : {"", "-wal", "-shm"})
    if (fs::exists(c.database + suffix, ec))
      fs::permissions(c.database + suffix, fs::perms::owner_read | fs::perms::owner_write, ec);
  // A damaged file is found now (PRAGMA quick_check), with the way out named,
  // rather than as "malformed" on every poll while intake silently stops.
  if (fs::exists(c.database, ec) && fs::file_size(c.database, ec) > 0) {
    auto checked = sql::CheckDatabaseFile(c.database);
    if (!checked.ok()) {
      Errors errors = checked.errors();
      errors.push_back(Error{{c.database},
                             "start",
                             "the database failed its check; restore the last good backup with "
                             "`aasr-bot db restore BACKUP --config ...` (the damaged file is kept aside), "
                             "then start again",
                             ErrorCode::kIo});
      return errors;
    }
  }
  auto st = store::OpenSqliteStore(c.database, impl->clock);
  if (!st.ok()) {
    Errors e = st.errors();
    for (Error& x : e)
      if (x.subject.empty()) x.subject = "database (config key `database` in " + options.config_path + ")";
    return e;
  }
  impl->store = st.value();
  // The outreach tables live in the same file: open once now so a problem
  // with them stops the start instead of a thread later.
  if (auto o = outreach::OutreachStore::Open(c.database); !o.ok()) return o.errors();
  auto opened_replies = replies::ReplyStore::Open(c.database);
  if (!opened_replies.ok()) return opened_replies.errors();
  impl->reply_store = std::move(opened_replies).value();

  {
    alerts::WorkerOptions wo;
    wo.database = c.database;
    wo.alerts = c.alerts;
    wo.public_url = c.review_public_url.empty() ? c.review_listen : c.review_public_url;
    wo.clock = impl->clock.get();
    Impl* self = impl.get();
    wo.accounts = [self] {
      std::vector<alerts::AccountHealth> out;
      for (const AccountStatus& st : self->AccountStatuses())
        out.push_back({st.name, st.state == "backoff", st.last_poll_ms ? st.last_poll_ms : self->started_ms,
                       st.last_error});
      return out;
    };
    auto w = alerts::Worker::Open(std::move(wo));
    if (!w.ok()) return w.errors();
    impl->alerts = std::move(w).value();
  }
  impl->SetUpMetrics();
  Status accounts = impl->StartAccounts(c);
  if (!accounts.ok()) return accounts.errors();

  review::ServerOptions so;
  so.listen = c.review_listen;
  so.transport.max_connections = c.review_transport.max_connections;
  so.transport.max_connections_per_address = c.review_transport.max_connections_per_address;
  so.transport.header_timeout_ms = c.review_transport.header_timeout_seconds * 1000LL;
  so.transport.idle_timeout_ms = c.review_transport.idle_timeout_seconds * 1000LL;
  so.transport.body_timeout_ms = c.review_transport.body_timeout_seconds * 1000LL;
  // Behind a TLS reverse proxy (README.md): real client addresses, origin
  // checks, Secure cookies, HSTS, the base path.
  auto proxy = review::MakeProxySettings(c.review_public_url, c.review_base_path, c.review_trusted_proxies,
                                         c.review_secure_cookies);
  if (!proxy.ok()) return proxy.errors();
  so.api.proxy = proxy.value();
  so.outreach_db = c.database;  // the outbox lives in the same file
  so.replies_db = c.database;   // so does the replies outbox
  so.saved_replies = c.saved_replies;
  Impl* raw = impl.get();
  so.status = [raw] { return raw->StatusView(); };
  // What a decision asks of a platform is the moderation policy's
  // (bot/moderation/policy.h), from what this platform's adapter can do
  // (Mastodon: its account's hide fallback).
  so.api.capabilities_for =
      [raw](const std::string& platform) -> std::optional<platforms::Capabilities> {
    std::lock_guard<std::mutex> lock(raw->accounts_mu);
    for (const auto& [name, runner] : raw->accounts)
      if (runner->platform()->name() == platform) return runner->platform()->capabilities();
    return std::nullopt;
  };
  impl->server = std::make_unique<review::ReviewServer>(impl->store, [raw] { return raw->Rules(); }, impl->clock, so);
  impl->MountRoutes();
  Status started = impl->server->Start();
  if (!started.ok()) {
    std::lock_guard<std::mutex> lock(impl->accounts_mu);
    for (auto& [n, r] : impl->accounts) r->Stop();
    return started.errors();
  }
  impl->alerts->Start();
  impl->outreach_thread = std::thread([raw] { raw->OutreachLoop(); });
  impl->reload_thread = std::thread([raw] { raw->ReloadLoop(); });
  impl->log->info("aasr-bot {} running: review page {} , {} account(s), {} rules, database {}", kVersion,
                  c.review_listen, c.accounts.size(), impl->loaded->rules->rule_count(), c.database);
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

bool Daemon::Stop(std::chrono::milliseconds budget) {
  Impl& d = *impl_;
  {
    std::lock_guard<std::mutex> lock(d.stop_mu);
    if (d.stopping) return true;
    d.stopping = true;
  }
  d.stop_cv.notify_all();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  std::vector<std::shared_ptr<AccountRunner>> runners;
  {
    std::lock_guard<std::mutex> lock(d.accounts_mu);
    for (auto& [n, r] : d.accounts) runners.push_back(r);
  }
  for (auto& r : runners) r->Stop();
  if (d.alerts) d.alerts->Stop();
  if (d.server) d.server->Stop();
  // Join what finishes in time on a helper thread, so the budget holds even
  // when a platform call hangs.
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread joiner([&d, runners, done] {
    for (auto& r : runners) r->Join();
    if (d.outreach_thread.joinable()) d.outreach_thread.join();
    if (d.reload_thread.joinable()) d.reload_thread.join();
    if (d.alerts) d.alerts->Join();
    done->store(true);
  });
  while (!done->load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done->load()) {
    joiner.join();
    d.log->info("stopped cleanly");
    return true;
  }
  joiner.detach();
  d.log->warn("stop budget of {} ms spent: abandoning in-flight work (safe: it is repeated on the next start)",
              budget.count());
  return false;
}

const std::string& Daemon::url() const { return impl_->listen; }
nlohmann::json Daemon::StatusJson() const { return impl_->StatusView(); }
nlohmann::json Daemon::HealthJson() const { return impl_->Health(); }
std::string Daemon::MetricsText() const { return impl_->metrics.Render(); }
void Daemon::CheckReload() { impl_->CheckReload(); }
void Daemon::Reload() { impl_->CheckReload(/*force=*/true); }

Result<std::string> EnsureFirstAdmin(const std::string& database, const std::shared_ptr<const aasr::Clock>& clock) {
  std::error_code ec;
  const fs::path dir = fs::path(database).parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  auto st = store::OpenSqliteStore(database, clock, 1);
  if (!st.ok()) return st.errors();
  auto mods = st.value()->ListModerators();
  if (!mods.ok()) return mods.errors();
  if (!mods.value().empty()) return std::string();
  const std::string password = review::RandomToken(12);
  auto hash = review::HashPassword(password);
  if (!hash.ok()) return hash.errors();
  store::Moderator m;
  m.name = "admin";
  m.role = "admin";
  m.password_hash = hash.value();
  m.created_ms = clock->NowMs();
  Status put = st.value()->PutModerator(m);
  if (!put.ok()) return put.errors();
  store::AuditEntry a;
  a.actor = "system";
  a.action = "user.add";
  a.note = "admin (admin): the first administrator, created by aasr-bot run";
  (void)st.value()->AppendAudit(a);
  return password;
}

}  // namespace aasr::daemon
