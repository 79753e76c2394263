// The daemon's routes on the review server: /healthz, /metrics and the
// Facebook webhooks (each verifying its signature before reading a byte).
#include "bot/daemon/impl.h"

#include "bot/platforms/facebook_webhook.h"

namespace aasr::daemon {

void Daemon::Impl::MountRoutes() {
  server->Mount("/healthz", [this](const review::Request&) {
    review::Response r;
    r.body = Health().dump();
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  });
  server->Mount("/metrics", [this](const review::Request&) {
    review::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.Render();
    return r;
  });
  // Facebook pushes comments here; the webhook verifies the signature before
  // anything is read (bot/platforms/facebook_webhook.h).
  for (const config::Account& a : Current()->config.accounts) {
    if (a.platform != config::PlatformKind::kFacebook) continue;
    const std::string account = a.name;
    auto hook = std::make_shared<platforms::FacebookWebhook>(
        a.app_secret, a.verify_token, [this, account](const nlohmann::json& event) {
          Errors errors;
          std::vector<platforms::FetchedComment> comments;
          for (platforms::CommentChange& ch : platforms::CommentChangesFromWebhookEvent(event, &errors)) {
            using platforms::CommentVerb;
            if (ch.verb == CommentVerb::kAdd || ch.verb == CommentVerb::kEdited) {
              comments.push_back(std::move(ch.comment));
              continue;
            }
            // Done on Facebook by the Page or the author: recorded in the log.
            // The queued item is not changed here (the store has no lookup by
            // remote id yet; see the platforms README's matrix).
            log->info("{}: comment {} {} on Facebook ({})", account, ch.comment.remote_id,
                      ch.verb == CommentVerb::kRemove ? "removed" : ch.verb == CommentVerb::kHide ? "hidden" : "unhidden",
                      ch.where);
          }
          for (const Error& e : errors) log->warn("{}: {}", account, e.ToString());
          std::shared_ptr<AccountRunner> runner;
          {
            std::lock_guard<std::mutex> lock(accounts_mu);
            auto it = accounts.find(account);
            if (it != accounts.end()) runner = it->second;
          }
          if (!runner) return;
          moderation::IntakeReport report;
          for (const auto& c : comments) {
            moderation::IntakeDeps d{runner->platform(), store.get(), Rules(), clock.get(), account};
            auto item = moderation::IngestFetched(d, c);
            if (item.ok()) report.items.push_back(item.value());
            else report.errors.insert(report.errors.end(), item.errors().begin(), item.errors().end());
          }
          ObserveIntake(account, report);
        });
    server->Mount("/webhooks/facebook/" + account, [hook](const review::Request& req) {
      platforms::WebhookRequest w;
      w.method = req.method;
      for (const auto& [k, v] : req.query) w.query.emplace_back(k, v);
      for (const auto& [k, v] : req.headers) w.headers.emplace_back(k, v);
      w.raw_body = req.body;
      platforms::WebhookResponse out = hook->Handle(w);
      review::Response r;
      r.status = out.status;
      r.content_type = out.content_type;
      r.body = out.body;
      return r;
    });
  }
}

}  // namespace aasr::daemon
