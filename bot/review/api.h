// ReviewApi: the moderators' JSON API (documented in bot/review/README.md).
//
// Promises:
// - Every /api/ route but POST /api/login needs a live session cookie
//   (HttpOnly, SameSite=Strict, Path the base path, Secure behind https);
//   every POST but login also needs the session's token in X-CSRF-Token, and
//   every state change (login included) must come from our own origin
//   (client_address.h CrossSiteRefusal: 403 `origin`). Login takes only
//   application/json (415 otherwise) and is slowed by LoginLimiter per
//   (user, real client address) and per address, never locked out. Roles: `moderator` reviews; `admin` also
//   reads the audit log and the users and retries failed outreach posts.
// - /api/outreach (OutreachApi) and /api/status (StatusProvider) are optional
//   parts: without them the routes answer 404 `not_configured` and a minimal
//   status respectively.
// - A decision on an item someone else decided meanwhile answers 409 with who
//   decided and when; nothing is decided twice (the store guarantees it).
// - Every state change goes through the store, which writes its audit row and
//   enqueues the platform action it implies, in one transaction.
// - No password, token or cookie is ever logged; every logged field that a
//   request supplies is escaped (LogSafe), and a user name that is not a
//   user's is logged only as a keyed hash (it may be a mistyped password).
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
#include "bot/review/client_address.h"
#include "bot/review/http_types.h"
#include "bot/review/item_json.h"
#include "bot/review/outreach_api.h"
#include "bot/review/rate_limit.h"
#include "bot/review/replies_api.h"
#include "bot/review/routes.h"
#include "bot/rules/rules.h"
#include "bot/store/store.h"

namespace aasr::review {

struct ApiOptions {
  int64_t session_ttl_ms = 12LL * 3600 * 1000;  // a working day
  int64_t claim_ttl_ms = 5LL * 60 * 1000;
  int64_t undo_window_ms = 10LL * 60 * 1000;
  LimiterOptions limiter;               // rate_limit.h: delays after failed logins
  // Behind a reverse proxy (client_address.h): trusted proxies, the public
  // origin and base path, Secure cookies, HSTS. Default: none of them.
  ProxySettings proxy;
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

// One moderator's decision on one item, as both POST /api/items/{id}/decision
// and POST /api/bulk (and any other route) make it.
struct DecisionInput {
  int64_t item_id = 0;
  std::string decision;                     // "approve" | "remove" | "escalate"
  std::string note;                         // at most kMaxNoteBytes
  std::optional<int64_t> expected_version;  // conflict if the item moved on
  // Removing a crisis comment must be confirmed (the person may need a reply
  // first): without it the decision is refused, whoever calls.
  bool confirm = false;
};

class ReviewApi {
 public:
  ReviewApi(store::StorePtr store, RulesProvider rules, std::shared_ptr<const aasr::Clock> clock,
            ApiOptions options = {});

  // Answers any request under /api/ through the route table.
  Response Handle(const Request& r) const { return routes_.Dispatch(r); }

  // The route table: other files add their routes here before serving
  // (routes.h shows the one line it takes).
  RouteTable& routes() { return routes_; }

  // Optional parts, set before serving (not thread-safe against Handle()).
  // Without an outreach API, /api/outreach answers 404 `not_configured`.
  void SetOutreach(std::unique_ptr<OutreachApi> outreach) { outreach_ = std::move(outreach); }
  // Without a provider, /api/status answers MinimalStatus("embedded", ...).
  void SetStatusProvider(StatusProvider status) { status_ = std::move(status); }
  // Without a replies API, /api/items/{id}/replies answers 404 `not_configured`.
  void SetReplies(std::unique_ptr<RepliesApi> replies) { replies_ = std::move(replies); }

  // For routes in other files.
  const store::StorePtr& store() const { return store_; }
  const std::shared_ptr<const aasr::Clock>& clock() const { return clock_; }
  const ApiOptions& options() const { return options_; }
  platforms::Capabilities CapabilitiesFor(const std::string& platform) const;
  // The decision with the platform actions the moderation policy implies;
  // refusals come back as the Outcome's code, store failures as Errors.
  Result<store::Outcome> Decide(const DecisionInput& d, const std::string& user);
  // An Outcome as the API answers it: 200 {"item","audit_id"}, 409 with who
  // decided and when, 404, 403, 422.
  Response OutcomeResponse(const store::Outcome& o) const;
  // Decide()'s message for an unconfirmed crisis removal (answered 422
  // `confirm_required`).
  static constexpr const char* kConfirmCrisis =
      "removing a crisis comment needs confirmation (\"confirm\": true); reply to the person "
      "first";

  // The live session of the request (cookie; CSRF for non-GET), or nullopt
  // with the refusal to send: for routes served outside Handle() (events.h).
  std::optional<store::Session> SessionOf(const Request& r, Response* refusal) {
    return Authenticate(r, refusal);
  }

  static constexpr const char* kCookieName = "aasr_session";
  static constexpr size_t kMaxNoteBytes = 2000;

 private:
  void AddRoutes();
  Response Login(const Request& r);
  // How a submitted user name may be logged: quoted and escaped when it
  // names a user, else only a keyed hash.
  std::string LoggedName(const std::string& user, bool exists) const;
  std::string SessionCookie(const std::string& value, int64_t max_age_s) const;
  Response Logout(const Call& c);
  Response Queue(const Request& r);
  Response ItemView(int64_t id);
  Response Claim(const Call& c);
  Response Decision(const Call& c);
  Response Undo(const Call& c);
  Response Bulk(const Call& c);
  Response Reopen(const Call& c);
  Response Release(const Call& c);
  Response AddUserRoute(const Call& c);
  Response ChangeUser(const Call& c, const std::string& what);
  Response AuditLog(const Request& r);
  Response Stats(const Request& r);
  Response RulesView(const Request& r);
  Response Try(const Request& r);
  Response Users();
  Response StatusView();
  Response OutreachList(const Request& r);
  Response OutreachRetry(const Call& c);

  // The session of the request's cookie, or the response to send instead.
  std::optional<store::Session> Authenticate(const Request& r, Response* refusal);

  store::StorePtr store_;
  RulesProvider rules_;
  std::shared_ptr<const aasr::Clock> clock_;
  ApiOptions options_;
  LoginLimiter limiter_;
  std::unique_ptr<OutreachApi> outreach_;
  StatusProvider status_;
  std::unique_ptr<RepliesApi> replies_;
  RouteTable routes_;
};

}  // namespace aasr::review
