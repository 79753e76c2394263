#include "bot/review/api.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <spdlog/spdlog.h>

#include "bot/comment/json.h"
#include "bot/moderation/policy.h"
#include "bot/review/client_address.h"
#include "bot/review/passwords.h"
#include "bot/review/status.h"
#include "bot/review/users.h"
#include "bot/store/ingest.h"
#include "bot/util/logging.h"
#include "bot/util/utf8.h"

namespace aasr::review {

using nlohmann::json;
using store::Code;

namespace {

std::string CookieValue(const std::string& header, const std::string& name) {
  for (const std::string& part : SplitString(header, ';')) {
    size_t b = part.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    size_t eq = part.find('=', b);
    if (eq == std::string::npos) continue;
    if (part.compare(b, eq - b, name) == 0) return part.substr(eq + 1);
  }
  return "";
}

std::string OptString(const json& j, const char* key) {
  if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

json AuditJson(const store::AuditEntry& a) {
  return json{{"id", a.id},         {"item_id", a.item_id},   {"actor", a.actor},
              {"at_ms", a.at_ms},   {"action", a.action},     {"from", a.from_state},
              {"to", a.to_state},   {"note", a.note},         {"undoes", a.undoes}};
}

json ActionJson(const store::PlatformAction& a) {
  return json{{"id", a.id},           {"kind", a.kind},       {"state", a.state},
              {"attempts", a.attempts}, {"last_error", a.last_error},
              {"created_ms", a.created_ms}};
}

// The live matches, or (shadow) only the shadow rules' matches: the item
// view shows the two apart so a watched rule is never mistaken for the reason.
json MatchesJson(const std::vector<store::StoredMatch>& ms, bool shadow = false) {
  json out = json::array();
  for (const auto& m : ms) {
    if ((m.action == store::kShadowAction) != shadow) continue;
    json spans = json::array();
    for (auto& [b, e] : m.spans) spans.push_back({b, e});
    out.push_back(json{{"rule_id", m.rule_id},
                       {"category", m.category},
                       {"description", m.description},
                       {"action", m.action},
                       {"priority", store::PriorityName(m.priority)},
                       {"spans", spans}});
  }
  return out;
}

void AppendKey(std::string* out, const char* key) {
  out->push_back('"');
  *out += key;
  *out += "\":";
}

}  // namespace

ReviewApi::ReviewApi(store::StorePtr store, RulesProvider rules,
                     std::shared_ptr<const aasr::Clock> clock, ApiOptions options)
    : store_(std::move(store)),
      rules_(std::move(rules)),
      clock_(std::move(clock)),
      options_(std::move(options)),
      limiter_(clock_, options_.limiter),
      routes_([this](const Request& r, Response* refusal) { return Authenticate(r, refusal); }) {
  // Every state change (login included) must come from our own page; the
  // CSRF token is checked as well, by the route table.
  routes_.SetWriteGuard([this](const Request& r) -> std::optional<Response> {
    if (auto why = CrossSiteRefusal(r, options_.proxy)) {
      spdlog::warn("{} {} from {}: {}", LogSafe(r.method), LogSafe(r.path),
                   LogSafe(ClientAddress(r, options_.proxy)), *why);
      return ErrorResponse(403, "origin", *why);
    }
    return std::nullopt;
  });
  AddRoutes();
}

platforms::Capabilities ReviewApi::CapabilitiesFor(const std::string& platform) const {
  if (options_.capabilities_for)
    if (auto caps = options_.capabilities_for(platform)) return *caps;
  return moderation::KnownCapabilities(platform);
}

std::optional<store::Session> ReviewApi::Authenticate(const Request& r, Response* refusal) {
  std::string token = CookieValue(r.Header("cookie"), kCookieName);
  if (token.empty()) {
    *refusal = ErrorResponse(401, "login_required", "log in first");
    return std::nullopt;
  }
  auto s = store_->GetSession(TokenHash(token));
  if (!s.ok()) {
    spdlog::error("session lookup failed: {}", FormatErrors(s.errors()));
    *refusal = ErrorResponse(500, "store", "the store failed; see the server log");
    return std::nullopt;
  }
  if (!s.value()) {
    *refusal = ErrorResponse(401, "login_required", "your session expired; log in again");
    return std::nullopt;
  }
  return *s.value();
}

void ReviewApi::AddRoutes() {
  using A = Access;
  RouteTable& t = routes_;
  t.Add({"POST", "/api/login", A::kPublic, [this](const Call& c) { return Login(c.request); }});
  t.Add({"POST", "/api/logout", A::kUser, [this](const Call& c) { return Logout(c); }});
  t.Add({"GET", "/api/session", A::kUser, [](const Call& c) {
           return JsonResponse(200, {{"user", c.session.user},
                                     {"role", c.session.role},
                                     {"csrf", c.session.csrf},
                                     {"expires_ms", c.session.expires_ms}});
         }});
  t.Add({"GET", "/api/queue", A::kUser, [this](const Call& c) { return Queue(c.request); }});
  t.Add({"GET", "/api/items/{id}", A::kUser, [this](const Call& c) { return ItemView(c.id); }});
  t.Add({"POST", "/api/items/{id}/claim", A::kUser, [this](const Call& c) { return Claim(c); }});
  t.Add({"POST", "/api/items/{id}/decision", A::kUser, [this](const Call& c) { return Decision(c); }});
  t.Add({"POST", "/api/items/{id}/undo", A::kUser, [this](const Call& c) { return Undo(c); }});
  t.Add({"POST", "/api/items/{id}/reopen", A::kUser, [this](const Call& c) { return Reopen(c); }});
  t.Add({"DELETE", "/api/items/{id}/claim", A::kUser, [this](const Call& c) { return Release(c); }});
  t.Add({"POST", "/api/bulk", A::kUser, [this](const Call& c) { return Bulk(c); }});
  t.Add({"GET", "/api/stats", A::kUser, [this](const Call& c) { return Stats(c.request); }});
  t.Add({"GET", "/api/rules", A::kUser, [this](const Call& c) { return RulesView(c.request); }});
  t.Add({"POST", "/api/try", A::kUser, [this](const Call& c) { return Try(c.request); }});
  t.Add({"GET", "/api/audit", A::kAdmin, [this](const Call& c) { return AuditLog(c.request); },
         "the audit log is for admins"});
  t.Add({"GET", "/api/users", A::kAdmin, [this](const Call&) { return Users(); },
         "the user list is for admins"});
  t.Add({"POST", "/api/users", A::kAdmin, [this](const Call& c) { return AddUserRoute(c); },
         "managing users is for admins"});
  for (const char* what : {"role", "disable", "enable", "reset"})
    t.Add({"POST", std::string("/api/users/{name}/") + what, A::kAdmin,
           [this, what](const Call& c) { return ChangeUser(c, what); },
           "managing users is for admins"});
  t.Add({"GET", "/api/status", A::kUser, [this](const Call&) { return StatusView(); }});
  t.Add({"GET", "/api/outreach", A::kUser, [this](const Call& c) { return OutreachList(c.request); }});
  t.Add({"POST", "/api/outreach/{id}/retry", A::kAdmin,
         [this](const Call& c) { return OutreachRetry(c); }, "retrying posts is for admins",
         "outbox row"});
  // Replies (bot/review/replies_api.h); 404 `not_configured` without a replies database.
  auto replies = [this](const Call& c) {
    if (!replies_) return ErrorResponse(404, "not_configured", "replies are not configured on this server");
    return c.request.method == "GET" ? replies_->Get(c.id) : replies_->Post(c.id, c.request, c.session.user);
  };
  t.Add({"GET", "/api/items/{id}/replies", A::kUser, replies});
  t.Add({"POST", "/api/items/{id}/replies", A::kUser, replies});
}

Response ReviewApi::StatusView() {
  json s;
  if (status_) {
    try {
      s = status_();
    } catch (const std::exception& e) {
      spdlog::error("status provider: {}", e.what());
      return ErrorResponse(500, "internal", "the status could not be read; see the server log");
    }
    if (!s.is_object()) {
      spdlog::error("status provider returned {} instead of an object", s.type_name());
      return ErrorResponse(500, "internal", "the status could not be read; see the server log");
    }
  } else {
    s = MinimalStatus("embedded", rules_ ? rules_() : nullptr, "", 0);
  }
  s["now_ms"] = clock_->NowMs();
  return JsonResponse(200, s);
}

namespace {
Response NotConfigured() {
  return ErrorResponse(404, "not_configured",
                       "outreach is not configured on this server (the daemon shows it; "
                       "`aasr-bot serve --outreach-db FILE` does too)");
}
}  // namespace

Response ReviewApi::OutreachList(const Request& r) {
  if (!outreach_) return NotConfigured();
  return outreach_->List(r);
}

Response ReviewApi::OutreachRetry(const Call& c) {
  if (!outreach_) return NotConfigured();
  return outreach_->Retry(c.id, c.user());
}

namespace {

// The media type without parameters, lower-case: "application/json".
std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return t;
}

}  // namespace

std::string ReviewApi::LoggedName(const std::string& user, bool exists) const {
  if (exists) return "'" + LogSafe(user) + "'";
  // Never the text itself: it may be a password typed into the wrong field.
  // A hash keyed per process lets one run's attempts be told apart.
  return "unknown user #" + KeyedHash(user).substr(0, 8);
}

Response ReviewApi::Login(const Request& r) {
  // Only JSON: a foreign page's <form enctype="text/plain"> (or a fetch
  // without a CORS preflight) cannot send it, so it cannot log a victim's
  // browser into the attacker's account.
  if (MediaType(r.Header("content-type")) != "application/json")
    return ErrorResponse(415, "unsupported_media_type", "send the login as application/json");
  auto body = ParseJsonBody(r);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  std::string user = OptString(body.value(), "user");
  std::string password = OptString(body.value(), "password");
  if (user.empty() || password.empty())
    return ErrorResponse(400, "bad_request", "give \"user\" and \"password\"");
  const std::string address = ClientAddress(r, options_.proxy);
  const std::string from = LogSafe(address);
  LoginLimiter::Attempt attempt = limiter_.Begin(user, address);
  if (!attempt.allowed()) {
    const int64_t secs = (attempt.retry_after_ms + 999) / 1000;
    // Whether the name exists is not looked up here: the log must not say
    // more than the answer does, and a refused attempt costs nothing.
    spdlog::warn("login delayed for {} from {}", LoggedName(user, false), from);
    Response resp = ErrorResponse(429, "rate_limited",
                                  "too many failed logins; try again in " + std::to_string(secs) + " s");
    resp.headers.push_back({"Retry-After", std::to_string(secs)});
    return resp;
  }
  auto m = store_->GetModerator(user);
  if (!m.ok()) {
    limiter_.Finish(attempt, false);
    spdlog::error("login: {}", FormatErrors(m.errors()));
    return ErrorResponse(500, "store", "the store failed; see the server log");
  }
  const bool exists = m.value().has_value();
  bool ok = false;
  if (m.value() && !m.value()->disabled) {
    ok = VerifyPassword(m.value()->password_hash, password);
  } else {
    // Spend the same time on unknown users so names cannot be probed.
    static const std::string dummy = HashPassword("not a real password").value();
    (void)VerifyPassword(dummy, password);
  }
  limiter_.Finish(attempt, ok);
  if (!ok) {
    spdlog::warn("login failed for {} from {}", LoggedName(user, exists), from);
    return ErrorResponse(401, "bad_credentials", "wrong user name or password");
  }
  std::string token = RandomToken(32);
  store::Session s;
  s.token_hash = TokenHash(token);
  s.user = user;
  s.role = m.value()->role;
  s.csrf = RandomToken(24);
  s.created_ms = clock_->NowMs();
  s.expires_ms = s.created_ms + options_.session_ttl_ms;
  Status put = store_->PutSession(s);
  if (!put.ok()) {
    spdlog::error("login: {}", FormatErrors(put.errors()));
    return ErrorResponse(500, "store", "the store failed; see the server log");
  }
  store::AuditEntry a;
  a.actor = user;
  a.action = "login";
  a.note = "from " + address;
  (void)store_->AppendAudit(a);
  spdlog::info("login: {} ({}) from {}", LogSafe(user), LogSafe(s.role), from);
  Response resp = JsonResponse(200, {{"user", user}, {"role", s.role}, {"csrf", s.csrf},
                                     {"expires_ms", s.expires_ms}});
  resp.headers.push_back({"Set-Cookie", SessionCookie(token, options_.session_ttl_ms / 1000)});
  return resp;
}

std::string ReviewApi::SessionCookie(const std::string& value, int64_t max_age_s) const {
  std::string cookie = std::string(kCookieName) + "=" + value + "; Path=" + CookiePath(options_.proxy) +
                       "; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  if (options_.proxy.secure_cookies) cookie += "; Secure";
  return cookie;
}

Response ReviewApi::Logout(const Call& c) {
  Status s = store_->DeleteSession(TokenHash(CookieValue(c.request.Header("cookie"), kCookieName)));
  if (!s.ok()) spdlog::error("logout: {}", FormatErrors(s.errors()));
  store::AuditEntry a;
  a.actor = c.session.user;
  a.action = "logout";
  (void)store_->AppendAudit(a);
  Response resp = JsonResponse(200, {{"ok", true}});
  resp.headers.push_back({"Set-Cookie", SessionCookie("", 0)});
  return resp;
}

Response ReviewApi::Queue(const Request& r) {
  store::QueueFilter f;
  std::string state = r.Query("state");
  if (state == "all") {
    f.states = {store::ItemState::kPending, store::ItemState::kEscalated,
                store::ItemState::kApproved, store::ItemState::kRemoved};
  } else if (!state.empty() && state != "open") {
    for (const auto& s : SplitString(state, ',')) {
      auto st = store::ParseState(s);
      if (!st)
        return ErrorResponse(400, "bad_request",
                             "unknown state '" + s + "' (pending, escalated, approved, removed, "
                             "open, all)");
      f.states.push_back(*st);
    }
  }
  // Category and platform names are lower-case: "Threat" finds threats.
  auto lower = [](std::string v) {
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return v;
  };
  f.category = lower(r.Query("category"));
  f.platform = lower(r.Query("platform"));
  f.account = r.Query("account");
  f.q = r.Query("q");
  // The page shows handles as "@name": a search for "@name" finds them.
  if (f.q.size() > 1 && f.q[0] == '@') f.q.erase(0, 1);
  f.cursor = r.Query("cursor");
  if (!r.Query("priority").empty()) {
    f.priority = store::ParsePriority(r.Query("priority"));
    if (!f.priority)
      return ErrorResponse(400, "bad_request",
                           "unknown priority '" + r.Query("priority") + "' (low, normal, high, urgent)");
  }
  if (!r.Query("limit").empty()) {
    auto n = ParseId(r.Query("limit"));
    if (!n) return ErrorResponse(400, "bad_request", "limit must be a positive integer");
    f.limit = static_cast<int>(std::min<int64_t>(*n, 200));
  }
  auto page = store_->ListQueue(f);
  if (!page.ok()) {
    const Error& e = page.errors().front();
    if (e.subject == "cursor") return ErrorResponse(400, "bad_request", e.message);
    spdlog::error("queue: {}", FormatErrors(page.errors()));
    return ErrorResponse(500, "store", "the store failed; see the server log");
  }
  const int64_t now_ms = clock_->NowMs();
  std::string body;
  body.reserve(512 * page.value().items.size() + 1024);
  body += "{\"items\":[";
  bool first = true;
  for (const auto& it : page.value().items) {
    if (!first) body.push_back(',');
    first = false;
    AppendItemJson(&body, it, now_ms);
  }
  body += "],";
  AppendKey(&body, "next_cursor");
  AppendJsonString(&body, page.value().next_cursor);
  body += ",\"now_ms\":" + std::to_string(now_ms) + ",";
  // The crisis wording is sent once per page, not once per crisis item.
  AppendKey(&body, "support_wording");
  AppendJsonString(&body, options_.crisis_support_wording);
  body.push_back('}');
  Response resp;
  resp.body = std::move(body);
  resp.headers.push_back({"Cache-Control", "no-store"});
  return resp;
}

#define AASR_OR_500(var, expr, what)                                         \
  auto var = (expr);                                                         \
  if (!var.ok()) {                                                           \
    spdlog::error("{}: {}", what, FormatErrors(var.errors()));               \
    return ErrorResponse(500, "store", "the store failed; see the server log"); \
  }

Response ReviewApi::ItemView(int64_t id) {
  AASR_OR_500(item, store_->GetItem(id), "item");
  if (!item.value()) return ErrorResponse(404, "not_found", "no item " + std::to_string(id));
  const store::Item& it = *item.value();
  AASR_OR_500(comment, store_->GetComment(it.comment_id), "item comment");
  AASR_OR_500(verdict, store_->GetVerdict(it.comment_id), "item verdict");
  AASR_OR_500(history, store_->AuthorHistory(it.platform, it.author_handle, it.id, 20), "history");
  store::AuditFilter af;
  af.item_id = id;
  AASR_OR_500(audit, store_->Audit(af), "item audit");
  AASR_OR_500(actions, store_->ActionsForItem(id), "item actions");
  json out{{"item", ItemJson(it, clock_->NowMs(), /*with_text=*/true)}};
  if (it.crisis) out["support_wording"] = options_.crisis_support_wording;
  if (comment.value()) {
    const auto& c = *comment.value();
    json author{{"handle", c.author_handle}, {"id", c.author_id}};
    if (c.author_account_age_days) author["account_age_days"] = *c.author_account_age_days;
    if (c.author_followers) author["followers"] = *c.author_followers;
    if (c.author_first_comment) author["first_comment"] = *c.author_first_comment;
    out["comment"] = json{{"text", c.text},         {"platform", c.platform},
                          {"account", c.account},   {"remote_id", c.remote_id},
                          {"received_ms", c.received_ms}, {"author", author}};
    out["post"] = json{{"id", c.parent}, {"text", c.parent_text}};
  }
  if (verdict.value()) {
    const auto& v = *verdict.value();
    out["verdict"] = json{{"action", v.action},
                          {"priority", store::PriorityName(v.priority)},
                          {"categories", v.categories},
                          {"explanation", v.explanation},
                          {"matches", MatchesJson(v.matches)}};
    json shadow = MatchesJson(v.matches, /*shadow=*/true);
    if (!shadow.empty()) out["verdict"]["shadow"] = shadow;
  }
  json hist = json::array();
  for (const auto& h : history.value()) {
    json e = ItemJson(h.item, clock_->NowMs());
    e["last_decision"] = h.last_decision;
    e["last_actor"] = h.last_actor;
    e["last_at_ms"] = h.last_at_ms;
    hist.push_back(e);
  }
  out["history"] = hist;
  json aj = json::array();
  for (const auto& a : audit.value()) aj.push_back(AuditJson(a));
  out["audit"] = aj;
  json acts = json::array();
  for (const auto& a : actions.value()) acts.push_back(ActionJson(a));
  out["actions"] = acts;
  out["undo_window_ms"] = options_.undo_window_ms;
  return JsonResponse(200, out);
}

namespace {

int HttpStatus(Code c) {
  switch (c) {
    case Code::kOk: return 200;
    case Code::kNotFound: return 404;
    case Code::kForbidden: return 403;
    case Code::kInvalid: return 422;
    case Code::kConflict:
    case Code::kTooLate: return 409;
  }
  return 500;
}

}  // namespace

Response ReviewApi::OutcomeResponse(const store::Outcome& o) const {
  const int64_t now = clock_->NowMs();
  switch (o.code) {
    case Code::kOk:
      return JsonResponse(200, {{"item", ItemJson(o.item, now)}, {"audit_id", o.audit_id}});
    case Code::kNotFound:
      return ErrorResponse(404, "not_found", o.message);
    case Code::kForbidden:
      return ErrorResponse(403, "forbidden", o.message);
    case Code::kInvalid: {
      if (o.message != kConfirmCrisis) return ErrorResponse(422, "invalid", o.message);
      Response r = ErrorResponse(422, "confirm_required", o.message);
      return r;
    }
    case Code::kConflict:
    case Code::kTooLate: {
      json body{{"error", o.message},
                {"code", o.code == Code::kConflict ? "conflict" : "too_late"},
                {"item", ItemJson(o.item, now)}};
      if (o.by) {
        body["decided_by"] = o.by->actor;
        body["decided_at_ms"] = o.by->at_ms;
        body["decision"] = o.by->action;
      }
      return JsonResponse(409, body);
    }
  }
  return ErrorResponse(500, "internal", "unexpected outcome");
}

Response ReviewApi::Claim(const Call& c) {
  AASR_OR_500(o, store_->Claim(c.id, c.user(), options_.claim_ttl_ms), "claim");
  return OutcomeResponse(o.value());
}

Result<store::Outcome> ReviewApi::Decide(const DecisionInput& in, const std::string& user) {
  auto item = store_->GetItem(in.item_id);
  if (!item.ok()) return item.errors();
  if (!item.value()) {
    store::Outcome o;
    o.code = Code::kNotFound;
    o.message = "no item " + std::to_string(in.item_id);
    return o;
  }
  if (item.value()->crisis && in.decision == "remove" && !in.confirm) {
    store::Outcome o;
    o.code = Code::kInvalid;
    o.message = kConfirmCrisis;
    o.item = *item.value();
    return o;
  }
  store::DecideRequest d;
  d.item_id = in.item_id;
  d.user = user;
  d.decision = in.decision;
  d.note = in.note;
  d.expected_version = in.expected_version;
  d.actions = moderation::ForDecision(d.decision, CapabilitiesFor(item.value()->platform));
  auto o = store_->Decide(d);
  if (o.ok() && o.value().code == Code::kOk)
    spdlog::info("item {}: {} by {}", in.item_id, LogSafe(in.decision), LogSafe(user));
  return o;
}

Response ReviewApi::Decision(const Call& c) {
  auto body = ParseJsonBody(c.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  const json& b = body.value();
  DecisionInput d;
  d.item_id = c.id;
  d.decision = OptString(b, "decision");
  d.note = OptString(b, "note");
  if (d.note.size() > kMaxNoteBytes)
    return ErrorResponse(400, "bad_request", "note longer than 2000 bytes");
  d.confirm = b.contains("confirm") && b["confirm"] == true;
  if (b.contains("version")) {
    if (!b["version"].is_number_integer())
      return ErrorResponse(400, "bad_request", "\"version\" must be an integer");
    d.expected_version = b["version"].get<int64_t>();
  }
  AASR_OR_500(o, Decide(d, c.user()), "decision");
  return OutcomeResponse(o.value());
}

Response ReviewApi::Undo(const Call& c) {
  AASR_OR_500(o, store_->Undo(c.id, c.user(), c.admin(), options_.undo_window_ms), "undo");
  if (o.value().code == Code::kOk) spdlog::info("item {}: undo by {}", c.id, LogSafe(c.user()));
  return OutcomeResponse(o.value());
}

Response ReviewApi::Bulk(const Call& c) {
  auto body = ParseJsonBody(c.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  const json& b = body.value();
  if (!b.contains("ids") || !b["ids"].is_array() || b["ids"].empty() || b["ids"].size() > 200)
    return ErrorResponse(400, "bad_request", "\"ids\" must be an array of 1 to 200 item ids");
  DecisionInput d;
  d.decision = OptString(b, "decision");
  if (d.decision != "approve" && d.decision != "remove" && d.decision != "escalate")
    return ErrorResponse(400, "bad_request",
                         "\"decision\" must be approve, remove or escalate");
  d.note = OptString(b, "note");
  if (d.note.size() > kMaxNoteBytes)
    return ErrorResponse(400, "bad_request", "note longer than 2000 bytes");
  d.confirm = b.contains("confirm") && b["confirm"] == true;
  for (const auto& v : b["ids"])
    if (!v.is_number_integer()) return ErrorResponse(400, "bad_request", "ids must be integers");
  json results = json::array();
  int ok = 0;
  for (const auto& v : b["ids"]) {
    d.item_id = v.get<int64_t>();
    json entry{{"id", v}};
    auto o = Decide(d, c.user());
    if (!o.ok()) {
      spdlog::error("bulk decision: {}", FormatErrors(o.errors()));
      entry["status"] = 500;
      entry["error"] = "the store failed; see the server log";
    } else {
      const store::Outcome& out = o.value();
      entry["status"] = HttpStatus(out.code);
      if (out.code != Code::kOk) entry["error"] = out.message;
      if (out.message == kConfirmCrisis) entry["code"] = "confirm_required";
      if (HttpStatus(out.code) == 409) {
        entry["decided_by"] = out.by ? out.by->actor : "";
        entry["decided_at_ms"] = out.by ? out.by->at_ms : 0;
      }
      ok += out.code == Code::kOk;
    }
    results.push_back(entry);
  }
  return JsonResponse(200, {{"results", results}, {"decided", ok}});
}

Response ReviewApi::Reopen(const Call& c) {
  auto body = ParseJsonBody(c.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  store::ReopenRequest rq;
  rq.item_id = c.id;
  rq.user = c.user();
  rq.note = OptString(body.value(), "note");
  if (rq.note.size() > kMaxNoteBytes)
    return ErrorResponse(400, "bad_request", "note longer than 2000 bytes");
  AASR_OR_500(item, store_->GetItem(c.id), "reopen");
  if (!item.value()) return ErrorResponse(404, "not_found", "no item " + std::to_string(c.id));
  AASR_OR_500(verdict, store_->GetVerdict(item.value()->comment_id), "reopen verdict");
  const std::string decided = item.value()->state == store::ItemState::kRemoved ? "remove"
                              : item.value()->state == store::ItemState::kApproved ? "approve"
                                                                                   : "";
  rq.actions = moderation::ForReopen(decided, verdict.value() ? verdict.value()->action : "",
                                     CapabilitiesFor(item.value()->platform));
  AASR_OR_500(o, store_->Reopen(rq), "reopen");
  if (o.value().code == Code::kOk) spdlog::info("item {}: reopened by {}", c.id, LogSafe(c.user()));
  return OutcomeResponse(o.value());
}

Response ReviewApi::Release(const Call& c) {
  AASR_OR_500(o, store_->ReleaseClaim(c.id, c.user()), "release claim");
  return OutcomeResponse(o.value());
}

namespace {

json UserJson(const store::Moderator& m) {
  return json{{"name", m.name}, {"role", m.role}, {"disabled", m.disabled},
              {"created_ms", m.created_ms}};
}

Response UserChangeResponse(const Result<UserChange>& r) {
  if (!r.ok()) {
    spdlog::error("users: {}", FormatErrors(r.errors()));
    return ErrorResponse(500, "store", "the store failed; see the server log");
  }
  const UserChange& c = r.value();
  switch (c.code) {
    case Code::kOk: {
      json body{{"user", UserJson(c.user)}, {"sessions_ended", c.sessions_ended}};
      // Shown once: the page displays it and it is never stored in clear.
      if (!c.password.empty()) body["password"] = c.password;
      return JsonResponse(200, body);
    }
    case Code::kNotFound: return ErrorResponse(404, "not_found", c.message);
    case Code::kConflict: return ErrorResponse(409, "conflict", c.message);
    case Code::kForbidden: return ErrorResponse(403, "forbidden", c.message);
    default: return ErrorResponse(422, "invalid", c.message);
  }
}

}  // namespace

Response ReviewApi::AddUserRoute(const Call& c) {
  auto body = ParseJsonBody(c.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  const std::string name = OptString(body.value(), "name");
  const std::string role = OptString(body.value(), "role");
  if (name.empty() || role.empty())
    return ErrorResponse(400, "bad_request", "give \"name\" and \"role\"");
  auto r = AddUser(*store_, name, role, "", c.user());
  if (r.ok() && r.value().code == Code::kOk)
    spdlog::info("user {} ({}) added by {}", LogSafe(name), LogSafe(role), LogSafe(c.user()));
  return UserChangeResponse(r);
}

Response ReviewApi::ChangeUser(const Call& c, const std::string& what) {
  auto body = ParseJsonBody(c.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  const std::string name = c.Param("name");
  Result<UserChange> r = UserChange{};
  if (what == "role") {
    const std::string role = OptString(body.value(), "role");
    if (role.empty()) return ErrorResponse(400, "bad_request", "give \"role\"");
    r = SetRole(*store_, name, role, c.user());
  } else if (what == "disable" || what == "enable") {
    r = SetDisabled(*store_, name, what == "disable", c.user());
  } else {
    r = ResetPassword(*store_, name, "", c.user());
  }
  if (r.ok() && r.value().code == Code::kOk) spdlog::info("user {}: {} by {}", LogSafe(name), what, LogSafe(c.user()));
  return UserChangeResponse(r);
}

Response ReviewApi::AuditLog(const Request& r) {
  store::AuditFilter f;
  if (!r.Query("item").empty()) f.item_id = ParseId(r.Query("item")).value_or(-1);
  if (!r.Query("before").empty()) f.before_id = ParseId(r.Query("before")).value_or(0);
  f.actor = r.Query("actor");
  if (!r.Query("limit").empty()) f.limit = static_cast<int>(ParseId(r.Query("limit")).value_or(100));
  AASR_OR_500(log, store_->Audit(f), "audit");
  json entries = json::array();
  for (const auto& a : log.value()) entries.push_back(AuditJson(a));
  json body{{"entries", entries}};
  if (!log.value().empty() && static_cast<int>(log.value().size()) == f.limit)
    body["next_before"] = log.value().back().id;
  return JsonResponse(200, body);
}

Response ReviewApi::Stats(const Request& r) {
  int64_t days = 30;
  if (!r.Query("days").empty()) days = std::clamp<int64_t>(ParseId(r.Query("days")).value_or(30), 1, 3650);
  int64_t since = clock_->NowMs() - days * 86'400'000;
  AASR_OR_500(per_day, store_->CategoriesPerDay(since), "stats");
  AASR_OR_500(per_rule, store_->RuleStatistics(since), "stats");
  json days_j = json::array();
  for (const auto& d : per_day.value())
    days_j.push_back({{"day", d.day}, {"category", d.category}, {"count", d.count}});
  json rules_j = json::array();
  for (const auto& s : per_rule.value())
    rules_j.push_back({{"rule_id", s.rule_id}, {"category", s.category}, {"hits", s.hits},
                       {"approved", s.approved}, {"removed", s.removed}, {"pending", s.pending}});
  return JsonResponse(200, {{"days", days}, {"per_day", days_j}, {"per_rule", rules_j}});
}

Response ReviewApi::RulesView(const Request& r) {
  (void)r;
  AASR_OR_500(stats, store_->RuleStatistics(0), "rules");
  rules::RuleSetPtr set = rules_ ? rules_() : nullptr;
  std::vector<std::string> active = set ? set->rule_ids() : std::vector<std::string>{};
  const std::vector<std::string> shadow = set ? set->shadow_rule_ids() : std::vector<std::string>{};
  std::map<std::string, json> by_id;
  for (const auto& id : active) {
    const bool is_shadow = std::find(shadow.begin(), shadow.end(), id) != shadow.end();
    by_id[id] = json{{"id", id}, {"active", true}, {"mode", is_shadow ? "shadow" : "live"},
                     {"category", ""}, {"hits", 0}, {"approved", 0}, {"removed", 0}, {"pending", 0}};
  }
  for (const auto& s : stats.value()) {
    json& e = by_id[s.rule_id];
    if (e.is_null()) e = json{{"id", s.rule_id}, {"active", false}};
    e["category"] = s.category;
    e["hits"] = s.hits;
    e["approved"] = s.approved;
    e["removed"] = s.removed;
    e["pending"] = s.pending;
  }
  json list = json::array();
  for (auto& [id, e] : by_id) {
    int64_t decided = e["approved"].get<int64_t>() + e["removed"].get<int64_t>();
    e["approved_share"] = decided ? double(e["approved"].get<int64_t>()) / decided : 0.0;
    e["removed_share"] = decided ? double(e["removed"].get<int64_t>()) / decided : 0.0;
    list.push_back(e);
  }
  std::stable_sort(list.begin(), list.end(), [](const json& a, const json& b) {
    return a["hits"].get<int64_t>() > b["hits"].get<int64_t>();
  });
  return JsonResponse(200, {{"rules", list}, {"loaded", set != nullptr}});
}

Response ReviewApi::Try(const Request& r) {
  auto body = ParseJsonBody(r);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  // The one comment codec: a field of the wrong type is a 400 naming it.
  auto decoded = comment::Decode(body.value());
  if (!decoded.ok()) return ErrorResponse(400, "bad_request", decoded.errors().front().message);
  const std::string& text = decoded.value().text;
  if (text.empty()) return ErrorResponse(400, "bad_request", "give \"text\"");
  if (text.size() > 20000) return ErrorResponse(400, "bad_request", "text longer than 20000 bytes");
  rules::RuleSetPtr set = rules_ ? rules_() : nullptr;
  if (!set) return ErrorResponse(503, "no_rules", "no rule set is loaded");
  const rules::Comment c = store::ToRulesComment(store::FromComment(decoded.value(), ""));
  rules::Verdict v = set->Screen(c);
  json out = rules::VerdictToJson(v);
  json matches = json::array();
  for (const auto& m : v.matches) {
    json spans = json::array();
    for (auto& [s, e] : m.spans) spans.push_back({s, e});
    matches.push_back({{"rule_id", m.rule_id}, {"category", m.category},
                       {"description", m.description}, {"action", rules::ActionName(m.action)},
                       {"priority", rules::PriorityName(m.priority)}, {"spans", spans}});
  }
  out["matches"] = matches;
  out["text"] = text;
  return JsonResponse(200, out);
}

Response ReviewApi::Users() {
  AASR_OR_500(users, store_->ListModerators(), "users");
  json list = json::array();
  for (const auto& m : users.value())
    list.push_back({{"name", m.name}, {"role", m.role}, {"disabled", m.disabled},
                    {"created_ms", m.created_ms}});
  return JsonResponse(200, {{"users", list}});
}

}  // namespace aasr::review
