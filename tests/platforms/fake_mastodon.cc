#include "tests/platforms/fake_mastodon.h"

#include <algorithm>
#include <functional>

#include "bot/net/rfc3339.h"
#include "bot/outreach/text_measure.h"

namespace aasr::testing {
using nlohmann::json;

namespace {

bool IdLess(const std::string& a, const std::string& b) { return a.size() != b.size() ? a.size() < b.size() : a < b; }

ServerResponse JsonAnswer(int status, const json& body) { return ServerResponse::Json(status, body.dump()); }

ServerResponse ErrorAnswer(int status, const std::string& message) {
  return JsonAnswer(status, {{"error", message}});
}

// The value of a multipart field (text fields only).
std::string MultipartField(const std::string& body, const std::string& name) {
  std::string marker = "name=\"" + name + "\"";
  size_t at = body.find(marker);
  if (at == std::string::npos) return "";
  size_t start = body.find("\r\n\r\n", at);
  if (start == std::string::npos) return "";
  start += 4;
  size_t end = body.find("\r\n--", start);
  return body.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// ERB::Util.h
std::string H(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// TextFormatter.shortened_link
std::string ShortenedLink(const std::string& url) {
  std::string prefix;
  for (const char* p : {"https://www.", "http://www.", "https://", "http://"}) {
    if (url.rfind(p, 0) == 0) {
      prefix = p;
      break;
    }
  }
  std::string rest = url.substr(prefix.size());
  std::string display = rest.substr(0, 30);
  std::string suffix = rest.size() > 30 ? rest.substr(30) : "";
  bool cutoff = rest.size() > 30;
  if (suffix.size() == 1) {  // "revert truncation to account for ellipsis"
    display += suffix;
    suffix.clear();
    cutoff = false;
  }
  return "<a href=\"" + H(url) + "\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">"
         "<span class=\"invisible\">" + H(prefix) + "</span><span class=\"" + (cutoff ? "ellipsis" : "") + "\">" +
         H(display) + "</span><span class=\"invisible\">" + H(suffix) + "</span></a>";
}

// Rails simple_format as Mastodon uses it (then .delete("\n")).
std::string SimpleFormat(const std::string& html) {
  std::vector<std::string> paragraphs;
  std::string cur;
  for (size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '\n') {
      size_t j = i + 1;
      while (j < html.size() && (html[j] == ' ' || html[j] == '\t' || html[j] == '\r')) ++j;
      if (j < html.size() && html[j] == '\n') {  // a blank line: new paragraph
        paragraphs.push_back(cur);
        cur.clear();
        while (j < html.size() && std::isspace(static_cast<unsigned char>(html[j]))) ++j;
        i = j - 1;
        continue;
      }
      cur += "<br />";
      continue;
    }
    cur += html[i];
  }
  paragraphs.push_back(cur);
  std::string out;
  for (const auto& p : paragraphs) out += "<p>" + p + "</p>";
  return out;
}

}  // namespace

FakeMastodon::FakeMastodon(std::string token) : token_(std::move(token)) {
  server_ = std::make_unique<LoopbackServer>([this](const ServerRequest& r) { return Handle(r); });
}

std::vector<ServerRequest> FakeMastodon::requests_to(const std::string& method, const std::string& path_prefix) {
  std::vector<ServerRequest> out;
  for (auto& r : server_->requests()) {
    if (r.method == method && r.path.rfind(path_prefix, 0) == 0) out.push_back(r);
  }
  return out;
}

json FakeMastodon::Account(const std::string& id, const std::string& acct, int age_days, int followers) const {
  // Dates relative to a fixed "now" of 2026-11-23 so ages are exact in tests.
  int y = 2026, m = 11, d = 23;
  time_t now = 1795395600;  // 2026-11-23T01:00:00Z
  time_t created = now - static_cast<time_t>(age_days) * 86400;
  std::tm tm{};
  gmtime_r(&created, &tm);
  (void)y, (void)m, (void)d;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string username = acct.substr(0, acct.find('@'));
  return {{"id", id},
          {"username", username},
          {"acct", acct},
          {"display_name", username},
          {"locked", false},
          {"bot", false},
          {"created_at", buf},
          {"note", ""},
          {"url", "https://mastodon.example/@" + username},
          {"avatar", "https://files.mastodon.example/avatars/original/missing.png"},
          {"followers_count", followers},
          {"following_count", 3},
          {"statuses_count", 42},
          {"last_status_at", "2026-11-22"},
          {"emojis", json::array()},
          {"fields", json::array()}};
}

json FakeMastodon::MakeStatus(const std::string& id, const json& account, const std::string& html,
                              const std::string& in_reply_to, const json& media) const {
  return {{"id", id},
          {"created_at", "2026-11-23T00:30:00.000Z"},
          {"in_reply_to_id", in_reply_to.empty() ? json(nullptr) : json(in_reply_to)},
          {"in_reply_to_account_id", in_reply_to.empty() ? json(nullptr) : json("1")},
          {"sensitive", false},
          {"spoiler_text", ""},
          {"visibility", "public"},
          {"language", "en"},
          {"uri", "https://mastodon.example/users/" + account["username"].get<std::string>() + "/statuses/" + id},
          {"url", "https://mastodon.example/@" + account["username"].get<std::string>() + "/" + id},
          {"replies_count", 0},
          {"reblogs_count", 0},
          {"favourites_count", 0},
          {"content", html},
          {"reblog", nullptr},
          {"account", account},
          {"media_attachments", media},
          {"mentions", json::array()},
          {"tags", json::array()},
          {"emojis", json::array()},
          {"card", nullptr},
          {"poll", nullptr}};
}

std::string FakeMastodon::NewStatus(const std::string& from_acct, const std::string& html,
                                    const std::string& in_reply_to, int account_age_days, int followers,
                                    json* account) {
  std::string status_id = std::to_string(++next_id_);
  *account = Account(std::to_string(5000 + next_id_ % 1000), from_acct, account_age_days, followers);
  json st = MakeStatus(status_id, *account, html, in_reply_to, json::array());
  all_statuses_[status_id] = st;
  return status_id;
}

bool FakeMastodon::Filtered(const json& account, int age_days, bool* drop) const {
  // NotificationPolicy: any "drop" drops, else any "filter" filters.
  const std::string acct = account["acct"];
  std::vector<std::string> verdicts;
  const bool followed = std::find(following.begin(), following.end(), acct) != following.end();
  if (!followed) verdicts.push_back(policy.for_not_following);
  verdicts.push_back(policy.for_not_followers);  // nobody follows the fake's account
  if (age_days < 30) verdicts.push_back(policy.for_new_accounts);
  if (std::find(limited_accts.begin(), limited_accts.end(), acct) != limited_accts.end())
    verdicts.push_back(policy.for_limited_accounts);
  *drop = std::find(verdicts.begin(), verdicts.end(), "drop") != verdicts.end();
  return std::find(verdicts.begin(), verdicts.end(), "filter") != verdicts.end();
}

std::string FakeMastodon::AddMention(const std::string& from_acct, const std::string& html,
                                     const std::string& in_reply_to, int account_age_days, int followers) {
  json account;
  std::string status_id = NewStatus(from_acct, html, in_reply_to, account_age_days, followers, &account);
  bool drop = false;
  last_filtered_ = Filtered(account, account_age_days, &drop);
  if (drop) {
    last_filtered_ = false;
    return "";
  }
  std::string nid = std::to_string(++next_id_);
  notifications_.push_back({{"id", nid},
                            {"type", "mention"},
                            {"created_at", "2026-11-23T00:30:00.000Z"},
                            {"account", account},
                            {"status", all_statuses_[status_id]}});
  if (last_filtered_) filtered_.push_back(nid);
  return nid;
}

std::string FakeMastodon::AddQuote(const std::string& from_acct, const std::string& html,
                                   const std::string& quoted_id, const std::string& state, int account_age_days) {
  json account;
  const std::string status_id = NewStatus(from_acct, html, "", account_age_days, 12, &account);
  json& st = all_statuses_[status_id];
  // REST::QuoteSerializer: quoted_status only once the quote is accepted.
  const bool shown = state == "accepted" && all_statuses_.count(quoted_id);
  st["quote"] = {{"state", state}, {"quoted_status", shown ? all_statuses_[quoted_id] : json(nullptr)}};
  quotes_[status_id] = quoted_id;
  // Notification type "quote" (4.5), for the quoted status's author only.
  const bool ours = all_statuses_.count(quoted_id) && all_statuses_[quoted_id]["account"]["id"] == "1";
  if (before_4_5 || !ours) return status_id;
  bool drop = false;
  last_filtered_ = Filtered(account, account_age_days, &drop);
  if (drop) {
    last_filtered_ = false;
    return status_id;
  }
  const std::string nid = std::to_string(++next_id_);
  notifications_.push_back({{"id", nid},
                            {"type", "quote"},
                            {"created_at", "2026-11-23T00:30:00.000Z"},
                            {"group_key", "ungrouped-" + nid},
                            {"account", account},
                            {"status", st}});
  if (last_filtered_) filtered_.push_back(nid);
  return status_id;
}

std::string FakeMastodon::QuoteState(const std::string& quoting_id) const {
  auto it = all_statuses_.find(quoting_id);
  if (it == all_statuses_.end() || !it->second.contains("quote")) return "";
  return it->second["quote"]["state"];
}

std::string FakeMastodon::AddReply(const std::string& from_acct, const std::string& html,
                                   const std::string& in_reply_to, int account_age_days) {
  json account;
  return NewStatus(from_acct, html, in_reply_to, account_age_days, 12, &account);
}

void FakeMastodon::SetCreatedAt(const std::string& status_id, const std::string& created_at) {
  if (all_statuses_.count(status_id)) all_statuses_[status_id]["created_at"] = created_at;
  for (json& st : statuses_) {
    if (st["id"] == status_id) st["created_at"] = created_at;
  }
}

std::string FakeMastodon::Render(const std::string& text, json* mentions, json* tags) const {
  // TextFormatter#to_s: Extractor entities (URLs with a scheme, hashtags,
  // mentions), overlaps removed, the rest escaped, then simple_format.
  struct Entity {
    outreach::Span span;
    char kind;  // 'u' url, 'h' hashtag, 'm' mention
  };
  std::vector<Entity> entities;
  for (const auto& sp : outreach::FindMastodonUrls(text)) entities.push_back({sp, 'u'});
  for (const auto& sp : outreach::FindHashtags(text)) entities.push_back({sp, 'h'});
  for (const auto& sp : outreach::FindMastodonMentions(text)) entities.push_back({sp, 'm'});
  std::sort(entities.begin(), entities.end(),
            [](const Entity& a, const Entity& b) { return a.span.begin < b.span.begin; });
  std::string html;
  size_t last = 0;
  for (const Entity& e : entities) {
    if (e.span.begin < last) continue;
    html += H(std::string_view(text).substr(last, e.span.begin - last));
    const std::string piece = text.substr(e.span.begin, e.span.end - e.span.begin);
    if (e.kind == 'u') {
      html += ShortenedLink(piece);
    } else if (e.kind == 'h') {
      const std::string tag = piece.substr(1);
      const std::string url = "https://mastodon.example/tags/" + tag;
      html += "<a href=\"" + H(url) + "\" class=\"mention hashtag\" rel=\"tag\">#<span>" + H(tag) + "</span></a>";
      tags->push_back({{"name", tag}, {"url", url}});
    } else {
      // Every mention resolves here; display_username is the username only.
      const std::string acct = piece.substr(1);
      const size_t at = acct.find('@');
      const std::string username = acct.substr(0, at);
      const std::string domain = at == std::string::npos ? "mastodon.example" : acct.substr(at + 1);
      const std::string url = "https://" + domain + "/@" + username;
      html += "<span class=\"h-card\" translate=\"no\"><a href=\"" + H(url) + "\" class=\"u-url mention\">@<span>" +
              H(username) + "</span></a></span>";
      mentions->push_back({{"id", std::to_string(7000 + mentions->size())}, {"username", username}, {"url", url},
                           {"acct", acct}});
    }
    last = e.span.end;
  }
  html += H(std::string_view(text).substr(last));
  return SimpleFormat(html);
}

ServerResponse FakeMastodon::Handle(const ServerRequest& r) {
  // The context of a public status may be read without a token
  // (authorize_if_got_token!); a wrong token is refused everywhere.
  const bool context = r.method == "GET" && r.path.size() > 8 && r.path.substr(r.path.size() - 8) == "/context";
  if (r.header("Authorization") != "Bearer " + token_ && !(context && r.header("Authorization").empty())) {
    return ErrorAnswer(401, "The access token is invalid");
  }
  // Rack::Attack runs before the application: an empty account-wide bucket
  // refuses every call.
  RefillApi();
  if (api_requests_left <= 0) {
    ServerResponse resp = ErrorAnswer(429, "Too many requests");
    AddRateHeaders(&resp, "300", 0, api_reset_);
    return resp;
  }
  --api_requests_left;
  ServerResponse resp = Faulted(r);
  bool has = false;
  for (const auto& [k, v] : resp.headers) has = has || k == "X-RateLimit-Limit";
  if (!has) AddRateHeaders(&resp, "300", api_requests_left, api_reset_);
  return resp;
}

void FakeMastodon::AddRateHeaders(ServerResponse* resp, const std::string& limit, int remaining,
                                  const std::string& reset) const {
  resp->headers.emplace_back("X-RateLimit-Limit", limit);
  resp->headers.emplace_back("X-RateLimit-Remaining", std::to_string(std::max(remaining, 0)));
  resp->headers.emplace_back("X-RateLimit-Reset", reset);
}

void FakeMastodon::RefillApi() {
  // Windows are aligned to the period (Rack::Attack: now / period).
  const net::WallTime now = clock ? clock->Now() : *net::ParseRfc3339("2026-11-23T01:00:00Z");
  const int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t reset_s = (secs / 300 + 1) * 300;
  std::string reset = net::FormatRfc3339(*net::FromUnixSeconds(reset_s));  // ...:00.000Z
  reset.insert(reset.size() - 1, "000");                                    // Time#iso8601(6)
  if (!api_reset_.empty() && reset != api_reset_ && clock) api_requests_left = 300;  // a new window
  api_reset_ = reset;
}

ServerResponse FakeMastodon::Faulted(const ServerRequest& r) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (r.path.rfind(it->path_prefix, 0) != 0) continue;
    Fault f = *it;
    faults_.erase(it);
    switch (f.kind) {
      case Fault::Kind::k500:
        return ErrorAnswer(500, "We're sorry, but something went wrong on our end.");
      case Fault::Kind::k429: {
        ServerResponse resp = ErrorAnswer(429, "Too many requests");
        resp.headers.emplace_back("Retry-After", std::to_string(f.retry_after_s));
        resp.headers.emplace_back("X-RateLimit-Limit", "300");
        resp.headers.emplace_back("X-RateLimit-Remaining", "0");
        return resp;
      }
      case Fault::Kind::kSlow: {
        ServerResponse resp = Answer(r);  // the server acts, the answer comes too late
        resp.delay_ms = f.delay_ms;
        return resp;
      }
      case Fault::Kind::kTruncatedJson: {
        ServerResponse resp = Answer(r);
        resp.body = resp.body.substr(0, resp.body.size() / 2);
        return resp;
      }
    }
  }
  return Answer(r);
}

