// Hot reload: the watched files are checked every `polling.reload_seconds`
// (and at once on SIGHUP); a valid change swaps in whole, a rejected one
// changes nothing and is logged, shown and alerted (see daemon.h).
#include "bot/daemon/impl.h"

#include "bot/sql/db.h"
#include "bot/store/lifecycle.h"

namespace aasr::daemon {

void Daemon::Impl::CheckReload(bool force) {
  std::lock_guard<std::mutex> serial(reload_mu);
  LoadedPtr cur = Current();
  Fingerprint f = Fingerprint::Of(cur->watched);
  {
    std::lock_guard<std::mutex> lock(loaded_mu);
    if (f == fingerprint && !force) return;
    fingerprint = f;  // judge each edit once, valid or not
    last_reload_attempt_ms = clock->NowMs();
  }
  auto next = LoadAll(options.config_path, options.env);
  if (!next.ok()) {
    reloads->Inc({"rejected"});
    log->error("reload rejected, the previous version stays in force:\n{}", FormatErrors(next.errors()));
    {
      std::lock_guard<std::mutex> lock(loaded_mu);
      reload_errors = next.errors();
    }
    // After the errors are visible: the alert's write may wait for the database.
    if (alerts) {
      std::string detail = FormatErrors(next.errors());
      if (detail.size() > 600) detail = detail.substr(0, 600) + "…";
      Status rec = alerts->Record(alerts::kReloadRejected, options.config_path, detail,
                                  "reload_rejected:" + std::to_string(last_reload_attempt_ms));
      if (!rec.ok()) log->error("alert not recorded: {}", FormatErrors(rec.errors()));
    }
    return;
  }
  const config::Config& c = next.value()->config;
  if (c.database != cur->config.database)
    log->warn("database changed to {}: restart aasr-bot to use it (still using {})", c.database, database);
  if (AlertsFingerprint(c) != AlertsFingerprint(cur->config))
    log->warn("alerts or review.public_url changed: restart aasr-bot to use them (the alerts in force stay)");
  if (c.review_listen != cur->config.review_listen)
    log->warn("review.listen changed to {}: restart aasr-bot to use it (still on {})", c.review_listen, listen);
  {
    const auto& a = c.review_transport;
    const auto& b = cur->config.review_transport;
    if (c.review_trusted_proxies != cur->config.review_trusted_proxies ||
        c.review_base_path != cur->config.review_base_path ||
        c.review_secure_cookies != cur->config.review_secure_cookies || a.max_connections != b.max_connections ||
        a.max_connections_per_address != b.max_connections_per_address ||
        a.header_timeout_seconds != b.header_timeout_seconds || a.idle_timeout_seconds != b.idle_timeout_seconds ||
        a.body_timeout_seconds != b.body_timeout_seconds)
      log->warn("review proxy or connection settings changed: restart aasr-bot to use them (the ones in force stay)");
  }
  // The loader already checked the levels and format; keep the old logging if not.
  if (Status logs = ConfigureLogging(LogSettingsOf(c, options.log_format)); !logs.ok())
    log->warn("log settings not applied: {}", FormatErrors(logs.errors()));
  {
    std::lock_guard<std::mutex> lock(loaded_mu);
    loaded = next.value();
    fingerprint = Fingerprint::Of(loaded->watched);
    reload_errors.clear();
    last_reload_ok_ms = clock->NowMs();
  }
  ApplyAccounts(c);
  reloads->Inc({"ok"});
  log->info("reloaded {}: {} rules, {} graphics, {} account(s)", options.config_path,
            next.value()->rules->rule_count(), next.value()->graphics.graphics.size(), c.accounts.size());
}

void Daemon::Impl::ReloadLoop() {
  int64_t next_prune_ms = 0;
  while (!WaitStop(std::chrono::seconds(Current()->config.reload_seconds))) {
    CheckReload();
    if (clock->MonotonicMs() >= next_prune_ms) {
      PruneRetained();
      next_prune_ms = clock->MonotonicMs() + kPruneEveryMs;
    }
  }
}

void Daemon::Impl::PruneRetained() {
  const config::Retention policy = Current()->config.retention;
  if (!policy.any()) return;
  auto db = sql::Db::Open(database);
  auto r = db.ok() ? store::Prune(*db.value(), policy, clock->NowMs())
                   : Result<store::PruneReport>(db.errors());
  if (!r.ok()) {
    log->warn("retention: pruning failed: {}", FormatErrors(r.errors()));
    return;
  }
  if (r.value().allowed || r.value().flagged || r.value().audit_notes)
    log->info("retention: blanked {} allowed and {} decided flagged comment(s), dropped {} audit note(s)",
              r.value().allowed, r.value().flagged, r.value().audit_notes);
}

}  // namespace aasr::daemon
