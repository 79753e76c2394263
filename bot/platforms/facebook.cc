#include "bot/platforms/facebook.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "bot/net/rfc3339.h"
#include "bot/platforms/common.h"
#include "bot/platforms/facebook_webhook.h"
#include "bot/platforms/replies.h"

namespace aasr::platforms {
using nlohmann::json;

namespace {

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

std::string FileName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Squash(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

}  // namespace

FacebookPlatform::FacebookPlatform(FacebookConfig config, net::HttpClient* http, net::Clock* clock)
    : config_(std::move(config)), http_(http), clock_(clock), api_(http, config_.account, GraphHooks()) {
  while (!config_.graph.empty() && config_.graph.back() == '/') config_.graph.pop_back();
}

Capabilities FacebookPlatform::capabilities() const {
  Capabilities c;
  c.hide_replies = true;
  c.delete_comments = true;
  c.block_authors = true;
  c.report = false;
  c.webhooks = true;
  c.max_text = 63206;
  c.max_images = 10;
  c.find_by_key = false;
  SetReplyCapabilities("facebook", &c);
  return c;
}

std::string FacebookPlatform::Url(const std::string& path) const {
  return config_.graph + "/" + config_.version + "/" + path;
}

net::Params FacebookPlatform::Auth() const {
  net::Params p = {{"access_token", config_.token}};
  if (!config_.app_secret.empty()) p.emplace_back("appsecret_proof", HmacSha256Hex(config_.app_secret, config_.token));
  return p;
}

namespace {

// A number from the server as an int64 without undefined casts (a code of
// 1e300 must not become anything): -1 when absent or out of range.
int64_t SmallInt(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return -1;
  const double d = j[key].get<double>();
  if (!(d >= 0 && d <= 1e9)) return -1;
  return static_cast<int64_t>(d);
}

double Percent(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  const double d = j[key].get<double>();
  return d >= 0 && d <= 1e6 ? d : 0;  // NaN and nonsense count as nothing
}

// One usage object: {"call_count", "total_cputime", "total_time",
// "estimated_time_to_regain_access"} (percentages; minutes).
void ReadUsageObject(const json& j, const std::string& header, FacebookPlatform::Usage* u) {
  if (!j.is_object()) return;
  for (const char* k : {"call_count", "total_cputime", "total_time"}) {
    const double p = Percent(j, k);
    if (p > u->percent) {
      u->percent = p;
      u->header = header;
    }
  }
  const int64_t regain = SmallInt(j, "estimated_time_to_regain_access");
  if (regain > u->regain_minutes) u->regain_minutes = std::min<int64_t>(regain, 24 * 60);
}

net::Millis Minutes(int64_t m) { return net::Millis(m * 60 * 1000); }

}  // namespace

ErrorCode FacebookPlatform::CodeForGraphError(const std::string& body, int http_status) {
  json j = json::parse(body, nullptr, false);
  const json* err = nullptr;
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) err = &j["error"];
  if (err == nullptr) return net::CodeForStatus(http_status);
  const int64_t code = SmallInt(*err, "code");
  const int64_t subcode = SmallInt(*err, "error_subcode");
  if (code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80099)) {
    return ErrorCode::kRateLimited;
  }
  if (code == 190 || code == 102) return ErrorCode::kAuth;
  if (code == 1 || code == 2) return ErrorCode::kTransient;
  if (err->contains("is_transient") && (*err)["is_transient"] == true) return ErrorCode::kTransient;
  if (code == 100 && subcode == 33) return ErrorCode::kNotFound;
  if (code == 10 || (code >= 200 && code <= 299)) return ErrorCode::kRefused;
  return net::CodeForStatus(http_status);
}

