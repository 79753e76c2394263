// BlueskyPlatform: the Platform interface over AT Protocol XRPC, against an
// account's PDS (which proxies app.bsky.* reads to its AppView).
//
//  - Session: com.atproto.server.createSession once; the tokens are kept in
//    memory and renewed with com.atproto.server.refreshSession when a call
//    answers ExpiredToken (a new createSession only if the refresh token is
//    also refused). Tokens and the password are never logged.
//  - Publish: the record key is a TID derived from the idempotency key
//    (TidForKey), so a retry cannot create a second post: before writing,
//    and again whenever createRecord's outcome is unknown or refused,
//    com.atproto.repo.getRecord answers whether the post exists. Images go
//    through com.atproto.repo.uploadBlob and app.bsky.embed.images (alt
//    text); a link card through app.bsky.embed.external (images win: one
//    embed per post). Facets: link, tag, mention (a handle is resolved to
//    its DID). createdAt is RFC 3339 UTC from the injected clock. Text over
//    300 graphemes is refused before any call.
//  - FetchComments: app.bsky.notification.listNotifications, reasons reply,
//    mention and quote, newest first, paged with its cursor back to our own
//    durable cursor (the newest indexedAt seen and the URIs at that instant);
//    authors' followers and account age from app.bsky.actor.getProfiles.
//  - Moderate: kHide/kUnhide edit hiddenReplies of the root post's
//    app.bsky.feed.threadgate (record key = the root post's key; merged with
//    what is there, other fields kept; at most 300); kBlock creates
//    app.bsky.graph.block; kReport calls com.atproto.moderation.createReport
//    with a strongRef; kDelete is impossible for others' posts (hide instead).
// Thread safety: one thread at a time (see Platform).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/form.h"
#include "bot/net/http_client.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

// Where the session tokens survive the process (so a CLI run or a restart
// refreshes instead of logging in again; createSession is limited to 30 per
// 5 minutes and 300 per day). The file is written with mode 0600 and holds
// {"did", "handle", "accessJwt", "refreshJwt"}; empty path = memory only.
struct BlueskyConfig {
  std::string account;                        // our account name in the config
  std::string service = "https://bsky.social";  // the account's PDS
  std::string handle;                         // or the DID
  std::string password;                       // an app password (from the environment)
  std::string web_base = "https://bsky.app";  // for post URLs
  std::vector<std::string> langs = {"en"};
  std::string session_file;                   // optional token cache, see above
};

class BlueskyPlatform : public Platform {
 public:
  BlueskyPlatform(BlueskyConfig config, net::HttpClient* http, net::Clock* clock);

  std::string name() const override { return "bluesky"; }
  Capabilities capabilities() const override;
  Status CheckCredentials() override;
  Result<Published> Publish(const ComposedPost& post) override;
  Result<std::optional<Published>> FindPublished(const std::string& idempotency_key) override;
  using Platform::FindPublished;
  Result<CommentBatch> FetchComments(const std::string& cursor) override;
  Status Moderate(ModerationAction action, const FetchedComment& target) override;
  // Reply: an app.bsky.feed.post with reply {root, parent} strong refs (the
  // parent = the comment, read with getRecord; the root = the comment's own
  // reply.root, or the comment when it has none); record key =
  // TidForKey("reply:" + key), so FindReply is a getRecord. No private
  // replies (an Error says so).
  Result<Published> Reply(const ReplyRequest& r) override;
  Result<std::optional<Published>> FindReply(const ReplyRequest& r) override;

  const std::string& did() const { return did_; }
  std::string SelfAuthorId() const override { return did_; }
  int session_creations() const { return session_creations_; }
  int session_refreshes() const { return session_refreshes_; }

  // One element of listNotifications' "notifications" as a comment, with
  // the author's getProfiles entry (`profile`; any other value when unknown)
  // for followers and account age. remote_id is empty when the notification
  // has no uri (the caller skips it). Any JSON value is accepted (it is the
  // server's). Exposed so the parsing is tested and fuzzed without a network;
  // FetchComments uses exactly this.
  static FetchedComment CommentFromNotification(const nlohmann::json& notification,
                                                const nlohmann::json& profile, net::WallTime now);

  // Calls an XRPC method with the session (GET when body is null).
  Result<nlohmann::json> Xrpc(const std::string& nsid, const net::Params& query,
                              const std::optional<nlohmann::json>& body, int points = 0);

 private:
  Status EnsureSession();
  Status CreateSession();
  Status RefreshSession();
  void SaveSession();
  void LoadSession();
  Result<net::Response> SendXrpc(net::Request req);
  Result<std::optional<nlohmann::json>> GetRecord(const std::string& repo, const std::string& collection,
                                                  const std::string& rkey);
  Result<nlohmann::json> UploadBlob(const std::string& file, const std::string& mime_type);
  std::string PostUrl(const std::string& rkey) const;
  Status SetHidden(const FetchedComment& target, bool hidden);

  BlueskyConfig config_;
  net::HttpClient* http_;
  net::Clock* clock_;
  std::string access_jwt_;
  std::string refresh_jwt_;
  std::string did_;
  std::string handle_;
  int session_creations_ = 0;
  int session_refreshes_ = 0;
};

// A valid AT Protocol TID (13 base32-sortable characters) that depends only
// on `key`: its timestamp lies in 2024-2025 and its clock id in the key's hash.
std::string TidForKey(const std::string& key);
// The TID for a microsecond timestamp and clock id (0..1023).
std::string EncodeTid(uint64_t micros, uint32_t clock_id);

struct AtUri {
  std::string repo, collection, rkey;
};
std::optional<AtUri> ParseAtUri(const std::string& uri);

}  // namespace aasr::platforms
