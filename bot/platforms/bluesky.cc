#include "bot/platforms/bluesky.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "bot/net/form.h"
#include "bot/net/rfc3339.h"
#include "bot/platforms/common.h"
#include "bot/platforms/replies.h"

namespace aasr::platforms {
using nlohmann::json;

namespace {

const char* kPost = "app.bsky.feed.post";
const char* kThreadgate = "app.bsky.feed.threadgate";

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

const json& Obj(const json& j, const char* key) {
  static const json kEmpty = json::object();
  if (!j.is_object() || !j.contains(key) || !j[key].is_object()) return kEmpty;
  return j[key];
}

std::string ErrorName(const net::Response& r) {
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? "" : Str(j, "error");
}

}  // namespace

std::string EncodeTid(uint64_t micros, uint32_t clock_id) {
  static const char* kAlphabet = "234567abcdefghijklmnopqrstuvwxyz";
  uint64_t v = ((micros & ((1ULL << 53) - 1)) << 10) | (clock_id & 1023);
  std::string out(13, '2');
  for (int i = 12; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kAlphabet[v & 31];
    v >>= 5;
  }
  return out;
}

std::string TidForKey(const std::string& key) {
  uint64_t h = StableHash64(key);
  const uint64_t base = 1704067200000000ULL;                 // 2024-01-01T00:00:00Z in µs
  const uint64_t range = 2ULL * 365 * 86400 * 1000000ULL;     // two years
  return EncodeTid(base + (h >> 10) % range, static_cast<uint32_t>(h & 1023));
}

std::optional<AtUri> ParseAtUri(const std::string& uri) {
  const std::string prefix = "at://";
  if (uri.rfind(prefix, 0) != 0) return std::nullopt;
  std::string rest = uri.substr(prefix.size());
  size_t a = rest.find('/');
  if (a == std::string::npos) return std::nullopt;
  size_t b = rest.find('/', a + 1);
  if (b == std::string::npos) return std::nullopt;
  AtUri u{rest.substr(0, a), rest.substr(a + 1, b - a - 1), rest.substr(b + 1)};
  if (u.repo.empty() || u.collection.empty() || u.rkey.empty()) return std::nullopt;
  return u;
}

BlueskyPlatform::BlueskyPlatform(BlueskyConfig config, net::HttpClient* http, net::Clock* clock)
    : config_(std::move(config)), http_(http), clock_(clock) {
  while (!config_.service.empty() && config_.service.back() == '/') config_.service.pop_back();
}

Capabilities BlueskyPlatform::capabilities() const {
  Capabilities c;
  c.hide_replies = true;
  c.delete_comments = false;
  c.block_authors = true;
  c.report = true;
  c.max_text = 300;
  c.max_images = 4;
  c.find_by_key = true;
  SetReplyCapabilities("bluesky", &c);
  return c;
}

Status BlueskyPlatform::CreateSession() {
  net::Request req;
  req.method = "POST";
  req.url = config_.service + "/xrpc/com.atproto.server.createSession";
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = json{{"identifier", config_.handle}, {"password", config_.password}}.dump();
  req.charges = {{"requests", 1}};
  auto resp = http_->Send(req);
  if (!resp.ok()) return resp.errors();
  if (!resp.value().ok()) return net::ResponseError(req, resp.value(), config_.account);
  json j = json::parse(resp.value().body, nullptr, false);
  if (j.is_discarded() || Str(j, "accessJwt").empty() || Str(j, "did").empty()) {
    return Error{{net::Describe(req)}, config_.account, "malformed createSession answer"};
  }
  access_jwt_ = Str(j, "accessJwt");
  refresh_jwt_ = Str(j, "refreshJwt");
  did_ = Str(j, "did");
  handle_ = Str(j, "handle");
  ++session_creations_;
  SaveSession();
  return Ok{};
}

Status BlueskyPlatform::RefreshSession() {
  net::Request req;
  req.method = "POST";
  req.url = config_.service + "/xrpc/com.atproto.server.refreshSession";
  req.headers = {{"Authorization", "Bearer " + refresh_jwt_}, {"Accept", "application/json"}};
  req.charges = {{"requests", 1}};
  auto resp = http_->Send(req);
  if (!resp.ok()) return resp.errors();
  if (!resp.value().ok()) {
    // The refresh token is spent or expired too: log in again.
    std::string name = ErrorName(resp.value());
    if (name == "ExpiredToken" || name == "InvalidToken" || resp.value().status == 401) return CreateSession();
    return net::ResponseError(req, resp.value(), config_.account);
  }
  json j = json::parse(resp.value().body, nullptr, false);
  if (j.is_discarded() || Str(j, "accessJwt").empty()) {
    return Error{{net::Describe(req)}, config_.account, "malformed refreshSession answer"};
  }
  access_jwt_ = Str(j, "accessJwt");
  refresh_jwt_ = Str(j, "refreshJwt");
  if (!Str(j, "handle").empty()) handle_ = Str(j, "handle");
  ++session_refreshes_;
  SaveSession();
  return Ok{};
}

void BlueskyPlatform::SaveSession() {
  if (config_.session_file.empty()) return;
  json j = {{"did", did_}, {"handle", handle_}, {"accessJwt", access_jwt_}, {"refreshJwt", refresh_jwt_},
            {"identifier", config_.handle}, {"service", config_.service}};
  std::string tmp = config_.session_file + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;  // a cache: failing to write it only costs a login later
  std::string text = j.dump();
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (ok) ::rename(tmp.c_str(), config_.session_file.c_str());
}

void BlueskyPlatform::LoadSession() {
  if (config_.session_file.empty()) return;
  auto text = ReadFile(config_.session_file);
  if (!text.ok()) return;
  json j = json::parse(text.value(), nullptr, false);
  // Only for the same account on the same service.
  if (j.is_discarded() || Str(j, "identifier") != config_.handle || Str(j, "service") != config_.service) return;
  if (Str(j, "accessJwt").empty() || Str(j, "did").empty()) return;
  did_ = Str(j, "did");
  handle_ = Str(j, "handle");
  access_jwt_ = Str(j, "accessJwt");
  refresh_jwt_ = Str(j, "refreshJwt");
}

Status BlueskyPlatform::EnsureSession() {
  if (!access_jwt_.empty()) return Ok{};
  LoadSession();
  if (!access_jwt_.empty()) return Ok{};
  return CreateSession();
}

Status BlueskyPlatform::CheckCredentials() {
  Status s = EnsureSession();
  if (!s.ok()) return s;
  auto j = Xrpc("com.atproto.server.getSession", {}, std::nullopt);
  if (!j.ok()) return j.errors();
  if (Str(j.value(), "did") != did_) {
    return Error{{config_.service}, config_.account, "getSession answered for another account"};
  }
  return Ok{};
}

Result<net::Response> BlueskyPlatform::SendXrpc(net::Request req) {
  Status s = EnsureSession();
  if (!s.ok()) return s.errors();
  for (int round = 0; round < 2; ++round) {
    net::Request r = req;
    r.headers.emplace_back("Authorization", "Bearer " + access_jwt_);
    auto resp = http_->Send(r);
    if (!resp.ok()) return resp;
    // ExpiredToken is the normal case; InvalidToken or a bare 401 happen
    // when a cached token was revoked. Either way: refresh (which logs in
    // again if the refresh token is refused too), then try once more.
    std::string name = ErrorName(resp.value());
    bool expired = ((resp.value().status == 400 || resp.value().status == 401) &&
                    (name == "ExpiredToken" || name == "InvalidToken")) ||
                   resp.value().status == 401;
    if (!expired || round == 1) return resp;
    Status refreshed = RefreshSession();
    if (!refreshed.ok()) return refreshed.errors();
  }
  return Error{{net::Describe(req)}, config_.account, "unreachable"};
}

Result<json> BlueskyPlatform::Xrpc(const std::string& nsid, const net::Params& query,
                                   const std::optional<json>& body, int points) {
  net::Request req;
  req.method = body ? "POST" : "GET";
  req.url = net::WithQuery(config_.service + "/xrpc/" + nsid, query);
  req.headers = {{"Accept", "application/json"}};
  if (body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body->dump();
  }
  req.charges = {{"requests", 1}};
  if (points > 0) req.charges.push_back({"points", points});
  auto resp = SendXrpc(req);
  if (!resp.ok()) return resp.errors();
  if (!resp.value().ok()) return net::ResponseError(req, resp.value(), config_.account);
  if (resp.value().body.empty()) return json::object();
  json j = json::parse(resp.value().body, nullptr, false);
  if (j.is_discarded()) {
    return Error{{net::Describe(req)}, config_.account, "malformed answer: not valid JSON (truncated?)"};
  }
  return j;
}

Result<std::optional<json>> BlueskyPlatform::GetRecord(const std::string& repo, const std::string& collection,
                                                       const std::string& rkey) {
  net::Request req;
  req.method = "GET";
  req.url = net::WithQuery(config_.service + "/xrpc/com.atproto.repo.getRecord",
                           {{"repo", repo}, {"collection", collection}, {"rkey", rkey}});
  req.headers = {{"Accept", "application/json"}};
  req.charges = {{"requests", 1}};
  auto resp = SendXrpc(req);
  if (!resp.ok()) return resp.errors();
  if (resp.value().status == 400 && ErrorName(resp.value()) == "RecordNotFound") return std::optional<json>();
  if (resp.value().status == 404) return std::optional<json>();
  if (!resp.value().ok()) return net::ResponseError(req, resp.value(), config_.account);
  json j = json::parse(resp.value().body, nullptr, false);
  if (j.is_discarded() || !j.contains("value")) {
    return Error{{net::Describe(req)}, config_.account, "malformed getRecord answer"};
  }
  return std::optional<json>(j);
}

Result<json> BlueskyPlatform::UploadBlob(const std::string& file, const std::string& mime_type) {
  Result<std::string> bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.errors();
  net::Request req;
  req.method = "POST";
  req.url = config_.service + "/xrpc/com.atproto.repo.uploadBlob";
  req.headers = {{"Content-Type", mime_type}, {"Accept", "application/json"}};
  req.body = bytes.value();
  req.charges = {{"requests", 1}};
  auto resp = SendXrpc(req);
  if (!resp.ok()) return resp.errors();
  if (!resp.value().ok()) return net::ResponseError(req, resp.value(), config_.account);
  json j = json::parse(resp.value().body, nullptr, false);
  if (j.is_discarded() || !j.contains("blob")) {
    return Error{{net::Describe(req)}, config_.account, "malformed uploadBlob answer"};
  }
  return j["blob"];
}

std::string BlueskyPlatform::PostUrl(const std::string& rkey) const {
  return config_.web_base + "/profile/" + (handle_.empty() ? did_ : handle_) + "/post/" + rkey;
}

Result<std::optional<Published>> BlueskyPlatform::FindPublished(const std::string& idempotency_key) {
  Status s = EnsureSession();
  if (!s.ok()) return s.errors();
  std::string rkey = TidForKey(idempotency_key);
  auto rec = GetRecord(did_, kPost, rkey);
  if (!rec.ok()) return rec.errors();
  if (!rec.value()) return std::optional<Published>();
  return std::optional<Published>(Published{Str(*rec.value(), "uri"), PostUrl(rkey)});
}

Result<Published> BlueskyPlatform::Publish(const ComposedPost& post) {
  Status valid = ValidatePost(post, capabilities(), config_.account);
  if (!valid.ok()) return valid.errors();
  size_t graphemes = CountGraphemes(post.text);
  if (graphemes > 300) {
    return Error{{config_.service}, config_.account,
                 "text has " + std::to_string(graphemes) + " graphemes; Bluesky allows 300"};
  }
  // Already there (an earlier attempt whose answer was lost)?
  auto existing = FindPublished(post.idempotency_key);
  if (!existing.ok()) return existing.errors();
  if (existing.value()) return *existing.value();
  std::string rkey = TidForKey(post.idempotency_key);

  json record = {{"$type", kPost}, {"text", post.text}, {"createdAt", net::FormatRfc3339(clock_->Now())}};
  if (!config_.langs.empty()) record["langs"] = config_.langs;
  json facets = json::array();
  for (const Facet& f : post.facets) {
    json feature;
    switch (f.type) {
      case Facet::Type::kLink:
        feature = {{"$type", "app.bsky.richtext.facet#link"}, {"uri", f.value}};
        break;
      case Facet::Type::kTag:
        feature = {{"$type", "app.bsky.richtext.facet#tag"}, {"tag", f.value}};
        break;
      case Facet::Type::kMention: {
        std::string did = f.value;
        if (did.rfind("did:", 0) != 0) {
          std::string handle = did[0] == '@' ? did.substr(1) : did;
          auto resolved = Xrpc("com.atproto.identity.resolveHandle", {{"handle", handle}}, std::nullopt);
          if (!resolved.ok()) return resolved.errors();
          did = Str(resolved.value(), "did");
        }
        feature = {{"$type", "app.bsky.richtext.facet#mention"}, {"did", did}};
        break;
      }
    }
    facets.push_back({{"index", {{"byteStart", f.byte_start}, {"byteEnd", f.byte_end}}},
                      {"features", json::array({feature})}});
  }
  if (!facets.empty()) record["facets"] = facets;
  if (!post.images.empty()) {
    json images = json::array();
    for (const Image& img : post.images) {
      auto blob = UploadBlob(img.file, img.mime_type);
      if (!blob.ok()) return blob.errors();
      images.push_back({{"alt", img.alt}, {"image", blob.value()}});
    }
    record["embed"] = {{"$type", "app.bsky.embed.images"}, {"images", images}};
  } else if (post.card) {
    json external = {{"uri", post.card->uri}, {"title", post.card->title}, {"description", post.card->description}};
    if (!post.card->thumb_file.empty()) {
      std::string mime = post.card->thumb_file.size() > 4 &&
                                 post.card->thumb_file.substr(post.card->thumb_file.size() - 4) == ".png"
                             ? "image/png"
                             : "image/jpeg";
      auto blob = UploadBlob(post.card->thumb_file, mime);
      if (!blob.ok()) return blob.errors();
      external["thumb"] = blob.value();
    }
    record["embed"] = {{"$type", "app.bsky.embed.external"}, {"external", external}};
  }
  json body = {{"repo", did_}, {"collection", kPost}, {"rkey", rkey}, {"validate", true}, {"record", record}};
  auto created = Xrpc("com.atproto.repo.createRecord", {}, body, 3);
  if (created.ok()) return Published{Str(created.value(), "uri"), PostUrl(rkey)};
  // Unknown outcome (lost answer, retried into a conflict): ask the repo.
  auto after = FindPublished(post.idempotency_key);
  if (after.ok() && after.value()) return *after.value();
  return created.errors();
}

FetchedComment BlueskyPlatform::CommentFromNotification(const json& n, const json& profile, net::WallTime now) {
  FetchedComment c;
  c.remote_id = Str(n, "uri");
  if (c.remote_id.empty()) return c;
  const json& record = Obj(n, "record");
  const json& author = Obj(n, "author");
  c.text = Str(record, "text");
  c.created_at = Str(record, "createdAt");
  c.kind = Str(n, "reason");
  c.author_id = Str(author, "did");
  c.author_handle = Str(author, "handle");
  if (profile.is_object()) {
    if (profile.contains("followersCount") && profile["followersCount"].is_number()) {
      c.author_followers = profile["followersCount"].get<double>();
    }
    if (auto created = net::ParseRfc3339(Str(profile, "createdAt"))) {
      c.author_account_age_days = net::DaysBetween(*created, now);
    }
  }
  const json& reply = Obj(record, "reply");
  if (!reply.empty()) {
    c.parent_remote_id = Str(Obj(reply, "parent"), "uri");
    c.root_remote_id = Str(Obj(reply, "root"), "uri");
  } else if (c.kind == "quote") {
    const json& embed = Obj(record, "embed");
    std::string quoted = Str(Obj(embed, "record"), "uri");
    if (quoted.empty()) quoted = Str(Obj(Obj(embed, "record"), "record"), "uri");  // recordWithMedia
    c.parent_remote_id = quoted;
    c.root_remote_id = quoted;
  } else {
    c.parent_remote_id = Str(n, "reasonSubject");
    c.root_remote_id = c.remote_id;
  }
  return c;
}

Result<CommentBatch> BlueskyPlatform::FetchComments(const std::string& cursor) {
  Status s = EnsureSession();
  if (!s.ok()) return s.errors();
  std::string since;
  std::set<std::string> seen_at_since;
  if (!cursor.empty()) {
    json c = json::parse(cursor, nullptr, false);
    if (c.is_discarded() || !c.is_object() || !c.contains("t") || !c["t"].is_string()) {
      return Error{{"cursor"}, config_.account, "malformed Bluesky cursor '" + cursor + "'"};
    }
    since = c["t"].get<std::string>();
    if (c.contains("uris") && c["uris"].is_array()) {
      for (const auto& u : c["uris"]) {
        if (u.is_string()) seen_at_since.insert(u.get<std::string>());
      }
    }
  }
  // RFC 3339 strings from one server compare like times when their form is
  // the same; compare parsed times to be safe.
  auto time_of = [](const std::string& t) {
    auto p = net::ParseRfc3339(t);
    return p ? *p : net::WallTime{};
  };
  net::WallTime since_t = since.empty() ? net::WallTime{} : time_of(since);
  std::vector<json> fresh;
  std::string newest_t = since;
  std::set<std::string> newest_uris = seen_at_since;
  std::string page_cursor;
  for (int page = 0; page < 20; ++page) {
    net::Params q = {{"limit", "50"}};
    if (!page_cursor.empty()) q.emplace_back("cursor", page_cursor);
    auto j = Xrpc("app.bsky.notification.listNotifications", q, std::nullopt);
    if (!j.ok()) return j.errors();
    if (!j.value().contains("notifications") || !j.value()["notifications"].is_array()) {
      return Error{{config_.service + "/xrpc/app.bsky.notification.listNotifications"}, config_.account,
                   "malformed answer: no notifications array"};
    }
    bool reached_cursor = false;
    for (const json& n : j.value()["notifications"]) {
      std::string t = Str(n, "indexedAt");
      std::string uri = Str(n, "uri");
      net::WallTime nt = time_of(t);
      if (!since.empty() && (nt < since_t || (nt == since_t && seen_at_since.count(uri)))) {
        reached_cursor = true;
        continue;
      }
      if (newest_t.empty() || nt > time_of(newest_t)) {
        newest_t = t;
        newest_uris = {uri};
      } else if (nt == time_of(newest_t)) {
        newest_uris.insert(uri);
      }
      std::string reason = Str(n, "reason");
      if (reason == "reply" || reason == "mention" || reason == "quote") fresh.push_back(n);
    }
    page_cursor = Str(j.value(), "cursor");
    if (reached_cursor || page_cursor.empty() || since.empty()) break;
  }
  std::stable_sort(fresh.begin(), fresh.end(), [&](const json& a, const json& b) {
    return time_of(Str(a, "indexedAt")) < time_of(Str(b, "indexedAt"));
  });
  // Followers and account age of the authors.
  std::map<std::string, json> profiles;
  std::vector<std::string> dids;
  for (const json& n : fresh) {
    std::string did = Str(Obj(n, "author"), "did");
    if (!did.empty() && std::find(dids.begin(), dids.end(), did) == dids.end()) dids.push_back(did);
  }
  for (size_t i = 0; i < dids.size(); i += 25) {
    net::Params q;
    for (size_t k = i; k < std::min(dids.size(), i + 25); ++k) q.emplace_back("actors", dids[k]);
    auto p = Xrpc("app.bsky.actor.getProfiles", q, std::nullopt);
    if (!p.ok()) return p.errors();
    if (p.value().contains("profiles") && p.value()["profiles"].is_array()) {
      for (const json& prof : p.value()["profiles"]) profiles[Str(prof, "did")] = prof;
    }
  }
  CommentBatch batch;
  std::set<std::string> seen;
  net::WallTime now = clock_->Now();
  for (const json& n : fresh) {
    const std::string did = Str(Obj(n, "author"), "did");
    auto prof = profiles.find(did);
    FetchedComment c = CommentFromNotification(n, prof != profiles.end() ? prof->second : json(), now);
    if (c.remote_id.empty() || !seen.insert(c.remote_id).second) continue;
    batch.comments.push_back(std::move(c));
  }
  json next = {{"t", newest_t}, {"uris", json::array()}};
  for (const auto& u : newest_uris) next["uris"].push_back(u);
  batch.next_cursor = newest_t.empty() ? cursor : next.dump();
  return batch;
}

Status BlueskyPlatform::SetHidden(const FetchedComment& target, bool hidden) {
  Status s = EnsureSession();
  if (!s.ok()) return s;
  auto root = ParseAtUri(target.root_remote_id);
  if (!root || root->collection != kPost) {
    return Error{{config_.service}, config_.account, "comment " + target.remote_id + " has no root post URI"};
  }
  if (root->repo != did_) {
    return Error{{config_.service}, config_.account,
                 "the thread of " + target.remote_id + " is not rooted in our post; only the root's author can hide replies"};
  }
  auto existing = GetRecord(did_, kThreadgate, root->rkey);
  if (!existing.ok()) return existing.errors();
  json gate = {{"$type", kThreadgate}, {"post", target.root_remote_id},
               {"createdAt", net::FormatRfc3339(clock_->Now())}};
  std::string swap;
  if (existing.value()) {
    gate = (*existing.value())["value"];  // keep allow rules and anything else
    swap = Str(*existing.value(), "cid");
  }
  std::vector<std::string> list;
  if (gate.contains("hiddenReplies") && gate["hiddenReplies"].is_array()) {
    for (const auto& u : gate["hiddenReplies"]) {
      if (u.is_string()) list.push_back(u.get<std::string>());
    }
  }
  bool present = std::find(list.begin(), list.end(), target.remote_id) != list.end();
  if (hidden == present) return Ok{};  // already as wanted
  if (hidden) {
    if (list.size() >= 300) {
      return Error{{config_.service}, config_.account,
                   "the threadgate of " + target.root_remote_id + " already hides 300 replies (the maximum)"};
    }
    list.push_back(target.remote_id);
  } else {
    list.erase(std::remove(list.begin(), list.end(), target.remote_id), list.end());
  }
  gate["hiddenReplies"] = list;
  json body = {{"repo", did_}, {"collection", kThreadgate}, {"rkey", root->rkey}, {"record", gate}};
  if (!swap.empty()) body["swapRecord"] = swap;  // fail rather than overwrite a concurrent edit
  auto put = Xrpc("com.atproto.repo.putRecord", {}, body, existing.value() ? 2 : 3);
  if (!put.ok()) return put.errors();
  return Ok{};
}

Status BlueskyPlatform::Moderate(ModerationAction action, const FetchedComment& target) {
  Status s = EnsureSession();
  if (!s.ok()) return s;
  switch (action) {
    case ModerationAction::kHide:
      return SetHidden(target, true);
    case ModerationAction::kUnhide:
      return SetHidden(target, false);
    case ModerationAction::kBlock: {
      if (target.author_id.rfind("did:", 0) != 0) {
        return Error{{config_.service}, config_.account, "cannot block '" + target.author_id + "': not a DID"};
      }
      json body = {{"repo", did_},
                   {"collection", "app.bsky.graph.block"},
                   {"record",
                    {{"$type", "app.bsky.graph.block"}, {"subject", target.author_id},
                     {"createdAt", net::FormatRfc3339(clock_->Now())}}}};
      auto r = Xrpc("com.atproto.repo.createRecord", {}, body, 3);
      if (!r.ok()) return r.errors();
      return Ok{};
    }
    case ModerationAction::kReport: {
      // The record's cid straight from its repo: the AppView's getPosts hides
      // posts of authors we have just blocked, which is when reports happen.
      std::string cid;
      if (auto uri = ParseAtUri(target.remote_id)) {
        auto rec = GetRecord(uri->repo, uri->collection, uri->rkey);
        if (rec.ok() && rec.value()) cid = Str(*rec.value(), "cid");
      }
      if (cid.empty()) {
        auto posts = Xrpc("app.bsky.feed.getPosts", {{"uris", target.remote_id}}, std::nullopt);
        if (!posts.ok()) return posts.errors();
        if (posts.value().contains("posts") && posts.value()["posts"].is_array() && !posts.value()["posts"].empty()) {
          cid = Str(posts.value()["posts"][0], "cid");
        }
      }
      if (cid.empty()) {
        return Error{{config_.service}, config_.account, "cannot report " + target.remote_id + ": post not found"};
      }
      json body = {{"reasonType", "com.atproto.moderation.defs#reasonRude"},
                   {"reason", "Reported by the AASR moderation team (aasr-bot)."},
                   {"subject", {{"$type", "com.atproto.repo.strongRef"}, {"uri", target.remote_id}, {"cid", cid}}}};
      auto r = Xrpc("com.atproto.moderation.createReport", {}, body);
      if (!r.ok()) return r.errors();
      return Ok{};
    }
    case ModerationAction::kDelete:
      return Error{{config_.service}, "not deleted on Bluesky",
                   "Bluesky cannot delete another account's reply; it can be hidden with the threadgate", ErrorCode::kUnsupported};
  }
  return Error{{config_.service}, config_.account, "unknown action"};
}

}  // namespace aasr::platforms