FacebookPlatform::Usage FacebookPlatform::UsageFromHeaders(const net::Headers& headers) {
  Usage u;
  for (const char* name : {"X-App-Usage", "X-Page-Usage"}) {
    const std::string v = net::FindHeader(headers, name);
    if (!v.empty()) ReadUsageObject(json::parse(v, nullptr, false), name, &u);
  }
  // {"<business-object-id>": [{"type": "pages", "call_count": ..., ...}]}
  const std::string buc = net::FindHeader(headers, "X-Business-Use-Case-Usage");
  if (!buc.empty()) {
    json j = json::parse(buc, nullptr, false);
    if (j.is_object()) {
      for (const auto& [id, entries] : j.items()) {
        if (!entries.is_array()) continue;
        for (const auto& e : entries) ReadUsageObject(e, "X-Business-Use-Case-Usage", &u);
      }
    }
  }
  return u;
}

void FacebookPlatform::Throttle(net::WallTime until, const std::string& because) {
  if (until <= throttled_until_) return;
  throttled_until_ = until;
  throttled_because_ = because;
}

net::JsonApiHooks FacebookPlatform::GraphHooks() {
  net::JsonApiHooks h;
  h.prepare = [this](net::Request* req) -> Status {
    if (clock_->Now() < throttled_until_) {
      // Every call a throttled app makes fails and counts against it.
      return Error{{net::Describe(*req)}, config_.account,
                   "not calling the Graph API before " + net::FormatRfc3339(throttled_until_) + ": " +
                       throttled_because_,
                   ErrorCode::kRateLimited};
    }
    return Ok{};
  };
  h.observe = [this](const net::Request&, const net::Response& r) {
    if (!r.ok()) return;  // refine() reads a refusal
    throttles_in_a_row_ = 0;
    const Usage usage = UsageFromHeaders(r.headers);
    if (usage.percent >= kNearFullPercent) {
      const int64_t minutes = usage.regain_minutes > 0 ? usage.regain_minutes : 5;
      Throttle(clock_->Now() + Minutes(minutes), usage.header + " at " + std::to_string(static_cast<int>(usage.percent)) +
                                                     "% of the limit: pausing " + std::to_string(minutes) + " min");
    }
  };
  h.refine = [this](const net::Response& r, Error* e) {
    e->code = CodeForGraphError(r.body, r.status);
    json body = json::parse(r.body, nullptr, false);
    const int64_t subcode =
        !body.is_discarded() && body.is_object() && body.contains("error") ? SmallInt(body["error"], "error_subcode") : -1;
    if (e->code == ErrorCode::kRateLimited) {
      ++throttles_in_a_row_;
      int64_t minutes = std::min<int64_t>(60, int64_t{1} << std::min(throttles_in_a_row_ - 1, 6));
      minutes = std::max(minutes, UsageFromHeaders(r.headers).regain_minutes);
      Throttle(clock_->Now() + Minutes(minutes), "the Graph API throttled this app or Page (" + e->message + ")");
      e->message += " (throttled: no call to the Graph API for " + std::to_string(minutes) + " min)";
    } else if (e->code == ErrorCode::kAuth) {
      e->message += subcode == 463 ? " (the Page access token has expired"
                                   : " (the Page access token is invalid or revoked";
      e->message += ": put a new Page access token in this account's token_env and reload)";
    }
  };
  return h;
}

Result<json> FacebookPlatform::Send(net::Request req) {
  req.headers.emplace_back("Accept", "application/json");
  return api_.Call(req);
}

Result<json> FacebookPlatform::Get(const std::string& path, net::Params query) {
  for (auto& p : Auth()) query.push_back(p);
  return GetUrl(net::WithQuery(Url(path), query));
}

Result<json> FacebookPlatform::GetUrl(const std::string& url) {
  net::Request req;
  req.url = url;
  if (url.find("access_token=") == std::string::npos) req.url = net::WithQuery(url, Auth());
  return Send(req);
}

Result<json> FacebookPlatform::Post(const std::string& path, net::Params form, bool retry) {
  for (auto& p : Auth()) form.push_back(p);
  net::Request req;
  req.method = "POST";
  req.url = Url(path);
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = net::FormEncode(form);
  req.retry = retry;
  return Send(req);
}

