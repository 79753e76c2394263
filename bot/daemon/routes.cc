// The daemon's routes on the review server: /healthz, /metrics and the
// Facebook webhooks (each verifying its signature before reading a byte).
#include "bot/daemon/impl.h"

#include "bot/platforms/facebook_webhook.h"
#include "bot/sql/db.h"

namespace aasr::daemon {

namespace {

bool IsLoopback(const std::string& a) {
  return a.rfind("127.", 0) == 0 || a == "::1" || a.rfind("::ffff:127.", 0) == 0;
}

// Equal-time comparison: the token must not leak through response timing.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

// Whether a request may see /metrics and the detailed /healthz: one made on
// this machine (loopback, and not forwarded: a proxy on this machine makes
// every outside request look local, but adds its forwarding headers), or one
// that carries the health token (config `health.token_env`).
bool Daemon::Impl::MaySeeDetails(const review::Request& r) const {
  const std::string token = Current()->config.health.token;
  const std::string auth = r.Header("authorization");
  if (!token.empty() && auth.rfind("Bearer ", 0) == 0 && SameSecret(auth.substr(7), token)) return true;
  return IsLoopback(r.remote_address) && r.Header("x-forwarded-for").empty() && r.Header("forwarded").empty() &&
         r.Header("x-real-ip").empty();
}

void Daemon::Impl::MountRoutes() {
  server->Mount("/healthz", [this](const review::Request& req) {
    HealthReport h = CheckHealth();
    review::Response r;
    r.status = h.http_status;
    // Outside this machine without the token: the verdict only, not the
    // accounts, errors and versions a stranger could use.
    r.body = MaySeeDetails(req) ? h.body.dump() : nlohmann::json{{"status", h.body["status"]}}.dump();
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  });
  server->Mount("/metrics", [this](const review::Request& req) {
    review::Response r;
    if (!MaySeeDetails(req)) {
      r.status = 401;
      r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"aasr-bot metrics\""});
      r.body = nlohmann::json{{"error", "unauthorized"},
                              {"message", "/metrics answers this machine only, or a request with the bearer token "
                                          "named by health.token_env in the config"}}
                   .dump();
      return r;
    }
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
          std::vector<platforms::CommentChange> changes = platforms::CommentChangesFromWebhookEvent(event, &errors);
          for (const Error& e : errors) LogLimited(spdlog::level::warn, account, e);
          std::shared_ptr<AccountRunner> runner;
          {
            std::lock_guard<std::mutex> lock(accounts_mu);
            auto it = accounts.find(account);
            if (it != accounts.end()) runner = it->second;
          }
          if (!runner || changes.empty()) return;
          moderation::IntakeReport report;
          std::unique_ptr<sql::Db> db;  // for edits, removals and hides of stored comments
          for (const platforms::CommentChange& ch : changes) {
            using platforms::CommentVerb;
            moderation::IntakeDeps d{runner->platform(), store.get(), Rules(), clock.get(), account};
            Result<moderation::IntakeItem> item = Error{};
            if (ch.verb == CommentVerb::kAdd) {
              item = moderation::IngestFetched(d, ch.comment);
            } else {
              if (!db) {
                auto opened = sql::Db::Open(database);
                if (!opened.ok()) {
                  report.errors.insert(report.errors.end(), opened.errors().begin(), opened.errors().end());
                  continue;
                }
                db = std::move(opened).value();
              }
              const moderation::CommentEvent change =
                  ch.verb == CommentVerb::kEdited   ? moderation::CommentEvent::kEdited
                  : ch.verb == CommentVerb::kRemove ? moderation::CommentEvent::kRemoved
                  : ch.verb == CommentVerb::kHide   ? moderation::CommentEvent::kHidden
                                                    : moderation::CommentEvent::kUnhidden;
              item = moderation::ApplyCommentChange(d, *db, change, ch.comment);
              if (item.ok())
                log->info("{}: comment {} {} on Facebook ({}){}", account, ch.comment.remote_id,
                          platforms::CommentVerbName(ch.verb), ch.where,
                          item.value().item_id ? ", item " + std::to_string(item.value().item_id) : "");
            }
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
