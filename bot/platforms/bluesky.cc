#include "bot/platforms/bluesky.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
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
const char* kPostgate = "app.bsky.feed.postgate";

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

std::optional<std::pair<int, int>> ImageDimensions(const std::string& b) {
  auto u8 = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(b[i])); };
  auto be16 = [&](size_t i) { return (u8(i) << 8) | u8(i + 1); };
  auto be32 = [&](size_t i) { return (be16(i) << 16) | be16(i + 2); };
  auto valid = [](uint32_t w, uint32_t h) -> std::optional<std::pair<int, int>> {
    if (w == 0 || h == 0 || w > 1000000 || h > 1000000) return std::nullopt;
    return std::make_pair(static_cast<int>(w), static_cast<int>(h));
  };
  // PNG: the signature, then IHDR with width and height.
  if (b.size() >= 24 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 && b.compare(12, 4, "IHDR") == 0) {
    return valid(be32(16), be32(20));
  }
  // JPEG: walk the segments to the first start-of-frame (SOF0..SOF15 but
  // DHT C4, JPG C8, DAC CC), which holds height then width.
  if (b.size() >= 4 && u8(0) == 0xFF && u8(1) == 0xD8) {
    size_t i = 2;
    while (i + 4 <= b.size()) {
      if (u8(i) != 0xFF) return std::nullopt;
      const uint32_t marker = u8(i + 1);
      if (marker == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        i += 2;
        continue;
      }
      const size_t len = be16(i + 2);
      if (len < 2) return std::nullopt;
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        if (i + 9 > b.size()) return std::nullopt;
        return valid(be16(i + 7), be16(i + 5));
      }
      i += 2 + len;
    }
    return std::nullopt;
  }
  // GIF: logical screen size, little-endian.
  if (b.size() >= 10 && (b.compare(0, 6, "GIF87a") == 0 || b.compare(0, 6, "GIF89a") == 0)) {
    return valid(u8(6) | (u8(7) << 8), u8(8) | (u8(9) << 8));
  }
  return std::nullopt;
}

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
    : config_(std::move(config)),
      http_(http),
      clock_(clock),
      login_api_(http, config_.account),
      api_(http, config_.account, SessionHooks()) {
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
  auto got = login_api_.Call(req);
  if (!got.ok()) return got.errors();
  const json& j = got.value();
  if (Str(j, "accessJwt").empty() || Str(j, "did").empty()) {
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
  auto resp = login_api_.Send(req);
  if (!resp.ok()) return resp.errors();
  if (!resp.value().ok()) {
    // The refresh token is spent or expired too: log in again.
    std::string name = ErrorName(resp.value());
    if (name == "ExpiredToken" || name == "InvalidToken" || resp.value().status == 401) return CreateSession();
    return login_api_.Refused(req, resp.value());
  }
  auto parsed = login_api_.Parse(req, resp.value());
  if (!parsed.ok()) return parsed.errors();
  const json& j = parsed.value();
  if (Str(j, "accessJwt").empty()) {
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

net::JsonApiHooks BlueskyPlatform::SessionHooks() {
  net::JsonApiHooks h;
  h.prepare = [this](net::Request* r) -> Status {
    Status s = EnsureSession();
    if (!s.ok()) return s;
    r->headers.emplace_back("Authorization", "Bearer " + access_jwt_);
    return Ok{};
  };
  h.again = [this](const net::Response& resp) -> Result<bool> {
    // ExpiredToken is the normal case; InvalidToken or a bare 401 happen
    // when a cached token was revoked. Either way: refresh (which logs in
    // again if the refresh token is refused too), then try once more.
    const std::string name = ErrorName(resp);
    const bool expired =
        ((resp.status == 400 || resp.status == 401) && (name == "ExpiredToken" || name == "InvalidToken")) ||
        resp.status == 401;
    if (!expired) return false;
    Status refreshed = RefreshSession();
    if (!refreshed.ok()) return refreshed.errors();
    return true;
  };
  return h;
}

Result<json> BlueskyPlatform::Xrpc(const std::string& nsid, const net::Params& query,
                                   const std::optional<json>& body, int points, XrpcFailure* failure) {
  net::Request req;
  req.method = body ? "POST" : "GET";
  req.url = net::WithQuery(config_.service + "/xrpc/" + nsid, query);
  req.headers = {{"Accept", "application/json"}};
  if (body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body->dump();
  }
  req.charges = {{"requests", 1}};
  if (points > 0) {
    req.charges.push_back({"points", points});
    req.charges.push_back({"points_day", points});
  }
  auto resp = api_.Send(req);
  if (!resp.ok()) return resp.errors();
  if (!resp.value().ok()) {
    if (failure) {
      json e = json::parse(resp.value().body, nullptr, false);
      failure->status = resp.value().status;
      failure->error = e.is_discarded() ? "" : Str(e, "error");
      failure->message = e.is_discarded() ? "" : Str(e, "message");
    }
    return api_.Refused(req, resp.value());
  }
  return api_.Parse(req, resp.value());
}

Result<std::optional<json>> BlueskyPlatform::GetRecord(const std::string& repo, const std::string& collection,
                                                       const std::string& rkey) {
  net::Request req;
  req.method = "GET";
  req.url = net::WithQuery(config_.service + "/xrpc/com.atproto.repo.getRecord",
                           {{"repo", repo}, {"collection", collection}, {"rkey", rkey}});
  req.headers = {{"Accept", "application/json"}};
  req.charges = {{"requests", 1}};
  auto resp = api_.Send(req);
  if (!resp.ok()) return resp.errors();
  if (resp.value().status == 400 && ErrorName(resp.value()) == "RecordNotFound") return std::optional<json>();
  if (resp.value().status == 404) return std::optional<json>();
  if (!resp.value().ok()) return api_.Refused(req, resp.value());
  auto parsed = api_.Parse(req, resp.value());
  if (!parsed.ok()) return parsed.errors();
  const json& j = parsed.value();
  if (!j.contains("value")) {
    return Error{{net::Describe(req)}, config_.account, "malformed getRecord answer"};
  }
  return std::optional<json>(j);
}

Result<json> BlueskyPlatform::UploadBlob(const std::string& file, const std::string& mime_type) {
  Result<std::string> bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.errors();
  if (blob_limit_ > 0 && bytes.value().size() > blob_limit_) {
    return Error{{file, 0, 0}, config_.account,
                 "image is " + std::to_string(bytes.value().size()) + " bytes; " + config_.service +
                     " takes at most " + std::to_string(blob_limit_) + " (its own limit); not sent",
                 ErrorCode::kInvalidInput};
  }
  net::Request req;
  req.method = "POST";
  req.url = config_.service + "/xrpc/com.atproto.repo.uploadBlob";
  req.headers = {{"Content-Type", mime_type}, {"Accept", "application/json"}};
  req.body = bytes.value();
  req.charges = {{"requests", 1}};
  auto got = api_.Call(req);
  if (!got.ok()) return got.errors();
  const json& j = got.value();
  if (!j.contains("blob")) {
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

Result<ComposedPost> KeepLinkWithImages(const ComposedPost& in, const std::string& account) {
  ComposedPost post = in;
  const std::string uri = post.card ? post.card->uri : post.link;
  if (post.images.empty() || uri.empty()) return post;
  // The images take the one embed, so no card can carry the link: it goes
  // into the text, as a link facet, or the post would lose it.
  size_t at = post.text.find(uri);
  if (at == std::string::npos) {
    const std::string sep = post.text.empty() ? "" : (post.text.back() == '\n' ? "\n" : "\n\n");
    post.text += sep;
    at = post.text.size();
    post.text += uri;
    const size_t graphemes = CountGraphemes(post.text);
    if (graphemes > 300 || post.text.size() > 3000) {
      return Error{{}, account,
                   "the link " + uri + " cannot travel as a card beside the images and does not fit in the text (" +
                       std::to_string(graphemes) + " graphemes with it; Bluesky allows 300)",
                   ErrorCode::kInvalidInput};
    }
  }
  const uint32_t begin = static_cast<uint32_t>(at), end = static_cast<uint32_t>(at + uri.size());
  bool faceted = false;
  for (const Facet& f : post.facets)
    faceted = faceted || (f.type == Facet::Type::kLink && f.byte_start <= begin && f.byte_end >= end);
  if (!faceted) post.facets.push_back({begin, end, Facet::Type::kLink, uri});
  post.card.reset();
  return post;
}

Result<Published> BlueskyPlatform::Publish(const ComposedPost& composed) {
  Status valid = ValidatePost(composed, capabilities(), config_.account);
  if (!valid.ok()) return valid.errors();
  size_t graphemes = CountGraphemes(composed.text);
  if (graphemes > 300) {
    return Error{{config_.service}, config_.account,
                 "text has " + std::to_string(graphemes) + " graphemes; Bluesky allows 300", ErrorCode::kInvalidInput};
  }
  auto kept = KeepLinkWithImages(composed, config_.account);
  if (!kept.ok()) return kept.errors();
  const ComposedPost& post = kept.value();
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
      json entry = {{"alt", img.alt}, {"image", blob.value()}};
      // Clients lay the image out before it loads from the aspect ratio.
      auto bytes = ReadFile(img.file);
      if (bytes.ok()) {
        if (auto wh = ImageDimensions(bytes.value())) {
          entry["aspectRatio"] = {{"width", wh->first}, {"height", wh->second}};
        }
      }
      images.push_back(entry);
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
  XrpcFailure failure;
  auto created = Xrpc("com.atproto.repo.createRecord", {}, body, 3, &failure);
  if (created.ok()) return Published{Str(created.value(), "uri"), PostUrl(rkey)};
  // Unknown outcome (lost answer, retried into a conflict): ask the repo.
  auto after = FindPublished(post.idempotency_key);
  if (after.ok() && after.value()) return *after.value();
  if (auto limit = BlobLimitFromError(failure.error, failure.message)) {
    // The server's own limit (1,000,000 bytes on older PDSes, 2,000,000 on
    // current ones) is only stated when it refuses: remember it, so the next
    // image over it is refused before it is uploaded.
    blob_limit_ = *limit;
    Errors errs = created.errors();
    for (Error& e : errs) {
      e.code = ErrorCode::kInvalidInput;
      e.message = "an image is larger than " + config_.service + " takes (at most " + std::to_string(*limit) +
                  " bytes, its own limit); not published: " + e.message;
    }
    return errs;
  }
  return created.errors();
}

std::optional<size_t> BlueskyPlatform::BlobLimitFromError(const std::string& error, const std::string& message) {
  // The PDS validates the record against its lexicon (app.bsky.embed.images
  // maxSize) and answers 400 InvalidRequest "Invalid app.bsky.feed.post
  // record: blob too big (maximum N, got M) ..." (pds repo/prepare.js,
  // lex-schema IssueTooBig): the error name says what kind; only the message
  // has N. (InvalidRecord: what the lexicon of createRecord names it.)
  if (error != "InvalidRequest" && error != "InvalidRecord") return std::nullopt;
  const std::string key = "blob too big (maximum ";
  size_t at = message.find(key);
  if (at == std::string::npos) return std::nullopt;
  at += key.size();
  size_t end = at;
  while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
  if (end == at || end - at > 12) return std::nullopt;
  return static_cast<size_t>(std::stoull(message.substr(at, end - at)));
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

namespace {

net::WallTime TimeOf(const std::string& t) {
  auto p = net::ParseRfc3339(t);
  return p ? *p : net::WallTime{};
}

// Our durable cursor (see bluesky.h): {"t": newest indexedAt seen,
// "seen": {uri: indexedAt} within the overlap window, "resume": the API's
// cursor where a sweep stopped at the page cap, "floor": that sweep's
// lower bound}. The cursor of earlier versions, {"t", "uris"}, is read too.
struct NotifCursor {
  std::string newest;
  std::map<std::string, std::string> seen;
  std::string resume;
  std::string floor;
  int64_t thread_batch = 0;  // set on a batch that carried thread replies
};

Result<NotifCursor> ParseNotifCursor(const std::string& text, const std::string& account) {
  NotifCursor c;
  if (text.empty()) return c;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("t") || !j["t"].is_string()) {
    return Error{{"cursor"}, account, "malformed Bluesky cursor '" + text + "'", ErrorCode::kInvalidInput};
  }
  c.newest = j["t"].get<std::string>();
  if (j.contains("uris") && j["uris"].is_array()) {
    for (const auto& u : j["uris"])
      if (u.is_string()) c.seen[u.get<std::string>()] = c.newest;
  }
  if (j.contains("seen") && j["seen"].is_object()) {
    for (const auto& [uri, t] : j["seen"].items())
      if (t.is_string()) c.seen[uri] = t.get<std::string>();
  }
  c.resume = Str(j, "resume");
  c.floor = Str(j, "floor");
  return c;
}

std::string DumpNotifCursor(const NotifCursor& c) {
  json j = {{"t", c.newest}, {"seen", json::object()}};
  for (const auto& [uri, t] : c.seen) j["seen"][uri] = t;
  if (!c.resume.empty()) {
    j["resume"] = c.resume;
    j["floor"] = c.floor;
  }
  if (c.thread_batch) j["th"] = c.thread_batch;
  return j.dump();
}

}  // namespace

// Newest first, with the API's own cursor for paging. Each sweep starts at
// the top and goes down to `overlap` before the newest time seen so far:
// the notification's indexedAt is least(createdAt, indexedAt), so a reply
// created earlier (clock skew, slow indexing) sorts below the newest one we
// have, and only an overlap finds it; URIs seen within it are not delivered
// twice. A sweep longer than max_pages stops and resumes there next poll,
// never jumping ahead.
Result<CommentBatch> BlueskyPlatform::FetchComments(const std::string& cursor) {
  Status s = EnsureSession();
  if (!s.ok()) return s.errors();
  auto parsed = ParseNotifCursor(cursor, config_.account);
  if (!parsed.ok()) return parsed.errors();
  NotifCursor state = parsed.value();
  const auto window = std::chrono::seconds(config_.overlap_seconds);
  // Where this sweep stops: a resumed sweep keeps its own floor.
  std::string floor = state.resume.empty()
                          ? (state.newest.empty() ? "" : net::FormatRfc3339(TimeOf(state.newest) - window))
                          : state.floor;
  const net::WallTime floor_t = TimeOf(floor);
  std::vector<json> fresh;
  std::string page_cursor = state.resume;
  bool done = false;
  for (int page = 0; page < config_.max_pages_per_poll; ++page) {
    net::Params q = {{"limit", std::to_string(config_.page_size)},
                     {"reasons", "reply"},
                     {"reasons", "mention"},
                     {"reasons", "quote"}};
    if (!page_cursor.empty()) q.emplace_back("cursor", page_cursor);
    auto j = Xrpc("app.bsky.notification.listNotifications", q, std::nullopt);
    if (!j.ok()) return j.errors();
    if (!j.value().contains("notifications") || !j.value()["notifications"].is_array()) {
      return Error{{config_.service + "/xrpc/app.bsky.notification.listNotifications"}, config_.account,
                   "malformed answer: no notifications array", ErrorCode::kTransient};
    }
    bool reached_floor = false;
    for (const json& n : j.value()["notifications"]) {
      const std::string t = Str(n, "indexedAt");
      const std::string uri = Str(n, "uri");
      if (!floor.empty() && TimeOf(t) < floor_t) {
        reached_floor = true;
        continue;
      }
      if (uri.empty() || state.seen.count(uri)) continue;
      state.seen[uri] = t;
      if (thread_delivered_.count(uri)) continue;  // a thread read brought it first
      if (state.newest.empty() || TimeOf(t) > TimeOf(state.newest)) state.newest = t;
      // The server filters by reasons; an older one that ignores the filter
      // must not turn likes into comments.
      const std::string reason = Str(n, "reason");
      if (reason == "reply" || reason == "mention" || reason == "quote") fresh.push_back(n);
    }
    const std::string next = Str(j.value(), "cursor");
    if (reached_floor || next.empty() || next == page_cursor) {
      done = true;
      break;
    }
    page_cursor = next;
  }
  if (done) {
    state.resume.clear();
    state.floor.clear();
  } else {
    state.resume = page_cursor;
    state.floor = floor;
  }
  // What the next sweep cannot meet again is forgotten.
  if (!state.newest.empty()) {
    const net::WallTime keep = TimeOf(state.newest) - window;
    for (auto it = state.seen.begin(); it != state.seen.end();) {
      it = TimeOf(it->second) < keep && state.resume.empty() ? state.seen.erase(it) : std::next(it);
    }
  }
  // The caller passing back the last batch's cursor means it stored that
  // batch: its thread replies count as delivered from now on.
  if (!pending_cursor_.empty() && cursor == pending_cursor_) {
    thread_delivered_.insert(pending_thread_.begin(), pending_thread_.end());
  }
  pending_thread_.clear();
  pending_cursor_.clear();
  std::set<std::string> from_notifications;
  for (const json& n : fresh) from_notifications.insert(Str(n, "uri"));
  const net::WallTime now_t = clock_->Now();
  if (config_.thread_window_posts > 0 &&
      (!last_thread_sweep_ || now_t - *last_thread_sweep_ >= std::chrono::seconds(config_.thread_interval_seconds))) {
    auto deep = ThreadReplies();
    if (!deep.ok()) return deep.errors();
    last_thread_sweep_ = now_t;
    for (json& n : deep.value()) {
      const std::string uri = Str(n, "uri");
      if (from_notifications.count(uri) || state.seen.count(uri) || thread_delivered_.count(uri)) continue;
      pending_thread_.insert(uri);
      fresh.push_back(std::move(n));
    }
  }
  std::stable_sort(fresh.begin(), fresh.end(), [&](const json& a, const json& b) {
    return TimeOf(Str(a, "indexedAt")) < TimeOf(Str(b, "indexedAt"));
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
  batch.next_cursor = state.newest.empty() && state.resume.empty() ? cursor : DumpNotifCursor(state);
  if (!pending_thread_.empty()) {
    // A cursor of its own, so that passing it back says this batch was
    // stored even when the notifications brought nothing new.
    NotifCursor marked = state;
    marked.thread_batch = ++thread_batches_;
    batch.next_cursor = DumpNotifCursor(marked);
    pending_cursor_ = batch.next_cursor;
  }
  return batch;
}

// Replies in the threads of our recent posts, as notification-shaped JSON
// (uri, cid, reason "reply", record, author, indexedAt), at any depth: the
// AppView notifies only ancestors fewer than 5 levels up (its reply
// notifications walk at most that far), so deeper replies arrive only here.
Result<std::vector<json>> BlueskyPlatform::ThreadReplies() {
  auto feed = Xrpc("app.bsky.feed.getAuthorFeed",
                   {{"actor", did_},
                    {"filter", "posts_no_replies"},
                    {"limit", std::to_string(std::min(config_.thread_window_posts, 100))}},
                   std::nullopt);
  if (!feed.ok()) return feed.errors();
  if (!feed.value().contains("feed") || !feed.value()["feed"].is_array()) {
    return Error{{config_.service + "/xrpc/app.bsky.feed.getAuthorFeed"}, config_.account,
                 "malformed answer: no feed array", ErrorCode::kTransient};
  }
  const net::WallTime oldest = clock_->Now() - std::chrono::hours(24) * config_.thread_window_days;
  std::vector<json> out;
  for (const json& item : feed.value()["feed"]) {
    if (item.contains("reason")) continue;  // a repost of someone else's post
    const json& post = Obj(item, "post");
    if (Str(Obj(post, "author"), "did") != did_) continue;
    auto created = net::ParseRfc3339(Str(Obj(post, "record"), "createdAt"));
    auto indexed = net::ParseRfc3339(Str(post, "indexedAt"));
    const net::WallTime when = created && indexed ? std::max(*created, *indexed) : created ? *created : net::WallTime{};
    if (when < oldest) continue;
    XrpcFailure failure;
    auto thread = Xrpc("app.bsky.feed.getPostThread",
                       {{"uri", Str(post, "uri")}, {"depth", "1000"}, {"parentHeight", "0"}}, std::nullopt, 0,
                       &failure);
    if (!thread.ok()) {
      if (failure.error == "NotFound") continue;  // deleted meanwhile
      return thread.errors();                     // the poll fails and is tried again
    }
    // Depth first over threadViewPost nodes; notFoundPost / blockedPost
    // have no replies to walk.
    std::vector<const json*> stack = {&Obj(thread.value(), "thread")};
    while (!stack.empty()) {
      const json* node = stack.back();
      stack.pop_back();
      if (!node->is_object() || !node->contains("replies") || !(*node)["replies"].is_array()) continue;
      for (const json& r : (*node)["replies"]) {
        if (Str(r, "$type") != "app.bsky.feed.defs#threadViewPost") continue;
        const json& p = Obj(r, "post");
        if (!Str(p, "uri").empty() && Str(Obj(p, "author"), "did") != did_) {
          out.push_back({{"uri", Str(p, "uri")},
                         {"cid", Str(p, "cid")},
                         {"reason", "reply"},
                         {"record", Obj(p, "record")},
                         {"author", Obj(p, "author")},
                         {"indexedAt", Str(p, "indexedAt")}});
        }
        stack.push_back(&r);
      }
    }
  }
  return out;
}

// Adds `uri` to (or removes it from) the list `field` of our gate record
// `collection` whose key is the post's key (threadgate: hiddenReplies,
// postgate: detachedEmbeddingUris), keeping every other field, with
// swapRecord so a concurrent edit fails instead of being overwritten.
Status BlueskyPlatform::EditGate(const char* collection, const std::string& post_uri, const char* field,
                                 const std::string& uri, bool add, size_t max) {
  auto post = ParseAtUri(post_uri);
  if (!post) return Error{{config_.service}, config_.account, "not a post URI: " + post_uri, ErrorCode::kInvalidInput};
  auto existing = GetRecord(did_, collection, post->rkey);
  if (!existing.ok()) return existing.errors();
  json gate = {{"$type", collection}, {"post", post_uri}, {"createdAt", net::FormatRfc3339(clock_->Now())}};
  std::string swap;
  if (existing.value()) {
    gate = (*existing.value())["value"];  // keep allow rules and anything else
    swap = Str(*existing.value(), "cid");
  }
  std::vector<std::string> list;
  if (gate.contains(field) && gate[field].is_array()) {
    for (const auto& u : gate[field]) {
      if (u.is_string()) list.push_back(u.get<std::string>());
    }
  }
  bool present = std::find(list.begin(), list.end(), uri) != list.end();
  if (add == present) return Ok{};  // already as wanted
  if (add) {
    if (list.size() >= max) {
      return Error{{config_.service}, config_.account,
                   std::string("the ") + collection + " of " + post_uri + " already lists " + std::to_string(max) +
                       " in " + field + " (the maximum)",
                   ErrorCode::kRefused};
    }
    list.push_back(uri);
  } else {
    list.erase(std::remove(list.begin(), list.end(), uri), list.end());
  }
  gate[field] = list;
  json body = {{"repo", did_}, {"collection", collection}, {"rkey", post->rkey}, {"record", gate}};
  if (!swap.empty()) body["swapRecord"] = swap;
  auto put = Xrpc("com.atproto.repo.putRecord", {}, body, existing.value() ? 2 : 3);
  if (!put.ok()) return put.errors();
  return Ok{};
}

// What hiding means depends on what the post is, read from its own record
// (a stored action has no kind): a reply in a thread rooted in our post is
// hidden with the root's threadgate (hiddenReplies), which the AppView
// applies to replies only; a quote of our post is detached with our post's
// postgate (detachedEmbeddingUris), which removes our post from the quote
// but leaves the quote visible, so that is reported as not hidden. A post
// that is both gets both.
Status BlueskyPlatform::SetHidden(const FetchedComment& target, bool hidden) {
  Status s = EnsureSession();
  if (!s.ok()) return s;
  auto self = ParseAtUri(target.remote_id);
  if (!self || self->collection != kPost) {
    return Error{{config_.service}, config_.account, "'" + target.remote_id + "' is not a post URI",
                 ErrorCode::kInvalidInput};
  }
  std::string thread_root = target.root_remote_id;
  std::string quoted;
  auto rec = GetRecord(self->repo, kPost, self->rkey);
  if (!rec.ok()) return rec.errors();
  if (rec.value()) {
    const json& value = Obj(*rec.value(), "value");
    thread_root = Str(Obj(Obj(value, "reply"), "root"), "uri");
    const json& embed = Obj(value, "embed");
    const std::string type = Str(embed, "$type");
    if (type == "app.bsky.embed.record") quoted = Str(Obj(embed, "record"), "uri");
    if (type == "app.bsky.embed.recordWithMedia") quoted = Str(Obj(Obj(embed, "record"), "record"), "uri");
  }  // else deleted: nothing shows it; the stored root is all there is
  auto ours = [&](const std::string& uri) {
    auto u = ParseAtUri(uri);
    return u && u->repo == did_ && u->collection == kPost;
  };
  const bool reply = ours(thread_root);
  const bool quote = ours(quoted);
  if (quote) {
    Status d = EditGate(kPostgate, quoted, "detachedEmbeddingUris", target.remote_id, hidden, 50);
    if (!d.ok()) return d;
  }
  if (reply) return EditGate(kThreadgate, thread_root, "hiddenReplies", target.remote_id, hidden, 300);
  if (quote) {
    return Error{{config_.service}, "not hidden on Bluesky",
                 hidden ? "Bluesky cannot hide a quote post; our post was detached from it (postgate), so the quote "
                          "no longer shows our post, but the quote itself stays visible"
                        : "Bluesky never hid the quote; our post was attached to it again (postgate)",
                 ErrorCode::kUnsupported};
  }
  return Error{{config_.service}, "not hidden on Bluesky",
               "Bluesky hides only replies in threads rooted in our posts; " + target.remote_id +
                   " is not one (block or report instead)",
               ErrorCode::kUnsupported};
}

Status BlueskyPlatform::MuteAuthor(const FetchedComment& target) {
  Status s = EnsureSession();
  if (!s.ok()) return s;
  // Not a record: the mute lives in the AppView, private to our account
  // (app.bsky.graph.muteActor, proxied by the PDS); repeating it is harmless.
  if (target.author_id.rfind("did:", 0) != 0) {
    return Error{{config_.service}, config_.account, "cannot mute '" + target.author_id + "': not a DID",
                 ErrorCode::kInvalidInput};
  }
  auto r = Xrpc("app.bsky.graph.muteActor", {}, json{{"actor", target.author_id}});
  if (!r.ok()) return r.errors();
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