namespace aasr::platforms {

Result<std::optional<Published>> BlueskyPlatform::FindReply(const ReplyRequest& r) {
  return FindPublished("reply:" + r.idempotency_key);
}

Result<Published> BlueskyPlatform::Reply(const ReplyRequest& r) {
  if (r.is_private) {
    return Error{{config_.service}, config_.account,
                 "private replies are not offered on Bluesky (its messages go through the chat service, which "
                 "aasr-bot does not reach); reply in public or write from the Bluesky app",
                 ErrorCode::kUnsupported};
  }
  const size_t graphemes = CountGraphemes(r.text);
  if (graphemes > 300) {
    return Error{{config_.service}, config_.account,
                 "reply has " + std::to_string(graphemes) + " graphemes; Bluesky allows 300"};
  }
  if (r.text.size() > 3000) {
    return Error{{config_.service}, config_.account,
                 "reply has " + std::to_string(r.text.size()) + " bytes; Bluesky allows 3,000"};
  }
  Status s = EnsureSession();
  if (!s.ok()) return s.errors();
  // The record key derives from the key (a prefix keeps it apart from posts):
  // a retry finds the reply instead of writing a second one.
  const std::string key = "reply:" + r.idempotency_key;
  auto existing = FindPublished(key);
  if (!existing.ok()) return existing.errors();
  if (existing.value()) return *existing.value();

  // The parent is the comment itself (uri + cid); the root is the root of
  // the comment's own thread (its record's reply.root), or the comment when
  // it starts one (a mention). Read from its repo: the AppView may withhold
  // posts of an author we have blocked.
  auto uri = ParseAtUri(r.target.remote_id);
  if (!uri || uri->collection != kPost) {
    return Error{{config_.service}, config_.account, "cannot reply to '" + r.target.remote_id + "': not a post URI"};
  }
  auto rec = GetRecord(uri->repo, uri->collection, uri->rkey);
  if (!rec.ok()) return rec.errors();
  if (!rec.value()) {
    return Error{{config_.service}, config_.account, "cannot reply to " + r.target.remote_id + ": post not found"};
  }
  const json& got = *rec.value();
  json parent = {{"uri", r.target.remote_id}, {"cid", Str(got, "cid")}};
  if (Str(parent, "cid").empty()) {
    return Error{{config_.service}, config_.account, "cannot reply to " + r.target.remote_id + ": no cid"};
  }
  json root = parent;
  const json& reply = Obj(Obj(got, "value"), "reply");
  const json& their_root = Obj(reply, "root");
  if (!Str(their_root, "uri").empty() && !Str(their_root, "cid").empty()) {
    root = {{"uri", Str(their_root, "uri")}, {"cid", Str(their_root, "cid")}};
  }
  json record = {{"$type", kPost},
                 {"text", r.text},
                 {"createdAt", net::FormatRfc3339(clock_->Now())},
                 {"reply", {{"root", root}, {"parent", parent}}}};
  if (!config_.langs.empty()) record["langs"] = config_.langs;
  const std::string rkey = TidForKey(key);
  json body = {{"repo", did_}, {"collection", kPost}, {"rkey", rkey}, {"validate", true}, {"record", record}};
  auto created = Xrpc("com.atproto.repo.createRecord", {}, body, 3);
  if (created.ok()) return Published{Str(created.value(), "uri"), PostUrl(rkey)};
  auto after = FindPublished(key);
  if (after.ok() && after.value()) return *after.value();
  return created.errors();
}

}  // namespace aasr::platforms