Status FacebookPlatform::CheckCredentials() {
  auto j = Get(config_.page_id, {{"fields", "id,name"}});
  if (!j.ok()) return j.errors();
  if (Str(j.value(), "id") != config_.page_id) {
    return Error{{Url(config_.page_id)}, config_.account, "the token does not give access to page " + config_.page_id, ErrorCode::kAuth};
  }
  subscribed_ = false;  // check it again: someone may have removed the app
  return EnsureSubscribed();
}

Status FacebookPlatform::EnsureSubscribed() {
  if (!config_.subscribe_webhooks) {
    subscription_ = "webhooks: not subscribed (no verify_token_env: comments are polled only)";
    return Ok{};
  }
  if (subscribed_) return Ok{};
  const std::string path = config_.page_id + "/subscribed_apps";
  // Idempotent: subscribing again keeps one subscription.
  auto posted = Post(path, {{"subscribed_fields", "feed"}}, true);
  if (!posted.ok()) {
    Errors errs = posted.errors();
    for (Error& e : errs) {
      if (e.code != ErrorCode::kRefused && e.code != ErrorCode::kAuth) continue;
      e.code = ErrorCode::kAuth;
      e.message += " (subscribing the app to the Page's feed webhooks needs a Page token with the "
                   "pages_manage_metadata permission)";
    }
    return errs;
  }
  if (posted.value().contains("success") && posted.value()["success"] == false) {
    return Error{{Url(path)}, config_.account, "the Graph API answered success: false to subscribed_apps", ErrorCode::kRefused};
  }
  auto listed = Get(path, {});
  if (!listed.ok()) return listed.errors();
  const json& data = listed.value().contains("data") ? listed.value()["data"] : json();
  std::string apps;
  if (data.is_array()) {
    for (const json& app : data) {
      if (!app.is_object() || !app.contains("subscribed_fields") || !app["subscribed_fields"].is_array()) continue;
      for (const json& f : app["subscribed_fields"]) {
        if (f == "feed") apps += (apps.empty() ? "" : ", ") + (Str(app, "name").empty() ? Str(app, "id") : Str(app, "name"));
      }
    }
  }
  if (apps.empty()) {
    return Error{{Url(path)}, config_.account,
                 "subscribed_apps lists no app subscribed to the Page's feed after subscribing", ErrorCode::kRefused};
  }
  subscribed_ = true;
  subscription_ = "webhooks: subscribed to feed (" + apps + ")";
  return Ok{};
}

Result<std::string> FacebookPlatform::Permalink(const std::string& id) {
  auto j = Get(id, {{"fields", "permalink_url"}});
  if (!j.ok()) return j.errors();
  std::string url = Str(j.value(), "permalink_url");
  if (url.empty()) url = "https://www.facebook.com/" + id;
  return url;
}

Result<std::optional<Published>> FacebookPlatform::FindPublished(const std::string& idempotency_key) {
  return Error{{Url(config_.page_id)}, config_.account,
               "the Graph API cannot look up '" + idempotency_key + "' by key; use FindPublished(post)", ErrorCode::kUnsupported};
}

Result<std::optional<Published>> FacebookPlatform::FindPublished(const ComposedPost& post) {
  auto j = Get(config_.page_id + "/posts", {{"fields", "id,message,permalink_url,created_time"}, {"limit", "25"}});
  if (!j.ok()) return j.errors();
  if (!j.value().contains("data") || !j.value()["data"].is_array()) {
    return Error{{Url(config_.page_id + "/posts")}, config_.account, "malformed answer: no data array", ErrorCode::kTransient};
  }
  std::string want = Squash(post.text);
  for (const json& p : j.value()["data"]) {
    if (!want.empty() && Squash(Str(p, "message")) == want) {
      std::string url = Str(p, "permalink_url");
      if (url.empty()) url = "https://www.facebook.com/" + Str(p, "id");
      return std::optional<Published>(Published{Str(p, "id"), url});
    }
  }
  return std::optional<Published>();
}

