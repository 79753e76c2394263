#include "bot/platforms/mastodon.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bot/net/form.h"
#include "bot/net/rfc3339.h"
#include "bot/platforms/common.h"
#include "bot/util/html.h"

namespace aasr::platforms {
using nlohmann::json;

namespace {

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

const json& EmptyObject() {
  static const json kEmpty = json::object();
  return kEmpty;
}

Error Malformed(const net::Request& req, const std::string& account, const std::string& what) {
  return Error{{net::Describe(req)}, account, "malformed answer from Mastodon: " + what};
}

std::string FileName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string LinkUrl(const std::string& link_header, const std::string& rel) {
  // <https://x/api/v1/notifications?max_id=1>; rel="next", <...>; rel="prev"
  size_t pos = 0;
  while (pos < link_header.size()) {
    size_t lt = link_header.find('<', pos);
    if (lt == std::string::npos) break;
    size_t gt = link_header.find('>', lt);
    if (gt == std::string::npos) break;
    size_t next = link_header.find('<', gt);
    std::string params = link_header.substr(gt + 1, next == std::string::npos ? std::string::npos : next - gt - 1);
    if (params.find("rel=\"" + rel + "\"") != std::string::npos || params.find("rel=" + rel) != std::string::npos) {
      return link_header.substr(lt + 1, gt - lt - 1);
    }
    pos = gt + 1;
  }
  return "";
}

MastodonPlatform::MastodonPlatform(MastodonConfig config, net::HttpClient* http, net::Clock* clock)
    : config_(std::move(config)), http_(http), clock_(clock) {
  while (!config_.instance.empty() && config_.instance.back() == '/') config_.instance.pop_back();
}

Capabilities MastodonPlatform::capabilities() const {
  Capabilities c;
  c.hide_replies = false;
  c.delete_comments = false;
  c.block_authors = true;
  c.report = true;
  c.max_text = max_characters_;
  c.max_images = max_images_;
  c.find_by_key = false;
  std::string fallback;
  if (config_.hide_policy.block) fallback += "author blocked";
  if (config_.hide_policy.mute) fallback += std::string(fallback.empty() ? "" : ", ") + "author muted";
  if (config_.hide_policy.report) fallback += std::string(fallback.empty() ? "" : ", ") + "reported to the instance";
  c.hide_fallback = (fallback.empty() ? "nothing done" : fallback) + "; the reply stays visible";
  return c;
}

net::Request MastodonPlatform::Api(const std::string& method, const std::string& path) const {
  net::Request r;
  r.method = method;
  r.url = config_.instance + path;
  r.headers = {{"Authorization", "Bearer " + config_.token}, {"Accept", "application/json"}};
  r.charges = {{"requests", 1}};
  return r;
}

Result<std::string> MastodonPlatform::Call(net::Request request, std::initializer_list<int> ok_statuses) {
  auto resp = http_->Send(request);
  if (!resp.ok()) return resp.errors();
  for (int s : ok_statuses) {
    if (resp.value().status == s) return resp.value().body;
  }
  return net::ResponseError(request, resp.value(), config_.account);
}

Status MastodonPlatform::EnsureAccount() {
  if (!account_id_.empty()) return Ok{};
  net::Request req = Api("GET", "/api/v1/accounts/verify_credentials");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = json::parse(body.value(), nullptr, false);
  if (j.is_discarded() || Str(j, "id").empty()) return Malformed(req, config_.account, "no account id");
  account_id_ = Str(j, "id");
  return Ok{};
}

Status MastodonPlatform::CheckCredentials() {
  account_id_.clear();
  Status s = EnsureAccount();
  if (!s.ok()) return s;
  net::Request req = Api("GET", "/api/v2/instance");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = json::parse(body.value(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed(req, config_.account, "instance is not a JSON object");
  json statuses = j.value("configuration", json::object()).value("statuses", json::object());
  if (statuses.contains("max_characters") && statuses["max_characters"].is_number_integer()) {
    max_characters_ = statuses["max_characters"].get<int>();
  }
  if (statuses.contains("characters_reserved_per_url") && statuses["characters_reserved_per_url"].is_number_integer()) {
    characters_per_url_ = statuses["characters_reserved_per_url"].get<int>();
  }
  if (statuses.contains("max_media_attachments") && statuses["max_media_attachments"].is_number_integer()) {
    max_images_ = statuses["max_media_attachments"].get<int>();
  }
  limits_loaded_ = true;
  return Ok{};
}

Result<std::string> MastodonPlatform::UploadMedia(const Image& image) {
  Result<std::string> bytes = ReadFile(image.file);
  if (!bytes.ok()) return bytes.errors();
  net::Multipart form;
  form.AddFile("file", FileName(image.file), image.mime_type, bytes.value());
  form.AddField("description", image.alt);
  net::Request req = Api("POST", "/api/v2/media");
  req.headers.emplace_back("Content-Type", form.content_type());
  req.body = form.body();
  req.charges = {{"requests", 1}, {"media", 1}};
  auto resp = http_->Send(req);
  if (!resp.ok()) return resp.errors();
  if (resp.value().status != 200 && resp.value().status != 202) {
    return net::ResponseError(req, resp.value(), config_.account);
  }
  json j = json::parse(resp.value().body, nullptr, false);
  if (j.is_discarded() || Str(j, "id").empty()) return Malformed(req, config_.account, "media without id");
  std::string id = Str(j, "id");
  if (resp.value().status == 200 && !Str(j, "url").empty()) return id;
  // 202: processing asynchronously; GET answers 206 until done.
  for (int i = 0; i < config_.media_poll_limit; ++i) {
    clock_->SleepFor(config_.media_poll_interval);
    net::Request poll = Api("GET", "/api/v1/media/" + net::UrlEncode(id));
    auto p = http_->Send(poll);
    if (!p.ok()) return p.errors();
    if (p.value().status == 206) continue;
    if (p.value().status != 200) return net::ResponseError(poll, p.value(), config_.account);
    return id;
  }
  return Error{{"POST " + config_.instance + "/api/v2/media"}, config_.account,
               "media " + id + " (" + image.file + ") still processing after " +
                   std::to_string(config_.media_poll_limit) + " polls; not posting"};
}

Result<Published> MastodonPlatform::Publish(const ComposedPost& post) {
  if (!limits_loaded_) {
    Status limits = CheckCredentials();  // the instance's own limits, not the defaults
    if (!limits.ok()) return limits.errors();
  }
  Status valid = ValidatePost(post, capabilities(), config_.account);
  if (!valid.ok()) return valid.errors();
  // Counted as the instance counts: each URL as characters_reserved_per_url.
  const size_t length = CountMastodonCharacters(post.text, static_cast<size_t>(characters_per_url_));
  if (static_cast<int>(length) > max_characters_) {
    return Error{{config_.instance}, config_.account,
                 "text has " + std::to_string(length) + " characters; the instance allows " +
                     std::to_string(max_characters_)};
  }
  net::Params form = {{"status", post.text}, {"visibility", config_.visibility}};
  if (!config_.language.empty()) form.emplace_back("language", config_.language);
  for (const Image& img : post.images) {
    auto id = UploadMedia(img);
    if (!id.ok()) return id.errors();
    form.emplace_back("media_ids[]", id.value());
  }
  net::Request req = Api("POST", "/api/v1/statuses");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Idempotency-Key", post.idempotency_key);
  req.body = net::FormEncode(form);
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = json::parse(body.value(), nullptr, false);
  if (j.is_discarded() || Str(j, "id").empty()) return Malformed(req, config_.account, "status without id");
  return Published{Str(j, "id"), Str(j, "url")};
}

Result<std::optional<Published>> MastodonPlatform::FindPublished(const std::string& idempotency_key) {
  return Error{{config_.instance}, config_.account,
               "Mastodon cannot look up '" + idempotency_key +
                   "' by key: call FindPublished(post) to match recent statuses by text, or Publish again "
                   "within an hour (the server deduplicates the Idempotency-Key)"};
}

Result<std::optional<Published>> MastodonPlatform::FindPublished(const ComposedPost& post) {
  Status s = EnsureAccount();
  if (!s.ok()) return s.errors();
  net::Request req = Api("GET", "/api/v1/accounts/" + net::UrlEncode(account_id_) + "/statuses");
  req.url = net::WithQuery(req.url, {{"limit", "40"}, {"exclude_replies", "true"}, {"exclude_reblogs", "true"}});
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = json::parse(body.value(), nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Malformed(req, config_.account, "statuses is not an array");
  auto squash = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    }
    return out;
  };
  std::string want = squash(post.text);
  for (const json& st : j) {
    if (squash(html::HtmlToText(Str(st, "content"))) == want) {
      return std::optional<Published>(Published{Str(st, "id"), Str(st, "url")});
    }
  }
  return std::optional<Published>();
}

Result<std::string> MastodonPlatform::RootOf(const std::string& status_id) {
  net::Request req = Api("GET", "/api/v1/statuses/" + net::UrlEncode(status_id) + "/context");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = json::parse(body.value(), nullptr, false);
  if (j.is_discarded() || !j.contains("ancestors") || !j["ancestors"].is_array()) {
    return Malformed(req, config_.account, "context without ancestors");
  }
  if (j["ancestors"].empty()) return status_id;
  return Str(j["ancestors"][0], "id");
}

std::optional<FetchedComment> MastodonPlatform::CommentFromNotification(const json& n, net::WallTime now) {
  if (!n.is_object() || Str(n, "type") != "mention" || !n.contains("status") || !n["status"].is_object())
    return std::nullopt;
  const json& st = n["status"];
  const json& acct = n.contains("account") && n["account"].is_object() ? n["account"]
                     : st.contains("account") && st["account"].is_object() ? st["account"]
                                                                           : EmptyObject();
  FetchedComment c;
  c.remote_id = Str(st, "id");
  if (c.remote_id.empty()) return std::nullopt;
  c.text = html::HtmlToLines(Str(st, "content"));
  if (!Str(st, "spoiler_text").empty()) c.text = Str(st, "spoiler_text") + "\n\n" + c.text;
  c.created_at = Str(st, "created_at");
  c.author_id = Str(acct, "id");
  c.author_handle = Str(acct, "acct");
  if (auto created = net::ParseRfc3339(Str(acct, "created_at"))) {
    c.author_account_age_days = net::DaysBetween(*created, now);
  }
  if (acct.contains("followers_count") && acct["followers_count"].is_number()) {
    c.author_followers = acct["followers_count"].get<double>();
  }
  c.parent_remote_id = Str(st, "in_reply_to_id");
  if (c.parent_remote_id.empty()) {
    c.kind = "mention";
    c.root_remote_id = c.remote_id;
  } else {
    c.kind = "reply";  // root_remote_id: the caller asks the server (RootOf)
  }
  return c;
}

Result<CommentBatch> MastodonPlatform::FetchComments(const std::string& cursor) {
  CommentBatch batch;
  batch.next_cursor = cursor;
  std::string url = net::WithQuery(config_.instance + "/api/v1/notifications",
                                   cursor.empty() ? net::Params{{"types[]", "mention"}, {"limit", "40"}}
                                                  : net::Params{{"types[]", "mention"}, {"min_id", cursor}, {"limit", "40"}});
  std::set<std::string> seen_statuses;
  std::vector<json> notifications;
  for (int page = 0; page < 50 && !url.empty(); ++page) {
    net::Request req = Api("GET", "");
    req.url = url;
    auto resp = http_->Send(req);
    if (!resp.ok()) return resp.errors();
    if (resp.value().status != 200) return net::ResponseError(req, resp.value(), config_.account);
    json j = json::parse(resp.value().body, nullptr, false);
    if (j.is_discarded()) return Malformed(req, config_.account, "notifications are not valid JSON (truncated?)");
    if (!j.is_array()) return Malformed(req, config_.account, "notifications are not an array");
    if (j.empty()) break;
    for (const json& n : j) notifications.push_back(n);
    if (cursor.empty()) break;  // first run: only the newest page
    url = LinkUrl(resp.value().header("Link"), "prev");
  }
  // Oldest first, so the store sees them in order and the cursor is the newest.
  auto id_less = [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;  // Mastodon ids are decimal strings
  };
  std::sort(notifications.begin(), notifications.end(),
            [&](const json& a, const json& b) { return id_less(Str(a, "id"), Str(b, "id")); });
  net::WallTime now = clock_->Now();
  std::string newest = cursor;
  for (const json& n : notifications) {
    std::string nid = Str(n, "id");
    if (nid.empty()) {
      return Error{{config_.instance + "/api/v1/notifications"}, config_.account, "notification without id"};
    }
    if (!cursor.empty() && !id_less(cursor, nid)) continue;  // at or before the cursor: already seen
    if (newest.empty() || id_less(newest, nid)) newest = nid;
    std::optional<FetchedComment> mention = CommentFromNotification(n, now);
    if (!mention) continue;
    FetchedComment& c = *mention;
    if (!seen_statuses.insert(c.remote_id).second) continue;
    if (c.kind == "reply") {
      auto root = RootOf(c.remote_id);
      if (!root.ok()) return root.errors();  // cursor unchanged: fetched again next time
      c.root_remote_id = root.value();
    }
    batch.comments.push_back(std::move(c));
  }
  batch.next_cursor = newest;
  return batch;
}

Status MastodonPlatform::Moderate(ModerationAction action, const FetchedComment& target) {
  auto post = [&](const std::string& path, const net::Params& form) -> Status {
    net::Request req = Api("POST", path);
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = net::FormEncode(form);
    auto body = Call(req);
    if (!body.ok()) return body.errors();
    return Ok{};
  };
  std::string account_path = "/api/v1/accounts/" + net::UrlEncode(target.author_id);
  auto report = [&]() {
    return post("/api/v1/reports", {{"account_id", target.author_id},
                                    {"status_ids[]", target.remote_id},
                                    {"comment", "Reported by the AASR moderation team (aasr-bot)."},
                                    {"category", "other"},
                                    {"forward", "false"}});
  };
  if (target.author_id.empty()) {
    return Error{{config_.instance}, config_.account, "comment " + target.remote_id + " has no author id"};
  }
  switch (action) {
    case ModerationAction::kBlock:
      return post(account_path + "/block", {});
    case ModerationAction::kReport:
      return report();
    case ModerationAction::kDelete:
      return Error{{config_.instance}, "not deleted on Mastodon",
                   "Mastodon cannot delete another account's reply; block or report instead"};
    case ModerationAction::kHide: {
      std::vector<std::string> done;
      if (config_.hide_policy.block) {
        Status s = post(account_path + "/block", {});
        if (!s.ok()) return s;
        done.push_back("author blocked");
      }
      if (config_.hide_policy.mute) {
        Status s = post(account_path + "/mute", {});
        if (!s.ok()) return s;
        done.push_back("author muted");
      }
      if (config_.hide_policy.report) {
        Status s = report();
        if (!s.ok()) return s;
        done.push_back("reported to the instance");
      }
      std::string what;
      for (const auto& d : done) what += (what.empty() ? "" : ", ") + d;
      return Error{{config_.instance}, "not hidden on Mastodon",
                   "Mastodon cannot hide a reply; " + (what.empty() ? std::string("nothing done") : what) +
                       "; the reply stays visible"};
    }
    case ModerationAction::kUnhide: {
      if (config_.hide_policy.block) {
        Status s = post(account_path + "/unblock", {});
        if (!s.ok()) return s;
      }
      if (config_.hide_policy.mute) {
        Status s = post(account_path + "/unmute", {});
        if (!s.ok()) return s;
      }
      return Error{{config_.instance}, "not hidden on Mastodon",
                   "Mastodon never hid the reply; the block/mute of the author was lifted"};
    }
  }
  return Error{{config_.instance}, config_.account, "unknown action"};
}

}  // namespace aasr::platforms
