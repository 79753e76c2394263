#include "bot/platforms/mastodon.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bot/net/form.h"
#include "bot/net/rfc3339.h"
#include "bot/outreach/text_measure.h"
#include "bot/platforms/common.h"
#include "bot/platforms/replies.h"
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

bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;  // Mastodon ids are decimal strings
}

// A cursor is "<newest notification id>" or, after a batch that brought
// thread replies, "<id>+<hash of what it brought>" (see mastodon.h).
std::string NotificationPart(const std::string& cursor) { return cursor.substr(0, cursor.find('+')); }

// The id of the status `st` quotes, from its `quote` (Quote: quoted_status;
// ShallowQuote: quoted_status_id), or "" (no quote, or not shown).
std::string QuotedStatusId(const json& st) {
  if (!st.is_object() || !st.contains("quote") || !st["quote"].is_object()) return "";
  const json& q = st["quote"];
  if (q.contains("quoted_status") && q["quoted_status"].is_object()) return Str(q["quoted_status"], "id");
  return Str(q, "quoted_status_id");
}

}  // namespace

std::string ComparableStatusText(const std::string& text) {
  // Mastodon shows a resolved remote mention as "@user" (TextFormatter
  // link_to_mention: display_username is the username unless two accounts
  // share it), and an unresolved one as the "@user@domain" that was written;
  // reducing every mention to "@user" on both sides matches either.
  std::string reduced;
  size_t last = 0;
  for (const outreach::Span& m : outreach::FindMastodonMentions(text)) {
    reduced.append(text, last, m.begin - last);
    const size_t second_at = text.find('@', m.begin + 1);
    reduced.append(text, m.begin, (second_at < m.end ? second_at : m.end) - m.begin);
    last = m.end;
  }
  reduced.append(text, last, std::string::npos);
  // Whitespace differs between the form text and the rendered HTML (<br />,
  // paragraphs), so it does not count.
  std::string out;
  for (char c : reduced) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

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
    : config_(std::move(config)), http_(http), api_(http, config_.account), clock_(clock) {
  while (!config_.instance.empty() && config_.instance.back() == '/') config_.instance.pop_back();
}

Capabilities MastodonPlatform::capabilities() const {
  Capabilities c;
  c.hide_replies = false;
  c.delete_comments = false;
  c.block_authors = true;
  c.report = true;
  c.max_text = max_characters_;
  c.url_weight = characters_per_url_;
  c.max_images = max_images_;
  c.find_by_key = false;
  std::string fallback;
  if (config_.hide_policy.block) fallback += "author blocked";
  if (config_.hide_policy.mute) fallback += std::string(fallback.empty() ? "" : ", ") + "author muted";
  if (config_.hide_policy.report) fallback += std::string(fallback.empty() ? "" : ", ") + "reported to the instance";
  c.hide_fallback = (fallback.empty() ? "nothing done" : fallback) + "; the reply stays visible";
  SetReplyCapabilities("mastodon", &c);
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

Result<json> MastodonPlatform::Call(const net::Request& request, std::initializer_list<int> ok_statuses) {
  return api_.Call(request, ok_statuses);
}

Status MastodonPlatform::EnsureAccount() {
  if (!account_id_.empty()) return Ok{};
  net::Request req = Api("GET", "/api/v1/accounts/verify_credentials");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = body.value();
  if (j.is_discarded() || Str(j, "id").empty()) return Malformed(req, config_.account, "no account id");
  account_id_ = Str(j, "id");
  return Ok{};
}

Status MastodonPlatform::CheckCredentials() {
  account_id_.clear();
  Status s = EnsureAccount();
  if (!s.ok()) return s;
  return LoadLimits();
}

Status MastodonPlatform::LoadLimits() {
  net::Request req = Api("GET", "/api/v2/instance");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = body.value();
  if (j.is_discarded() || !j.is_object()) return Malformed(req, config_.account, "instance is not a JSON object");
  json configuration = j.value("configuration", json::object());
  if (!configuration.is_object()) configuration = json::object();
  json statuses = configuration.value("statuses", json::object());
  json media = configuration.value("media_attachments", json::object());
  // A field an older server does not send keeps Mastodon's default.
  auto read_int = [](const json& section, const char* key, auto* out) {
    if (section.is_object() && section.contains(key) && section[key].is_number_integer() && section[key].get<int64_t>() > 0) {
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(section[key].get<int64_t>());
    }
  };
  read_int(statuses, "max_characters", &max_characters_);
  read_int(statuses, "characters_reserved_per_url", &characters_per_url_);
  read_int(statuses, "max_media_attachments", &max_images_);
  read_int(media, "image_size_limit", &image_size_limit_);
  read_int(media, "description_limit", &description_limit_);
  limits_loaded_at_ = clock_->Now();
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
  req.rate_family = "media";  // rack_attack throttle_api_media: its own bucket
  auto resp = api_.Send(req);
  if (!resp.ok()) return resp.errors();
  if (resp.value().status != 200 && resp.value().status != 202) return api_.Refused(req, resp.value());
  auto parsed = api_.Parse(req, resp.value());
  if (!parsed.ok()) return parsed.errors();
  const json& j = parsed.value();
  if (Str(j, "id").empty()) return Malformed(req, config_.account, "media without id");
  std::string id = Str(j, "id");
  if (resp.value().status == 200 && !Str(j, "url").empty()) return id;
  // 202: processing asynchronously; GET answers 206 until done.
  for (int i = 0; i < config_.media_poll_limit; ++i) {
    clock_->SleepFor(config_.media_poll_interval);
    net::Request poll = Api("GET", "/api/v1/media/" + net::UrlEncode(id));
    auto p = api_.Send(poll);
    if (!p.ok()) return p.errors();
    if (p.value().status == 206) continue;
    if (p.value().status != 200) return api_.Refused(poll, p.value());
    return id;
  }
  return Error{{"POST " + config_.instance + "/api/v2/media"}, config_.account,
               "media " + id + " (" + image.file + ") still processing after " +
                   std::to_string(config_.media_poll_limit) + " polls; not posting"};
}

Result<Published> MastodonPlatform::Publish(const ComposedPost& post) {
  if (!limits_loaded_at_ || clock_->Now() - *limits_loaded_at_ > std::chrono::hours(24)) {
    Status limits = LoadLimits();  // the instance's own limits, not the defaults
    if (!limits.ok()) return limits.errors();
  }
  Status valid = ValidatePost(post, capabilities(), config_.account);
  if (!valid.ok()) return valid.errors();
  // Counted as StatusLengthValidator counts: graphemes, each URL as
  // characters_reserved_per_url, a mention as its username only.
  const size_t length = outreach::CountMastodonCharacters(post.text, static_cast<size_t>(characters_per_url_));
  if (static_cast<int>(length) > max_characters_) {
    return Error{{config_.instance}, config_.account,
                 "text has " + std::to_string(length) + " characters; the instance allows " +
                     std::to_string(max_characters_)};
  }
  // Refused here rather than after some images are uploaded: the server
  // would answer 422 for the one image and leave the others orphaned.
  Errors refused;
  for (size_t i = 0; i < post.images.size(); ++i) {
    const Image& img = post.images[i];
    const std::string subject = "images[" + std::to_string(i) + "]";
    // MediaAttachment validates description length as Ruby String#length: code points.
    const size_t alt = CountCodePoints(img.alt);
    if (static_cast<int64_t>(alt) > description_limit_) {
      refused.push_back(Error{{config_.instance}, subject,
                              "alt text of " + img.file + " has " + std::to_string(alt) +
                                  " characters; the instance allows " + std::to_string(description_limit_)});
    }
    std::error_code ec;
    const auto size = std::filesystem::file_size(img.file, ec);
    if (!ec && static_cast<int64_t>(size) > image_size_limit_) {
      refused.push_back(Error{{config_.instance}, subject,
                              img.file + " has " + std::to_string(size) + " bytes; the instance takes images up to " +
                                  std::to_string(image_size_limit_)});
    }
  }
  if (!refused.empty()) return refused;
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
  req.charges = {{"requests", 1}, {"statuses", 1}};
  req.rate_family = "statuses";  // app/lib/rate_limiter.rb: 300 per 3 hours
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = body.value();
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
  json j = body.value();
  if (j.is_discarded() || !j.is_array()) return Malformed(req, config_.account, "statuses is not an array");
  // The content is HTML as TextFormatter renders it (links split into
  // invisible/ellipsis spans, mentions as h-cards): compare its text.
  const std::string want = ComparableStatusText(post.text);
  for (const json& st : j) {
    if (ComparableStatusText(html::HtmlToText(Str(st, "content"))) == want) {
      return std::optional<Published>(Published{Str(st, "id"), Str(st, "url")});
    }
  }
  return std::optional<Published>();
}

Result<std::string> MastodonPlatform::RootOf(const std::string& status_id) {
  net::Request req = Api("GET", "/api/v1/statuses/" + net::UrlEncode(status_id) + "/context");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = body.value();
  if (j.is_discarded() || !j.contains("ancestors") || !j["ancestors"].is_array()) {
    return Malformed(req, config_.account, "context without ancestors");
  }
  if (j["ancestors"].empty()) return status_id;
  return Str(j["ancestors"][0], "id");
}

std::optional<FetchedComment> MastodonPlatform::CommentFromNotification(const json& n, net::WallTime now) {
  const std::string type = Str(n, "type");
  if (!n.is_object() || (type != "mention" && type != "quote") || !n.contains("status") || !n["status"].is_object())
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
  if (type == "quote") {
    // The quoting status; its Quote entity names our status once accepted
    // (quoted_status), a ShallowQuote by quoted_status_id. A pending quote
    // names none: it stands alone, as a mention does.
    const std::string quoted = QuotedStatusId(st);
    c.kind = "quote";
    c.parent_remote_id = quoted;
    c.root_remote_id = quoted.empty() ? c.remote_id : quoted;
  } else if (c.parent_remote_id.empty()) {
    c.kind = "mention";
    c.root_remote_id = c.remote_id;
  } else {
    c.kind = "reply";  // root_remote_id: the caller asks the server (RootOf)
  }
  return c;
}

Result<CommentBatch> MastodonPlatform::FetchComments(const std::string& given_cursor) {
  // The caller passes back the last batch's cursor only after storing it:
  // only then are that batch's statuses known (see mastodon.h).
  if (!pending_cursor_.empty() && given_cursor == pending_cursor_) delivered_.insert(pending_.begin(), pending_.end());
  pending_.clear();
  pending_cursor_.clear();
  const std::string cursor = NotificationPart(given_cursor);  // the newest notification id
  CommentBatch batch;
  batch.next_cursor = given_cursor;
  // include_filtered: since 4.3 the default (false) withholds what the
  // notification policy filters - mentions from new or limited accounts.
  auto page_url = [&](const std::string& min_id) {
    // "quote" (4.5): someone quoted one of our statuses; older servers
    // match no notification of an unknown type.
    net::Params q = {{"types[]", "mention"}, {"types[]", "quote"}, {"include_filtered", "true"}};
    if (!min_id.empty()) q.emplace_back("min_id", min_id);
    q.emplace_back("limit", "40");
    return net::WithQuery(config_.instance + "/api/v1/notifications", q);
  };
  std::string url = page_url(cursor);
  std::set<std::string> seen_statuses;
  std::vector<json> notifications;
  for (int page = 0; page < 50 && !url.empty(); ++page) {
    net::Request req = Api("GET", "");
    req.url = url;
    auto got = Call(req);
    if (!got.ok()) return got.errors();
    const json& j = got.value();
    if (!j.is_array()) return Malformed(req, config_.account, "notifications are not an array");
    if (j.empty()) break;
    std::string page_newest;
    for (const json& n : j) {
      notifications.push_back(n);
      if (page_newest.empty() || IdLess(page_newest, Str(n, "id"))) page_newest = Str(n, "id");
    }
    if (cursor.empty()) break;  // first run: only the newest page
    // Forward from the newest on this page, as the Link rel="prev" would,
    // but with our own parameters (include_filtered included).
    url = page_newest.empty() ? "" : page_url(page_newest);
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

  // Replies that mention nobody (or not us) make no notification.
  if (config_.thread_window_posts > 0 && (!last_sweep_ || now - *last_sweep_ >= config_.thread_sweep_interval)) {
    std::vector<FetchedComment> threads;
    Status swept = SweepThreads(seen_statuses, &threads);
    if (swept.ok()) {
      last_sweep_ = now;
    } else {
      // The notifications are still delivered; the sweep is tried again on
      // the next poll (last_sweep_ unchanged), so nothing is lost.
      spdlog::warn("{}: reading threads of recent posts failed: {}", config_.account,
                   FormatErrors(swept.errors()));
      threads.clear();
    }
    if (!threads.empty()) {
      std::string ids;
      for (const FetchedComment& t : threads) ids += t.remote_id + ",";
      batch.next_cursor = newest + "+" + StableHash(ids);
    }
    for (FetchedComment& t : threads) batch.comments.push_back(std::move(t));
  }
  for (const FetchedComment& d : batch.comments) pending_.insert(d.remote_id);
  pending_cursor_ = batch.next_cursor;
  return batch;
}


FetchedComment MastodonPlatform::FromStatus(const json& st, const json& acct) const {
  FetchedComment c;
  c.remote_id = Str(st, "id");
  c.text = html::HtmlToLines(Str(st, "content"));
  if (!Str(st, "spoiler_text").empty()) c.text = Str(st, "spoiler_text") + "\n\n" + c.text;
  c.created_at = Str(st, "created_at");
  c.author_id = Str(acct, "id");
  c.author_handle = Str(acct, "acct");
  if (auto created = net::ParseRfc3339(Str(acct, "created_at"))) {
    c.author_account_age_days = std::chrono::duration<double>(clock_->Now() - *created).count() / 86400.0;
  }
  if (acct.contains("followers_count") && acct["followers_count"].is_number()) {
    c.author_followers = acct["followers_count"].get<double>();
  }
  c.parent_remote_id = Str(st, "in_reply_to_id");
  return c;
}

Status MastodonPlatform::SweepThreads(const std::set<std::string>& skip, std::vector<FetchedComment>* out) {
  Status s = EnsureAccount();
  if (!s.ok()) return s;
  const int limit = std::clamp(config_.thread_window_posts, 1, 40);  // one page of account statuses
  net::Request req = Api("GET", "/api/v1/accounts/" + net::UrlEncode(account_id_) + "/statuses");
  req.url = net::WithQuery(req.url, {{"limit", std::to_string(limit)},
                                     {"exclude_replies", "true"},
                                     {"exclude_reblogs", "true"}});
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json posts = body.value();
  if (posts.is_discarded() || !posts.is_array()) return Malformed(req, config_.account, "statuses is not an array");
  const net::WallTime oldest = clock_->Now() - std::chrono::hours(24) * config_.thread_window_days;
  std::set<std::string> taken;
  for (const json& post : posts) {
    const std::string post_id = Str(post, "id");
    if (post_id.empty()) continue;
    auto created = net::ParseRfc3339(Str(post, "created_at"));
    if (created && *created < oldest) continue;
    // Authenticated, the context is the whole thread (CONTEXT_LIMIT 4,096,
    // no depth limit; logged out it would stop at 60 and depth 20).
    net::Request ctx = Api("GET", "/api/v1/statuses/" + net::UrlEncode(post_id) + "/context");
    auto cbody = Call(ctx);
    if (!cbody.ok()) {
      // A post deleted since it was listed answers 404: nothing to read there.
      if (HasCode(cbody.errors(), ErrorCode::kNotFound)) continue;
      return cbody.errors();
    }
    json j = cbody.value();
    if (j.is_discarded() || !j.is_object() || !j.contains("descendants") || !j["descendants"].is_array()) {
      return Malformed(ctx, config_.account, "context without descendants");
    }
    for (const json& st : j["descendants"]) {
      const std::string id = Str(st, "id");
      const json& acct = st.value("account", json::object());
      if (id.empty() || Str(acct, "id") == account_id_) continue;  // our own replies are not comments
      if (skip.count(id) || delivered_.count(id) || !taken.insert(id).second) continue;
      FetchedComment c = FromStatus(st, acct);
      c.kind = "reply";
      c.root_remote_id = post_id;
      out->push_back(std::move(c));
    }
  }
  return Ok{};
}

Result<json> MastodonPlatform::StatusIfAny(const std::string& status_id) {
  net::Request req = Api("GET", "/api/v1/statuses/" + net::UrlEncode(status_id));
  auto body = Call(req);
  if (!body.ok()) {
    if (HasCode(body.errors(), ErrorCode::kNotFound)) return json();  // deleted since
    return body.errors();
  }
  json st = body.value();
  if (st.is_discarded() || !st.is_object()) return Malformed(req, config_.account, "status is not a JSON object");
  return st;
}

Result<std::string> MastodonPlatform::QuoteOfOurs(const FetchedComment& target) {
  auto st = StatusIfAny(target.remote_id);
  if (!st.ok()) return st.errors();
  const json& status = st.value();
  if (!status.is_object() || !status.contains("quote") || !status["quote"].is_object()) return std::string();
  const json& q = status["quote"];
  if (Str(q, "state") == "revoked" || Str(q, "state") == "rejected") return std::string();
  // Ours when the quoted status's author is us; a quote that names no
  // status (pending) is taken to quote the post it was fetched under.
  if (q.contains("quoted_status") && q["quoted_status"].is_object()) {
    Status me = EnsureAccount();
    if (!me.ok()) return me.errors();
    const json& quoted = q["quoted_status"];
    if (!quoted.contains("account") || Str(quoted["account"], "id") != account_id_) return std::string();
    return Str(quoted, "id");
  }
  const std::string id = QuotedStatusId(status);
  if (!id.empty()) return id == target.root_remote_id || id == target.parent_remote_id ? id : std::string();
  return target.parent_remote_id;
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
                   "Mastodon cannot delete another account's reply; block or report instead", ErrorCode::kUnsupported};
    case ModerationAction::kHide: {
      // A quote of our post (4.5): revoking it detaches our post from theirs,
      // the nearest Mastodon has to hiding it (their words stay on their
      // profile, without our post). Only a reply falls back to hide_policy.
      std::string revoke_note;
      auto quote = QuoteOfOurs(target);
      if (!quote.ok()) return quote.errors();
      if (!quote.value().empty()) {
        const std::string path = "/api/v1/statuses/" + net::UrlEncode(quote.value()) + "/quotes/" +
                                 net::UrlEncode(target.remote_id) + "/revoke";
        net::Request req = Api("POST", path);
        auto body = Call(req);
        if (body.ok()) {
          json st = body.value();
          const std::string state = st.is_object() && st.contains("quote") && st["quote"].is_object()
                                        ? Str(st["quote"], "state") : "";
          if (state == "revoked" || state == "rejected") return Ok{};
          return Malformed(req, config_.account, "revoked quote in state '" + state + "'");
        }
        // No such route (before 4.5) or no such quote any more: the
        // fallback below is what is left.
        if (!HasCode(body.errors(), ErrorCode::kNotFound)) return body.errors();
        revoke_note = "the quote could not be revoked (Mastodon before 4.5, or the quote is gone); ";
      }
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
                   revoke_note + "Mastodon cannot hide a reply; " + (what.empty() ? std::string("nothing done") : what) +
                       "; the reply stays visible", ErrorCode::kUnsupported};
    }
    case ModerationAction::kUnhide: {
      // A revoked quote cannot be accepted again on Mastodon: say so rather
      // than report it shown.
      auto st = StatusIfAny(target.remote_id);
      if (!st.ok()) return st.errors();
      if (st.value().is_object() && st.value().contains("quote") && st.value()["quote"].is_object()) {
        const std::string state = Str(st.value()["quote"], "state");
        if (state == "revoked" || state == "rejected") {
          return Error{{config_.instance}, "not unhidden on Mastodon",
                       "a revoked quote cannot be restored on Mastodon; the author may quote the post again",
                       ErrorCode::kUnsupported};
        }
      }
      if (config_.hide_policy.block) {
        Status s = post(account_path + "/unblock", {});
        if (!s.ok()) return s;
      }
      if (config_.hide_policy.mute) {
        Status s = post(account_path + "/unmute", {});
        if (!s.ok()) return s;
      }
      return Error{{config_.instance}, "not hidden on Mastodon",
                   "Mastodon never hid the reply; the block/mute of the author was lifted", ErrorCode::kUnsupported};
    }
  }
  return Error{{config_.instance}, config_.account, "unknown action"};
}

}  // namespace aasr::platforms