Result<Published> FacebookPlatform::Publish(const ComposedPost& post) {
  Status valid = ValidatePost(post, capabilities(), config_.account);
  if (!valid.ok()) return valid.errors();
  // No idempotency key in the Graph API: look for an earlier attempt first.
  auto earlier = FindPublished(post);
  if (!earlier.ok()) return earlier.errors();
  if (earlier.value()) return *earlier.value();

  auto upload = [&](const Image& img, bool published) -> Result<json> {
    Result<std::string> bytes = ReadFile(img.file);
    if (!bytes.ok()) return bytes.errors();
    net::Multipart form;
    form.AddFile("source", FileName(img.file), img.mime_type, bytes.value());
    form.AddField("alt_text_custom", img.alt);
    form.AddField("published", published ? "true" : "false");
    if (published) form.AddField("message", post.text);
    for (const auto& [k, v] : Auth()) form.AddField(k, v);
    net::Request req;
    req.method = "POST";
    req.url = Url(config_.page_id + "/photos");
    req.headers = {{"Content-Type", form.content_type()}};
    req.body = form.body();
    req.retry = !published;  // an unpublished photo is harmless to repeat
    return Send(req);
  };

  std::string id;
  if (post.images.size() == 1) {
    auto j = upload(post.images[0], true);
    if (!j.ok()) return j.errors();
    id = Str(j.value(), "post_id");
    if (id.empty()) id = Str(j.value(), "id");
  } else {
    net::Params form = {{"message", post.text}};
    if (!post.link.empty()) form.emplace_back("link", post.link);
    else if (post.card) form.emplace_back("link", post.card->uri);
    for (size_t i = 0; i < post.images.size(); ++i) {
      auto j = upload(post.images[i], false);
      if (!j.ok()) return j.errors();
      form.emplace_back("attached_media[" + std::to_string(i) + "]",
                        json{{"media_fbid", Str(j.value(), "id")}}.dump());
    }
    auto j = Post(config_.page_id + "/feed", form, /*retry=*/false);
    if (!j.ok()) return j.errors();
    id = Str(j.value(), "id");
  }
  if (id.empty()) return Error{{Url(config_.page_id + "/feed")}, config_.account, "malformed answer: no post id", ErrorCode::kTransient};
  auto url = Permalink(id);
  return Published{id, url.ok() ? url.value() : "https://www.facebook.com/" + id};
}

FetchedComment FacebookPlatform::CommentFromGraph(const json& cm, const std::string& post_id, int64_t* created_unix) {
  FetchedComment c;
  *created_unix = 0;
  c.remote_id = Str(cm, "id");
  if (c.remote_id.empty()) return c;
  auto created = net::ParseRfc3339(Str(cm, "created_time"));
  if (created) *created_unix = std::chrono::duration_cast<std::chrono::seconds>(created->time_since_epoch()).count();
  c.text = Str(cm, "message");
  c.created_at = created ? net::FormatRfc3339(*created) : Str(cm, "created_time");
  if (cm.contains("from") && cm["from"].is_object()) {
    c.author_id = Str(cm["from"], "id");
    c.author_handle = Str(cm["from"], "name");
  }
  c.root_remote_id = post_id;
  c.parent_remote_id = cm.contains("parent") ? Str(cm["parent"], "id") : post_id;
  if (c.parent_remote_id.empty()) c.parent_remote_id = post_id;
  c.kind = "comment";
  return c;
}

