#include "tests/platforms/fake_mastodon.h"

#include <algorithm>

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

std::string FakeMastodon::AddMention(const std::string& from_acct, const std::string& html,
                                     const std::string& in_reply_to, int account_age_days, int followers) {
  std::string status_id = std::to_string(++next_id_);
  json account = Account(std::to_string(5000 + next_id_ % 1000), from_acct, account_age_days, followers);
  json st = MakeStatus(status_id, account, html, in_reply_to, json::array());
  all_statuses_[status_id] = st;
  std::string nid = std::to_string(++next_id_);
  notifications_.push_back({{"id", nid},
                            {"type", "mention"},
                            {"created_at", "2026-11-23T00:30:00.000Z"},
                            {"account", account},
                            {"status", st}});
  return nid;
}

ServerResponse FakeMastodon::Handle(const ServerRequest& r) {
  if (r.header("Authorization") != "Bearer " + token_) return ErrorAnswer(401, "The access token is invalid");
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
  if (r.method == "GET" && r.path == "/api/v1/accounts/verify_credentials") {
    json a = me;
    a["source"] = {{"privacy", "public"}, {"sensitive", false}, {"language", "en"}, {"note", ""}};
    return JsonAnswer(200, a);
  }
  if (r.method == "GET" && r.path == "/api/v2/instance") {
    return JsonAnswer(200, {{"domain", "mastodon.example"},
                            {"title", "Mastodon"},
                            {"version", "4.3.0"},
                            {"configuration",
                             {{"urls", {{"streaming", "wss://mastodon.example"}}},
                              {"accounts", {{"max_featured_tags", 10}}},
                              {"statuses",
                               {{"max_characters", 500}, {"max_media_attachments", 4},
                                {"characters_reserved_per_url", 23}}},
                              {"media_attachments",
                               {{"supported_mime_types", {"image/jpeg", "image/png", "image/gif", "image/webp"}},
                                {"image_size_limit", 16777216}}}}}});
  }
  if (r.method == "POST" && r.path == "/api/v2/media") {
    if (r.body.find("name=\"file\"") == std::string::npos) return ErrorAnswer(422, "Validation failed: File can't be blank");
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
    return JsonAnswer(async ? 202 : 200, m);
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
    if (!key.empty() && idempotency_.count(key)) return JsonAnswer(200, all_statuses_[idempotency_[key]]);
    std::string text;
    json media = json::array();
    for (const auto& [k, v] : r.form()) {
      if (k == "status") text = v;
      if (k == "media_ids[]") {
        if (!media_.count(v)) return ErrorAnswer(422, "Validation failed: Media ids are invalid");
        if (media_[v]["url"].is_null()) return ErrorAnswer(422, "Cannot attach files that have not finished processing. Try again in a moment!");
        media.push_back(media_[v]);
      }
    }
    if (text.empty() && media.empty()) return ErrorAnswer(422, "Validation failed: Text can't be blank");
    if (text.size() > 2000) return ErrorAnswer(422, "Validation failed: Text character limit of 500 exceeded");
    std::string id = std::to_string(++next_id_);
    std::string html = "<p>";
    for (char c : text) {
      if (c == '<') html += "&lt;";
      else if (c == '>') html += "&gt;";
      else if (c == '&') html += "&amp;";
      else if (c == '\n') html += "<br />";
      else html += c;
    }
    html += "</p>";
    json st = MakeStatus(id, me, html, "", media);
    statuses_.push_back(st);
    all_statuses_[id] = st;
    if (!key.empty()) idempotency_[key] = id;
    return JsonAnswer(200, st);
  }
  if (r.method == "GET" && r.path == "/api/v1/accounts/1/statuses") {
    json arr = json::array();
    for (auto it = statuses_.rbegin(); it != statuses_.rend(); ++it) arr.push_back(*it);
    return JsonAnswer(200, arr);
  }
  if (r.method == "GET" && r.path == "/api/v1/notifications") {
    std::string min_id, max_id, since_id;
    int limit = 40;
    bool mention_only = false;
    for (const auto& [k, v] : r.query) {
      if (k == "min_id") min_id = v;
      if (k == "max_id") max_id = v;
      if (k == "since_id") since_id = v;
      if (k == "limit") limit = std::min(80, std::stoi(v));
      if (k == "types[]" && v == "mention") mention_only = true;
    }
    std::vector<json> matching;
    for (const json& n : notifications_) {
      std::string id = n["id"];
      if (mention_only && n["type"] != "mention") continue;
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
      std::string base = url() + "/api/v1/notifications?types%5B%5D=mention&limit=" + std::to_string(limit);
      resp.headers.emplace_back("Link", "<" + base + "&max_id=" + page.back()["id"].get<std::string>() +
                                            ">; rel=\"next\", <" + base + "&min_id=" +
                                            page.front()["id"].get<std::string>() + ">; rel=\"prev\"");
    }
    return resp;
  }
  if (r.method == "GET" && r.path.rfind("/api/v1/statuses/", 0) == 0 &&
      r.path.size() > 8 && r.path.substr(r.path.size() - 8) == "/context") {
    std::string id = r.path.substr(17, r.path.size() - 17 - 8);
    if (!all_statuses_.count(id)) return ErrorAnswer(404, "Record not found");
    json ancestors = json::array();
    std::string cur = all_statuses_[id]["in_reply_to_id"].is_string() ? all_statuses_[id]["in_reply_to_id"].get<std::string>() : "";
    while (!cur.empty() && all_statuses_.count(cur)) {
      ancestors.insert(ancestors.begin(), all_statuses_[cur]);
      cur = all_statuses_[cur]["in_reply_to_id"].is_string() ? all_statuses_[cur]["in_reply_to_id"].get<std::string>() : "";
    }
    return JsonAnswer(200, {{"ancestors", ancestors}, {"descendants", json::array()}});
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
