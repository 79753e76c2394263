// ReviewApi: the moderators' JSON API (documented in bot/review/README.md).
//
// Promises:
// - Every /api/ route but POST /api/login needs a live session cookie
//   (HttpOnly, SameSite=Strict); every POST but login also needs the
//   session's token in X-CSRF-Token. Roles: `moderator` reviews; `admin` also
//   reads the audit log and the users and retries failed outreach posts.
// - /api/outreach (OutreachApi) and /api/status (StatusProvider) are optional
//   parts: without them the routes answer 404 `not_configured` and a minimal
//   status respectively.
// - A decision on an item someone else decided meanwhile answers 409 with who
//   decided and when; nothing is decided twice (the store guarantees it).
// - Every state change goes through the store, which writes its audit row and
//   enqueues the platform action it implies, in one transaction.
// - No password, token or cookie is ever logged.
// Inputs: the store, a function giving the rule set in force (may return
// null while none is loaded), the clock, options.
// Thread safety: Handle() may be called from many threads at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/platforms/platform.h"
#include "bot/review/http_types.h"
#include "bot/review/outreach_api.h"
#include "bot/review/rate_limit.h"
#include "bot/review/replies_api.h"
#include "bot/rules/rules.h"
#include "bot/store/store.h"

namespace aasr::review {

struct ApiOptions {
  int64_t session_ttl_ms = 12LL * 3600 * 1000;  // a working day
  int64_t claim_ttl_ms = 5LL * 60 * 1000;
  int64_t undo_window_ms = 10LL * 60 * 1000;
  int login_failures_per_user = 5;     // per window
  int login_attempts_per_address = 20; // per window
  int64_t login_window_ms = 15LL * 60 * 1000;
  bool secure_cookie = false;          // add `Secure` when served over HTTPS
  // What a platform can do, for the moderation policy (bot/moderation/
  // policy.h) to decide which platform actions a decision implies. The
  // daemon asks its adapters; unset or nullopt: KnownCapabilities(platform).
  std::function<std::optional<platforms::Capabilities>(const std::string& platform)>
      capabilities_for;
  // Shown with every crisis item: what moderators should say.
  std::string crisis_support_wording =
      "Reach out before anything else. Suggested reply: \"Thank you for telling us. You matter, "
      "and you are not alone. If you are in the US, you can call or text 988 (Suicide & Crisis "
      "Lifeline) any time; elsewhere, please contact your local emergency number or a crisis "
      "line. We are here to listen.\" Do not argue, do not remove without replying privately "
      "first, and escalate to an organizer if there is immediate danger.";
};

using RulesProvider = std::function<rules::RuleSetPtr()>;
// The daemon's (or `serve`'s) status for GET /api/status; shape in README.md.
using StatusProvider = std::function<nlohmann::json()>;

class ReviewApi {
 public:
  ReviewApi(store::StorePtr store, RulesProvider rules, std::shared_ptr<const aasr::Clock> clock,
            ApiOptions options = {});

  // Answers any request under /api/; 404 for unknown routes.
  Response Handle(const Request& r);

  // Optional parts, set before serving (not thread-safe against Handle()).
  // Without an outreach API, /api/outreach answers 404 `not_configured`.
  void SetOutreach(std::unique_ptr<OutreachApi> outreach) { outreach_ = std::move(outreach); }
  // Without a provider, /api/status answers MinimalStatus("embedded", ...).
  void SetStatusProvider(StatusProvider status) { status_ = std::move(status); }
  // Without a replies API, /api/items/{id}/replies answers 404 `not_configured`.
  void SetReplies(std::unique_ptr<RepliesApi> replies) { replies_ = std::move(replies); }
  // What the platform can do (ApiOptions::capabilities_for, else KnownCapabilities).
  platforms::Capabilities CapabilitiesFor(const std::string& platform) const;

  static constexpr const char* kCookieName = "aasr_session";

  // The queue's fast item writer and the JSON-tree form it must equal.
  std::string ItemJsonTextForTest(const store::Item& it) const;
  nlohmann::json ItemJsonForTest(const store::Item& it) const;

 private:
  struct Caller {
    store::Session session;
    bool admin() const { return session.role == "admin"; }
  };

  Response Login(const Request& r);
  Response Logout(const Request& r, const Caller& c);
  Response Queue(const Request& r);
  Response ItemView(int64_t id);
  Response Claim(int64_t id, const Caller& c);
  Response Decision(int64_t id, const Request& r, const Caller& c);
  Response Undo(int64_t id, const Caller& c);
  Response Bulk(const Request& r, const Caller& c);
  Response AuditLog(const Request& r);
  Response Stats(const Request& r);
  Response RulesView(const Request& r);
  Response Try(const Request& r);
  Response Users();
  Response StatusView();
  Response Outreach(const Request& r, const std::vector<std::string>& parts, const Caller& c);

  // The session of the request's cookie, or the response to send instead.
  std::optional<Caller> Authenticate(const Request& r, Response* refusal);
  nlohmann::json ItemJson(const store::Item& it, bool with_text) const;
  void AppendItem(std::string* out, const store::Item& it) const;
  Response OutcomeResponse(const store::Outcome& o);

  store::StorePtr store_;
  RulesProvider rules_;
  std::shared_ptr<const aasr::Clock> clock_;
  ApiOptions options_;
  LoginLimiter limiter_;
  std::unique_ptr<OutreachApi> outreach_;
  StatusProvider status_;
  std::unique_ptr<RepliesApi> replies_;
};

// Helpers shared with the server and tests.
Response JsonResponse(int status, const nlohmann::json& body);
Response ErrorResponse(int status, const std::string& code, const std::string& message);

}  // namespace aasr::review