Result<CommentBatch> FacebookPlatform::FetchComments(const std::string& cursor) {
  int64_t since = 0;
  std::set<std::string> seen_at_since;
  if (!cursor.empty()) {
    json c = json::parse(cursor, nullptr, false);
    if (c.is_discarded() || !c.is_object() || !c.contains("since") || !c["since"].is_number_integer()) {
      return Error{{"cursor"}, config_.account, "malformed Facebook cursor '" + cursor + "'", ErrorCode::kInvalidInput};
    }
    since = c["since"].get<int64_t>();
    if (c.contains("ids") && c["ids"].is_array()) {
      for (const auto& id : c["ids"]) {
        if (id.is_string()) seen_at_since.insert(id.get<std::string>());
      }
    }
  }
  Status subscribed = EnsureSubscribed();
  if (!subscribed.ok()) return subscribed.errors();
  auto posts = Get(config_.page_id + "/posts", {{"fields", "id,created_time"}, {"limit", std::to_string(config_.recent_posts)}});
  if (!posts.ok()) return posts.errors();
  if (!posts.value().contains("data") || !posts.value()["data"].is_array()) {
    return Error{{Url(config_.page_id + "/posts")}, config_.account, "malformed answer: no data array", ErrorCode::kTransient};
  }
  struct Item {
    int64_t t;
    FetchedComment c;
  };
  std::vector<Item> items;
  std::set<std::string> seen;
  int64_t newest = since;
  std::set<std::string> newest_ids = seen_at_since;
  for (const json& p : posts.value()["data"]) {
    std::string post_id = Str(p, "id");
    if (post_id.empty()) continue;
    net::Params q = {{"fields", "id,message,from,created_time,parent{id},is_hidden"},
                     {"filter", "stream"},
                     {"order", "chronological"},
                     {"limit", "100"}};
    if (since > 0) q.emplace_back("since", std::to_string(since));
    auto page = Get(post_id + "/comments", q);
    for (int n = 0; n < 50; ++n) {
      if (!page.ok()) return page.errors();
      const json& body = page.value();
      if (!body.contains("data") || !body["data"].is_array()) {
        return Error{{Url(post_id + "/comments")}, config_.account, "malformed answer: no data array", ErrorCode::kTransient};
      }
      for (const json& cm : body["data"]) {
        int64_t t = 0;
        FetchedComment c = CommentFromGraph(cm, post_id, &t);
        if (c.remote_id.empty() || !seen.insert(c.remote_id).second) continue;
        if (t < since || (t == since && seen_at_since.count(c.remote_id))) continue;
        if (t > newest) {
          newest = t;
          newest_ids = {c.remote_id};
        } else if (t == newest) {
          newest_ids.insert(c.remote_id);
        }
        items.push_back({t, std::move(c)});
      }
      std::string next;
      if (body.contains("paging") && body["paging"].is_object()) next = Str(body["paging"], "next");
      if (next.empty()) break;
      page = GetUrl(next);
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.t < b.t; });
  CommentBatch batch;
  for (auto& it : items) batch.comments.push_back(std::move(it.c));
  if (newest > 0) {
    json next = {{"since", newest}, {"ids", json::array()}};
    for (const auto& id : newest_ids) next["ids"].push_back(id);
    batch.next_cursor = next.dump();
  } else {
    batch.next_cursor = cursor;
  }
  return batch;
}

Status FacebookPlatform::Moderate(ModerationAction action, const FetchedComment& target) {
  auto expect_success = [&](const Result<json>& r) -> Status {
    if (!r.ok()) return r.errors();
    if (r.value().contains("success") && r.value()["success"] == false) {
      return Error{{Url(target.remote_id)}, config_.account, "the Graph API answered success: false", ErrorCode::kRefused};
    }
    return Ok{};
  };
  switch (action) {
    case ModerationAction::kHide:
      return expect_success(Post(target.remote_id, {{"is_hidden", "true"}}, true));
    case ModerationAction::kUnhide:
      return expect_success(Post(target.remote_id, {{"is_hidden", "false"}}, true));
    case ModerationAction::kDelete: {
      net::Request req;
      req.method = "DELETE";
      req.url = net::WithQuery(Url(target.remote_id), Auth());
      return expect_success(Send(req));
    }
    case ModerationAction::kBlock:
      if (target.author_id.empty()) {
        return Error{{Url(target.remote_id)}, config_.account,
                     "comment " + target.remote_id + " has no author id (needs pages_read_engagement)", ErrorCode::kInvalidInput};
      }
      return expect_success(Post(config_.page_id + "/blocked", {{"user", target.author_id}}, true));
    case ModerationAction::kReport:
      return Error{{Url(target.remote_id)}, "not reported on Facebook",
                   "the Graph API offers no report call; hide or delete the comment, or block the author", ErrorCode::kUnsupported};
  }
  return Error{{Url(target.remote_id)}, config_.account, "unknown action", ErrorCode::kUnsupported};
}

}  // namespace aasr::platforms

