#include "bot/review/api.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "bot/comment/json.h"
#include "bot/moderation/policy.h"
#include "bot/review/passwords.h"
#include "bot/review/status.h"
#include "bot/store/ingest.h"
#include "bot/util/utf8.h"

namespace aasr::review {

using nlohmann::json;
using store::Code;

Response JsonResponse(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

Response ErrorResponse(int status, const std::string& code, const std::string& message) {
  return JsonResponse(status, json{{"error", message}, {"code", code}});
}

namespace {

std::optional<int64_t> ParseId(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// At most `max` bytes, never cutting a UTF-8 sequence in half.
std::string Snippet(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

std::string CookieValue(const std::string& header, const std::string& name) {
  for (const std::string& part : Split(header, ';')) {
    size_t b = part.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    size_t eq = part.find('=', b);
    if (eq == std::string::npos) continue;
    if (part.compare(b, eq - b, name) == 0) return part.substr(eq + 1);
  }
  return "";
}

Result<json> ParseBody(const Request& r) {
  if (r.body.empty()) return json::object();
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return Error{{"request body", 0, 0}, "", "request body is not valid JSON"};
  if (!j.is_object()) return Error{{"request body", 0, 0}, "", "request body must be a JSON object"};
  return j;
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

// The queue is the hottest route: its items are written straight into the
// response text instead of through a JSON tree (which cost most of a request
// in allocations). Output is the same JSON as ItemJson (tested).
void AppendString(std::string* out, std::string_view s) {
  if (utf8::FindInvalid(s) != std::string_view::npos) {
    *out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out->push_back('"');
  size_t run = 0;  // start of the pending run of characters needing no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        *out += buf;
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
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
      limiter_(clock_, options_.login_failures_per_user, options_.login_attempts_per_address,
               options_.login_window_ms) {}

platforms::Capabilities ReviewApi::CapabilitiesFor(const std::string& platform) const {
  if (options_.capabilities_for)
    if (auto caps = options_.capabilities_for(platform)) return *caps;
  return moderation::KnownCapabilities(platform);
}

json ReviewApi::ItemJson(const store::Item& it, bool with_text) const {
  json j{{"id", it.id},
         {"state", store::StateName(it.state)},
         {"priority", store::PriorityName(it.priority)},
         {"priority_rank", it.priority},
         {"crisis", it.crisis},
         {"hidden", it.hidden},
         {"categories", it.categories},
         {"platform", it.platform},
         {"account", it.account},
         {"author", it.author_handle},
         {"snippet", Snippet(it.text, 160)},
         {"created_ms", it.created_ms},
         {"received_ms", it.received_ms},
         {"claimed_by", it.claim_expires_ms > clock_->NowMs() ? it.claimed_by : ""},
         {"version", it.version}};
  if (with_text) j["text"] = it.text;
  return j;
}

void ReviewApi::AppendItem(std::string* out, const store::Item& it) const {
  // Keys in the order nlohmann::json (a std::map) writes them.
  *out += "{\"account\":";
  AppendString(out, it.account);
  *out += ",\"author\":";
  AppendString(out, it.author_handle);
  *out += ",\"categories\":[";
  for (size_t i = 0; i < it.categories.size(); ++i) {
    if (i) out->push_back(',');
    AppendString(out, it.categories[i]);
  }
  *out += "],\"claimed_by\":";
  AppendString(out, it.claim_expires_ms > clock_->NowMs() ? it.claimed_by : "");
  *out += ",\"created_ms\":" + std::to_string(it.created_ms);
  *out += ",\"crisis\":" + std::string(it.crisis ? "true" : "false");
  *out += ",\"hidden\":" + std::string(it.hidden ? "true" : "false");
  *out += ",\"id\":" + std::to_string(it.id);
  *out += ",\"platform\":";
  AppendString(out, it.platform);
  *out += ",\"priority\":";
  AppendString(out, store::PriorityName(it.priority));
  *out += ",\"priority_rank\":" + std::to_string(it.priority);
  *out += ",\"received_ms\":" + std::to_string(it.received_ms);
  *out += ",\"snippet\":";
  AppendString(out, Snippet(it.text, 160));
  *out += ",\"state\":";
  AppendString(out, store::StateName(it.state));
  *out += ",\"version\":" + std::to_string(it.version) + "}";
}

std::string ReviewApi::ItemJsonTextForTest(const store::Item& it) const {
  std::string out;
  AppendItem(&out, it);
  return out;
}

nlohmann::json ReviewApi::ItemJsonForTest(const store::Item& it) const { return ItemJson(it, false); }

std::optional<ReviewApi::Caller> ReviewApi::Authenticate(const Request& r, Response* refusal) {
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
  Caller c{*s.value()};
  if (r.method != "GET" && r.method != "HEAD" &&
      !SafeEquals(r.Header("x-csrf-token"), c.session.csrf)) {
    *refusal = ErrorResponse(403, "csrf", "missing or wrong X-CSRF-Token header");
    return std::nullopt;
  }
  return c;
}

Response ReviewApi::Handle(const Request& r) {
  std::vector<std::string> parts = Split(r.path, '/');  // "", "api", ...
  if (parts.size() < 3 || parts[1] != "api") return ErrorResponse(404, "not_found", "no such route");
  const std::string& route = parts[2];
  const bool get = r.method == "GET", post = r.method == "POST";
  if (route == "login" && parts.size() == 3) {
    if (!post) return ErrorResponse(405, "method", "use POST");
    return Login(r);
  }
  Response refusal;
  auto caller = Authenticate(r, &refusal);
  if (!caller) return refusal;
  const Caller& c = *caller;
  if (parts.size() == 3) {
    if (route == "logout" && post) return Logout(r, c);
    if (route == "session" && get)
      return JsonResponse(200, {{"user", c.session.user},
                                {"role", c.session.role},
                                {"csrf", c.session.csrf},
                                {"expires_ms", c.session.expires_ms}});
    if (route == "queue" && get) return Queue(r);
    if (route == "bulk" && post) return Bulk(r, c);
    if (route == "stats" && get) return Stats(r);
    if (route == "rules" && get) return RulesView(r);
    if (route == "try" && post) return Try(r);
    if (route == "audit" && get) {
      if (!c.admin()) return ErrorResponse(403, "forbidden", "the audit log is for admins");
      return AuditLog(r);
    }
    if (route == "users" && get) {
      if (!c.admin()) return ErrorResponse(403, "forbidden", "the user list is for admins");
      return Users();
    }
    if (route == "status" && get) return StatusView();
  }
  if (route == "outreach") return Outreach(r, parts, c);
  if (route == "items" && (parts.size() == 4 || parts.size() == 5)) {
    auto id = ParseId(parts[3]);
    if (!id) return ErrorResponse(404, "not_found", "no item '" + parts[3] + "'");
    if (parts.size() == 4 && get) return ItemView(*id);
    if (parts.size() == 5 && parts[4] == "replies" && (get || post)) {
      if (!replies_) return ErrorResponse(404, "not_configured", "replies are not configured on this server");
      return get ? replies_->Get(*id) : replies_->Post(*id, r, c.session.user);
    }
    if (parts.size() == 5 && post) {
      if (parts[4] == "claim") return Claim(*id, c);
      if (parts[4] == "decision") return Decision(*id, r, c);
      if (parts[4] == "undo") return Undo(*id, c);
    }
  }
  return ErrorResponse(404, "not_found", "no route " + r.method + " " + r.path);
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

Response ReviewApi::Outreach(const Request& r, const std::vector<std::string>& parts,
                             const Caller& c) {
  const bool get = r.method == "GET", post = r.method == "POST";
  if (!outreach_)
    return ErrorResponse(404, "not_configured",
                         "outreach is not configured on this server (the daemon shows it; "
                         "`aasr-bot serve --outreach-db FILE` does too)");
  if (parts.size() == 3 && get) return outreach_->List(r);
  if (parts.size() == 5 && parts[4] == "retry" && post) {
    auto id = ParseId(parts[3]);
    if (!id) return ErrorResponse(404, "not_found", "no outbox row '" + parts[3] + "'");
    if (!c.admin()) return ErrorResponse(403, "forbidden", "retrying posts is for admins");
    return outreach_->Retry(*id, c.session.user);
  }
  return ErrorResponse(404, "not_found", "no route " + r.method + " " + r.path);
}

Response ReviewApi::Login(const Request& r) {
  auto body = ParseBody(r);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  std::string user = OptString(body.value(), "user");
  std::string password = OptString(body.value(), "password");
  if (user.empty() || password.empty())
    return ErrorResponse(400, "bad_request", "give \"user\" and \"password\"");
  if (int64_t wait = limiter_.RetryAfterMs(user, r.remote_address); wait > 0) {
    spdlog::warn("login rate-limited for user '{}' from {}", user, r.remote_address);
    Response resp = ErrorResponse(429, "rate_limited",
                                  "too many login attempts; try again in " +
                                      std::to_string((wait + 999) / 1000) + " s");
    resp.headers.push_back({"Retry-After", std::to_string((wait + 999) / 1000)});
    return resp;
  }
  auto m = store_->GetModerator(user);
  if (!m.ok()) {
    spdlog::error("login: {}", FormatErrors(m.errors()));
    return ErrorResponse(500, "store", "the store failed; see the server log");
  }
  bool ok = false;
  if (m.value() && !m.value()->disabled) {
    ok = VerifyPassword(m.value()->password_hash, password);
  } else {
    // Spend the same time on unknown users so names cannot be probed.
    static const std::string dummy = HashPassword("not a real password").value();
    (void)VerifyPassword(dummy, password);
  }
  limiter_.Record(user, r.remote_address, ok);
  if (!ok) {
    spdlog::warn("login failed for user '{}' from {}", user, r.remote_address);
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
  a.note = "from " + r.remote_address;
  (void)store_->AppendAudit(a);
  spdlog::info("login: {} ({})", user, s.role);
  Response resp = JsonResponse(200, {{"user", user}, {"role", s.role}, {"csrf", s.csrf},
                                     {"expires_ms", s.expires_ms}});
  std::string cookie = std::string(kCookieName) + "=" + token +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(options_.session_ttl_ms / 1000);
  if (options_.secure_cookie) cookie += "; Secure";
  resp.headers.push_back({"Set-Cookie", cookie});
  return resp;
}

Response ReviewApi::Logout(const Request& r, const Caller& c) {
  Status s = store_->DeleteSession(TokenHash(CookieValue(r.Header("cookie"), kCookieName)));
  if (!s.ok()) spdlog::error("logout: {}", FormatErrors(s.errors()));
  store::AuditEntry a;
  a.actor = c.session.user;
  a.action = "logout";
  (void)store_->AppendAudit(a);
  Response resp = JsonResponse(200, {{"ok", true}});
  resp.headers.push_back({"Set-Cookie", std::string(kCookieName) +
                                            "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"});
  return resp;
}

Response ReviewApi::Queue(const Request& r) {
  store::QueueFilter f;
  std::string state = r.Query("state");
  if (state == "all") {
    f.states = {store::ItemState::kPending, store::ItemState::kEscalated,
                store::ItemState::kApproved, store::ItemState::kRemoved};
  } else if (!state.empty() && state != "open") {
    for (const auto& s : Split(state, ',')) {
      auto st = store::ParseState(s);
      if (!st)
        return ErrorResponse(400, "bad_request",
                             "unknown state '" + s + "' (pending, escalated, approved, removed, "
                             "open, all)");
      f.states.push_back(*st);
    }
  }
  f.category = r.Query("category");
  f.platform = r.Query("platform");
  f.account = r.Query("account");
  f.q = r.Query("q");
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
  std::string body;
  body.reserve(512 * page.value().items.size() + 1024);
  body += "{\"items\":[";
  bool first = true;
  for (const auto& it : page.value().items) {
    if (!first) body.push_back(',');
    first = false;
    AppendItem(&body, it);
  }
  body += "],";
  AppendKey(&body, "next_cursor");
  AppendString(&body, page.value().next_cursor);
  body += ",\"now_ms\":" + std::to_string(clock_->NowMs()) + ",";
  // The crisis wording is sent once per page, not once per crisis item.
  AppendKey(&body, "support_wording");
  AppendString(&body, options_.crisis_support_wording);
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
  json out{{"item", ItemJson(it, true)}};
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
    json e = ItemJson(h.item, false);
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

Response ReviewApi::OutcomeResponse(const store::Outcome& o) {
  switch (o.code) {
    case Code::kOk:
      return JsonResponse(200, {{"item", ItemJson(o.item, false)}, {"audit_id", o.audit_id}});
    case Code::kNotFound:
      return ErrorResponse(404, "not_found", o.message);
    case Code::kForbidden:
      return ErrorResponse(403, "forbidden", o.message);
    case Code::kInvalid:
      return ErrorResponse(422, "invalid", o.message);
    case Code::kConflict:
    case Code::kTooLate: {
      json body{{"error", o.message},
                {"code", o.code == Code::kConflict ? "conflict" : "too_late"},
                {"item", ItemJson(o.item, false)}};
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

Response ReviewApi::Claim(int64_t id, const Caller& c) {
  AASR_OR_500(o, store_->Claim(id, c.session.user, options_.claim_ttl_ms), "claim");
  return OutcomeResponse(o.value());
}

Response ReviewApi::Decision(int64_t id, const Request& r, const Caller& c) {
  auto body = ParseBody(r);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  const json& b = body.value();
  store::DecideRequest d;
  d.item_id = id;
  d.user = c.session.user;
  d.decision = OptString(b, "decision");
  d.note = OptString(b, "note");
  if (d.note.size() > 2000) return ErrorResponse(400, "bad_request", "note longer than 2000 bytes");
  if (b.contains("version")) {
    if (!b["version"].is_number_integer())
      return ErrorResponse(400, "bad_request", "\"version\" must be an integer");
    d.expected_version = b["version"].get<int64_t>();
  }
  AASR_OR_500(item, store_->GetItem(id), "decision");
  if (!item.value()) return ErrorResponse(404, "not_found", "no item " + std::to_string(id));
  d.actions = moderation::ForDecision(d.decision, CapabilitiesFor(item.value()->platform));
  AASR_OR_500(o, store_->Decide(d), "decision");
  if (o.value().code == Code::kOk)
    spdlog::info("item {}: {} by {}", id, d.decision, c.session.user);
  return OutcomeResponse(o.value());
}

Response ReviewApi::Undo(int64_t id, const Caller& c) {
  AASR_OR_500(o, store_->Undo(id, c.session.user, c.admin(), options_.undo_window_ms), "undo");
  if (o.value().code == Code::kOk) spdlog::info("item {}: undo by {}", id, c.session.user);
  return OutcomeResponse(o.value());
}

Response ReviewApi::Bulk(const Request& r, const Caller& c) {
  auto body = ParseBody(r);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.errors().front().message);
  const json& b = body.value();
  if (!b.contains("ids") || !b["ids"].is_array() || b["ids"].empty() || b["ids"].size() > 200)
    return ErrorResponse(400, "bad_request", "\"ids\" must be an array of 1 to 200 item ids");
  std::string decision = OptString(b, "decision");
  if (decision != "approve" && decision != "remove" && decision != "escalate")
    return ErrorResponse(400, "bad_request",
                         "\"decision\" must be approve, remove or escalate");
  json results = json::array();
  int ok = 0;
  for (const auto& v : b["ids"]) {
    if (!v.is_number_integer()) return ErrorResponse(400, "bad_request", "ids must be integers");
    Request one;
    one.body = json{{"decision", decision}, {"note", OptString(b, "note")}}.dump();
    Response resp = Decision(v.get<int64_t>(), one, c);
    json entry{{"id", v}, {"status", resp.status}};
    json parsed = json::parse(resp.body, nullptr, false);
    if (resp.status != 200 && parsed.is_object()) entry["error"] = parsed.value("error", "");
    if (resp.status == 409 && parsed.is_object()) {
      entry["decided_by"] = parsed.value("decided_by", "");
      entry["decided_at_ms"] = parsed.value("decided_at_ms", int64_t{0});
    }
    ok += resp.status == 200;
    results.push_back(entry);
  }
  return JsonResponse(200, {{"results", results}, {"decided", ok}});
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
  auto body = ParseBody(r);
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