ServerResponse FakeMastodon::Answer(const ServerRequest& r) {
  const json me = Account("1", "aasr", 900, 250);
  const bool context = r.method == "GET" && r.path.size() > 8 && r.path.substr(r.path.size() - 8) == "/context";
  if (r.method == "GET" && r.path == "/api/v1/accounts/verify_credentials") {
    json a = me;
    a["source"] = {{"privacy", "public"}, {"sensitive", false}, {"language", "en"}, {"note", ""}};
    return JsonAnswer(200, a);
  }
  if (r.method == "GET" && r.path == "/api/v2/instance") {
    json statuses = {{"max_media_attachments", 4}};
    if (max_characters >= 0) statuses["max_characters"] = max_characters;
    if (characters_reserved_per_url >= 0) statuses["characters_reserved_per_url"] = characters_reserved_per_url;
    json media = {{"supported_mime_types", {"image/jpeg", "image/png", "image/gif", "image/webp"}},
                  {"image_matrix_limit", 33177600}};
    if (image_size_limit >= 0) media["image_size_limit"] = image_size_limit;
    if (description_limit >= 0) media["description_limit"] = description_limit;
    return JsonAnswer(200, {{"domain", "mastodon.example"},
                            {"title", "Mastodon"},
                            {"version", "4.4.0"},
                            {"configuration",
                             {{"urls", {{"streaming", "wss://mastodon.example"}}},
                              {"accounts", {{"max_featured_tags", 10}}},
                              {"statuses", statuses},
                              {"media_attachments", media}}}});
  }
  if (r.method == "POST" && r.path == "/api/v2/media") {
    if (r.body.find("name=\"file\"") == std::string::npos) return ErrorAnswer(422, "Validation failed: File can't be blank");
    // throttle_api_media: 30 per 30 minutes, its own bucket.
    if (media_uploads_left <= 0) {
      ServerResponse resp = ErrorAnswer(429, "Too many requests");
      resp.headers = {{"X-RateLimit-Limit", "30"}, {"X-RateLimit-Remaining", "0"},
                      {"X-RateLimit-Reset", "2026-11-23T01:30:00.000000Z"}};
      return resp;
    }
    --media_uploads_left;
    if (image_size_limit >= 0 && static_cast<long long>(MultipartField(r.body, "file").size()) > image_size_limit) {
      return ErrorAnswer(422, "Validation failed: File file size must be less than " +
                                  std::to_string(image_size_limit / (1024 * 1024)) + " MB");
    }
    const std::string description = MultipartField(r.body, "description");
    size_t description_chars = 0;
    for (unsigned char c : description) description_chars += (c & 0xC0) != 0x80;
    if (description_limit >= 0 && static_cast<int>(description_chars) > description_limit) {
      return ErrorAnswer(422, "Validation failed: Description is too long (maximum is " +
                                  std::to_string(description_limit) + " characters)");
    }
    std::string id = std::to_string(++next_id_);
    bool async = media_processing_polls > 0;
    json m = {{"id", id},
              {"type", "image"},
              {"url", async ? json(nullptr) : json("https://files.mastodon.example/media/" + id + ".png")},
              {"preview_url", "https://files.mastodon.example/media/small/" + id + ".png"},
              {"remote_url", nullptr},
              {"text_url", nullptr},
              {"meta", json::object()},
              {"description", MultipartField(r.body, "description")},
              {"blurhash", "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"}};
    media_[id] = m;
    media_polls_left_[id] = media_processing_polls;
    ServerResponse resp = JsonAnswer(async ? 202 : 200, m);
    if (api_requests_left < media_uploads_left) AddRateHeaders(&resp, "300", api_requests_left, api_reset_);
    else AddRateHeaders(&resp, "30", media_uploads_left, "2026-11-23T01:30:00.000000Z");
    return resp;
  }
  if (r.method == "GET" && r.path.rfind("/api/v1/media/", 0) == 0) {
    std::string id = r.path.substr(14);
    if (!media_.count(id)) return ErrorAnswer(404, "Record not found");
    if (media_polls_left_[id] > 0) {
      --media_polls_left_[id];
      return JsonAnswer(206, media_[id]);
    }
    media_[id]["url"] = "https://files.mastodon.example/media/" + id + ".png";
    return JsonAnswer(200, media_[id]);
  }
  if (r.method == "POST" && r.path == "/api/v1/statuses") {
    std::string key = r.header("Idempotency-Key");
    auto kept = key.empty() ? idempotency_.end() : idempotency_.find(key);
    if (kept != idempotency_.end() && clock && clock->Now() - kept->second.at >= std::chrono::seconds(3600)) {
      idempotency_.erase(kept);  // redis expired it
      kept = idempotency_.end();
    }
    if (kept != idempotency_.end()) return JsonAnswer(200, all_statuses_[kept->second.status_id]);
    // RateLimiter.new(account, family: :statuses).record! (a 429 there is
    // Mastodon::RateLimitExceededError with the family's headers).
    if (statuses_left <= 0) {
      ServerResponse resp = ErrorAnswer(429, "Too many requests");
      AddRateHeaders(&resp, "300", 0, "2026-11-23T03:00:00.000000Z");
      return resp;
    }
    std::string text, in_reply_to, visibility = "public";
    json media = json::array();
    for (const auto& [k, v] : r.form()) {
      if (k == "status") text = v;
      if (k == "in_reply_to_id") in_reply_to = v;
      if (k == "visibility") visibility = v;
      if (k == "media_ids[]") {
        if (!media_.count(v)) return ErrorAnswer(422, "Validation failed: Media ids are invalid");
        if (media_[v]["url"].is_null()) return ErrorAnswer(422, "Cannot attach files that have not finished processing. Try again in a moment!");
        media.push_back(media_[v]);
      }
    }
    if (text.empty() && media.empty()) return ErrorAnswer(422, "Validation failed: Text can't be blank");
    // PostStatusService: Status.find(in_reply_to_id) (404 when unknown);
    // visibility one of the four (422 otherwise).
    if (!in_reply_to.empty() && !all_statuses_.count(in_reply_to)) return ErrorAnswer(404, "Record not found");
    if (visibility != "public" && visibility != "unlisted" && visibility != "private" && visibility != "direct") {
      return ErrorAnswer(422, "Validation failed: Visibility is not included in the list");
    }
    const int limit = max_characters >= 0 ? max_characters : 500;
    const size_t url_weight = characters_reserved_per_url >= 0 ? characters_reserved_per_url : 23;
    if (static_cast<int>(outreach::CountMastodonCharacters(text, url_weight)) > limit) {
      return ErrorAnswer(422, "Validation failed: Text character limit of " + std::to_string(limit) + " exceeded");
    }
    std::string id = std::to_string(++next_id_);
    json mentions = json::array(), tags = json::array();
    std::string html = Render(text, &mentions, &tags);
    json st = MakeStatus(id, me, html, in_reply_to, media);
    st["mentions"] = mentions;
    st["tags"] = tags;
    st["visibility"] = visibility;
    if (!in_reply_to.empty()) {
      st["in_reply_to_account_id"] = all_statuses_[in_reply_to]["account"]["id"];
      all_statuses_[in_reply_to]["replies_count"] = all_statuses_[in_reply_to]["replies_count"].get<int>() + 1;
    }
    statuses_.push_back(st);
    all_statuses_[id] = st;
    if (!key.empty()) idempotency_[key] = KeptKey{id, clock ? clock->Now() : net::WallTime{}};
    --statuses_left;
    ServerResponse resp = JsonAnswer(200, st);
    AddRateHeaders(&resp, "300", statuses_left, "2026-11-23T03:00:00.000000Z");
    return resp;
  }
  if (r.method == "GET" && r.path == "/api/v1/accounts/1/statuses") {
    size_t limit = 20;
    bool exclude_replies = false;
    for (const auto& [k, v] : r.query) {
      if (k == "limit") limit = std::min<size_t>(40, std::stoul(v));
      if (k == "exclude_replies") exclude_replies = v == "true";
    }
    json arr = json::array();
    for (auto it = statuses_.rbegin(); it != statuses_.rend() && arr.size() < limit; ++it) {
      if (exclude_replies && (*it)["in_reply_to_id"].is_string()) continue;
      arr.push_back(*it);
    }
    return JsonAnswer(200, arr);
  }
  if (r.method == "GET" && r.path == "/api/v1/notifications") {
    std::string min_id, max_id, since_id;
    int limit = 40;
    std::vector<std::string> types;  // types[]: any of these (all when none)
    bool include_filtered = false;  // 4.3: filtered notifications are withheld by default
    for (const auto& [k, v] : r.query) {
      if (k == "min_id") min_id = v;
      if (k == "max_id") max_id = v;
      if (k == "since_id") since_id = v;
      if (k == "limit") limit = std::min(80, std::stoi(v));
      if (k == "types[]") types.push_back(v);
      if (k == "include_filtered") include_filtered = v == "true" || v == "1";
    }
    std::vector<json> matching;
    for (const json& n : notifications_) {
      std::string id = n["id"];
      if (!types.empty() && std::find(types.begin(), types.end(), n["type"].get<std::string>()) == types.end())
        continue;
      if (!include_filtered && std::find(filtered_.begin(), filtered_.end(), id) != filtered_.end()) continue;
      if (!max_id.empty() && !IdLess(id, max_id)) continue;
      if (!since_id.empty() && !IdLess(since_id, id)) continue;
      if (!min_id.empty() && !IdLess(min_id, id)) continue;
      matching.push_back(n);
    }
    // min_id pages forward: the `limit` notifications immediately newer than
    // min_id. Otherwise the newest `limit`. Either way returned newest first.
    std::vector<json> page;
    if (!min_id.empty()) {
      page.assign(matching.begin(), matching.begin() + std::min<size_t>(limit, matching.size()));
    } else {
      size_t n = std::min<size_t>(limit, matching.size());
      page.assign(matching.end() - static_cast<long>(n), matching.end());
    }
    std::reverse(page.begin(), page.end());
    json arr = json::array();
    for (const json& n : page) {
      arr.push_back(n);
      if (duplicate_notifications) arr.push_back(n);
    }
    ServerResponse resp = JsonAnswer(200, arr);
    if (!page.empty()) {
      net::Params kept;
      for (const auto& [k, v] : r.query) {
        if (k != "min_id" && k != "max_id" && k != "since_id") kept.emplace_back(k, v);
      }
      std::string base = net::WithQuery(url() + "/api/v1/notifications", kept);
      base += base.find('?') == std::string::npos ? "?" : "";
      resp.headers.emplace_back("Link", "<" + base + "&max_id=" + page.back()["id"].get<std::string>() +
                                            ">; rel=\"next\", <" + base + "&min_id=" +
                                            page.front()["id"].get<std::string>() + ">; rel=\"prev\"");
    }
    return resp;
  }
  if (r.method == "POST" && r.path.rfind("/api/v1/statuses/", 0) == 0 && r.path.find("/quotes/") != std::string::npos &&
      r.path.size() > 7 && r.path.substr(r.path.size() - 7) == "/revoke" && !before_4_5) {
    // Api::V1::Statuses::QuotesController#revoke: the quoted status must be
    // ours (403), the quote must exist (404); RevokeQuoteService rejects it
    // (accepted -> revoked, otherwise rejected) and answers the quoting
    // status, whose quoted_status is then null.
    const std::string rest = r.path.substr(17, r.path.size() - 17 - 7);
    const size_t q = rest.find("/quotes/");
    const std::string quoted = rest.substr(0, q), quoting = rest.substr(q + 8);
    if (!all_statuses_.count(quoted)) return ErrorAnswer(404, "Record not found");
    if (all_statuses_[quoted]["account"]["id"] != "1") return ErrorAnswer(403, "This action is not allowed");
    auto it = quotes_.find(quoting);
    if (it == quotes_.end() || it->second != quoted) return ErrorAnswer(404, "Record not found");
    json& st = all_statuses_[quoting];
    const std::string state = st["quote"]["state"];
    if (state != "revoked") st["quote"]["state"] = state == "accepted" ? "revoked" : "rejected";
    st["quote"]["quoted_status"] = nullptr;
    return JsonAnswer(200, st);
  }
  if (r.method == "GET" && r.path.rfind("/api/v1/statuses/", 0) == 0 && !context &&
      r.path.find('/', 17) == std::string::npos) {
    const std::string id = r.path.substr(17);
    if (!all_statuses_.count(id)) return ErrorAnswer(404, "Record not found");
    return JsonAnswer(200, all_statuses_[id]);
  }
  if (context && r.path.rfind("/api/v1/statuses/", 0) == 0) {
    std::string id = r.path.substr(17, r.path.size() - 17 - 8);
    if (!all_statuses_.count(id)) return ErrorAnswer(404, "Record not found");
    // Api::V1::Statuses::ContextsController: CONTEXT_LIMIT 4,096 with a
    // token; ANCESTORS_LIMIT 40, DESCENDANTS_LIMIT 60, depth 20 without.
    const bool authenticated = !r.header("Authorization").empty();
    const size_t ancestors_limit = authenticated ? 4096 : 40;
    const size_t descendants_limit = authenticated ? 4096 : 60;
    const int depth_limit = authenticated ? -1 : 20;
    auto parent_of = [&](const json& st) {
      return st["in_reply_to_id"].is_string() ? st["in_reply_to_id"].get<std::string>() : std::string();
    };
    auto hidden = [&](const json& st) {  // StatusFilter: blocked and muted accounts
      const std::string author = st["account"]["id"];
      return authenticated && (std::find(blocked.begin(), blocked.end(), author) != blocked.end() ||
                               std::find(muted.begin(), muted.end(), author) != muted.end());
    };
    json ancestors = json::array();
    std::string cur = parent_of(all_statuses_[id]);
    while (!cur.empty() && all_statuses_.count(cur) && ancestors.size() < ancestors_limit) {
      if (!hidden(all_statuses_[cur])) ancestors.insert(ancestors.begin(), all_statuses_[cur]);
      cur = parent_of(all_statuses_[cur]);
    }
    json descendants = json::array();
    std::function<void(const std::string&, int)> walk = [&](const std::string& parent, int depth) {
      if (depth_limit >= 0 && depth > depth_limit) return;
      for (const auto& [sid, st] : all_statuses_) {  // ascending by id within a level
        if (descendants.size() >= descendants_limit) return;
        if (parent_of(st) != parent) continue;
        if (!hidden(st)) descendants.push_back(st);
        walk(sid, depth + 1);
      }
    };
    walk(id, 1);
    return JsonAnswer(200, {{"ancestors", ancestors}, {"descendants", descendants}});
  }
  if (r.method == "POST" && r.path.rfind("/api/v1/accounts/", 0) == 0) {
    std::string rest = r.path.substr(17);
    size_t slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string verb = slash == std::string::npos ? "" : rest.substr(slash + 1);
    json rel = {{"id", id}, {"following", false}, {"followed_by", false}, {"blocking", false},
                {"muting", false}, {"requested", false}, {"domain_blocking", false}, {"note", ""}};
    if (verb == "block") blocked.push_back(id);
    else if (verb == "unblock") blocked.erase(std::remove(blocked.begin(), blocked.end(), id), blocked.end());
    else if (verb == "mute") muted.push_back(id);
    else if (verb == "unmute") muted.erase(std::remove(muted.begin(), muted.end(), id), muted.end());
    else return ErrorAnswer(404, "Record not found");
    rel["blocking"] = std::find(blocked.begin(), blocked.end(), id) != blocked.end();
    rel["muting"] = std::find(muted.begin(), muted.end(), id) != muted.end();
    return JsonAnswer(200, rel);
  }
  if (r.method == "POST" && r.path == "/api/v1/reports") {
    json report = {{"id", std::to_string(++next_id_)}, {"action_taken", false}, {"category", "other"},
                   {"comment", ""}, {"forwarded", false}, {"status_ids", json::array()}};
    std::string account_id;
    for (const auto& [k, v] : r.form()) {
      if (k == "account_id") account_id = v;
      if (k == "status_ids[]") report["status_ids"].push_back(v);
      if (k == "comment") report["comment"] = v;
      if (k == "category") report["category"] = v;
    }
    if (account_id.empty()) return ErrorAnswer(422, "Validation failed: Target account can't be blank");
    report["target_account"] = Account(account_id, "reported", 1, 0);
    reports.push_back(report);
    return JsonAnswer(200, report);
  }
  return ErrorAnswer(404, "Record not found");
}

}  // namespace aasr::testing