namespace aasr::platforms {

Result<Published> FacebookPlatform::Reply(const ReplyRequest& r) {
  if (r.target.remote_id.empty()) return Error{{Url(config_.page_id)}, config_.account, "a reply needs the comment's id", ErrorCode::kInvalidInput};
  Capabilities caps = capabilities();
  const int limit = r.is_private ? caps.max_private_reply_text : caps.max_reply_text;
  const size_t length = CountReplyText("facebook", r.text);
  if (static_cast<int>(length) > limit) {
    return Error{{Url(config_.page_id)}, config_.account,
                 std::string(r.is_private ? "private reply" : "reply") + " has " + std::to_string(length) +
                     " characters; Facebook allows " + std::to_string(limit),
                 ErrorCode::kInvalidInput};
  }
  if (!r.is_private) {
    // No idempotency key in the Graph API: never retried blindly; the
    // sender asks FindReply before any second attempt.
    auto j = Post(r.target.remote_id + "/comments", {{"message", r.text}}, false);
    if (!j.ok()) return j.errors();
    const std::string id = Str(j.value(), "id");
    if (id.empty()) return Error{{Url(r.target.remote_id + "/comments")}, config_.account, "malformed answer: no id", ErrorCode::kTransient};
    return Published{id, "https://www.facebook.com/" + id};
  }
  // Private Replies (Messenger Platform): one message per comment, within
  // 7 days of it; Facebook's own error says when it is too late.
  net::Request req;
  req.method = "POST";
  req.url = net::WithQuery(Url(config_.page_id + "/messages"), Auth());
  req.headers = {{"Content-Type", "application/json"}};
  req.body = json{{"recipient", {{"comment_id", r.target.remote_id}}}, {"message", {{"text", r.text}}}}.dump();
  req.retry = false;
  auto j = Send(req);
  if (!j.ok()) return j.errors();
  const std::string id = Str(j.value(), "message_id");
  if (id.empty()) return Error{{Url(config_.page_id + "/messages")}, config_.account, "malformed answer: no message_id", ErrorCode::kTransient};
  return Published{id, ""};
}

Result<std::optional<Published>> FacebookPlatform::FindReply(const ReplyRequest& r) {
  if (r.is_private) {
    return Error{{Url(config_.page_id + "/messages")}, config_.account,
                 "the Graph API cannot tell whether a private reply reached the author; check the Page's inbox "
                 "(Facebook refuses a second private reply to the same comment)",
                 ErrorCode::kUnsupported};
  }
  auto j = Get(r.target.remote_id + "/comments", {{"fields", "id,message,from"}, {"limit", "100"}});
  if (!j.ok()) return j.errors();
  if (!j.value().contains("data") || !j.value()["data"].is_array()) {
    return Error{{Url(r.target.remote_id + "/comments")}, config_.account, "malformed answer: no data array", ErrorCode::kTransient};
  }
  const std::string want = Squash(r.text);
  for (const json& c : j.value()["data"]) {
    if (!c.contains("from") || Str(c["from"], "id") != config_.page_id) continue;
    if (!want.empty() && Squash(Str(c, "message")) == want) {
      return std::optional<Published>(Published{Str(c, "id"), "https://www.facebook.com/" + Str(c, "id")});
    }
  }
  return std::optional<Published>();
}

}  // namespace aasr::platforms