namespace aasr::platforms {

Result<Published> MastodonPlatform::Reply(const ReplyRequest& r) {
  if (r.target.remote_id.empty()) return Error{{config_.instance}, config_.account, "a reply needs the comment's id"};
  if (!limits_loaded_at_ || clock_->Now() - *limits_loaded_at_ > std::chrono::hours(24)) {
    Status limits = LoadLimits();
    if (!limits.ok()) return limits.errors();
  }
  const std::string text = ReplyText("mastodon", r.target, r.text);
  const size_t length = outreach::CountMastodonCharacters(text, static_cast<size_t>(characters_per_url_));
  if (static_cast<int>(length) > max_characters_) {
    return Error{{config_.instance}, config_.account,
                 "reply has " + std::to_string(length) + " characters; the instance allows " +
                     std::to_string(max_characters_)};
  }
  // A direct status is seen only by the accounts it mentions: ReplyText
  // starts it with the author's @handle. A public reply keeps the account's
  // visibility, as a reply from the web interface does.
  net::Params form = {{"status", text},
                      {"in_reply_to_id", r.target.remote_id},
                      {"visibility", r.is_private ? std::string("direct") : config_.visibility}};
  if (!config_.language.empty()) form.emplace_back("language", config_.language);
  net::Request req = Api("POST", "/api/v1/statuses");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Idempotency-Key", r.idempotency_key);
  req.body = net::FormEncode(form);
  req.charges = {{"requests", 1}, {"statuses", 1}};
  req.rate_family = "statuses";
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = body.value();
  if (j.is_discarded() || Str(j, "id").empty()) return Malformed(req, config_.account, "status without id");
  return Published{Str(j, "id"), Str(j, "url")};
}

Result<std::optional<Published>> MastodonPlatform::FindReply(const ReplyRequest& r) {
  // The Idempotency-Key lasts an hour on the server; after that our reply is
  // found among the comment's descendants: ours, answering it, same text.
  Status s = EnsureAccount();
  if (!s.ok()) return s.errors();
  net::Request req = Api("GET", "/api/v1/statuses/" + r.target.remote_id + "/context");
  auto body = Call(req);
  if (!body.ok()) return body.errors();
  json j = body.value();
  if (j.is_discarded() || !j.contains("descendants") || !j["descendants"].is_array()) {
    return Malformed(req, config_.account, "context without descendants");
  }
  const std::string want = ComparableStatusText(ReplyText("mastodon", r.target, r.text));
  for (const json& st : j["descendants"]) {
    if (Str(st, "in_reply_to_id") != r.target.remote_id) continue;
    if (!st.contains("account") || Str(st["account"], "id") != account_id_) continue;
    if (ComparableStatusText(html::HtmlToText(Str(st, "content"))) == want) {
      return std::optional<Published>(Published{Str(st, "id"), Str(st, "url")});
    }
  }
  return std::optional<Published>();
}

}  // namespace aasr::platforms
