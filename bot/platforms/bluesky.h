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
//    text); a link card through app.bsky.embed.external. One embed per
//    post: with images the link goes into the text with a link facet
//    (KeepLinkWithImages), never dropped. Facets: link, tag, mention (a
//    handle is resolved to its DID). createdAt is RFC 3339 UTC from the
//    injected clock. Text over 300 graphemes is refused before any call.
//  - FetchComments: app.bsky.notification.listNotifications with reasons
//    reply, mention and quote (the server filters; likes never crowd them
//    out), newest first, paged with the API's own cursor down to
//    overlap_seconds below the newest indexedAt seen (that field is
//    least(createdAt, indexedAt), so a backdated or late reply sorts below
//    it), deduplicated by URI within the overlap; a sweep longer than
//    max_pages_per_poll resumes at its API cursor on the next poll (kept in
//    our cursor), never skipping. Authors' followers and account age from
//    app.bsky.actor.getProfiles. Deep replies: the AppView notifies only
//    ancestors fewer than 5 levels up, so every thread_interval_seconds the
//    threads of our recent posts (getAuthorFeed, then getPostThread at any
//    depth) are read too, and replies no notification brought are added
//    (remembered in memory once the caller passes back the batch's cursor;
//    after a restart the store's idempotent ingest drops repeats).
//  - Moderate: kHide/kUnhide of a reply in a thread rooted in our post edit
//    hiddenReplies of the root post's app.bsky.feed.threadgate (record key =
//    the root post's key; merged with what is there, other fields kept; at
//    most 300). A quote of our post cannot be hidden: it is detached with
//    our post's app.bsky.feed.postgate (detachedEmbeddingUris, at most 50)
//    and an Error "not hidden on Bluesky" (kUnsupported) says so; anything
//    else (a mention outside our threads) is that Error too. kBlock creates
//    app.bsky.graph.block; kReport calls com.atproto.moderation.createReport
//    with a strongRef; kDelete is impossible for others' posts (hide
//    instead). MuteAuthor calls app.bsky.graph.muteActor.
// Thread safety: one thread at a time (see Platform).
#pragma once

#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/form.h"
#include "bot/net/http_client.h"
#include "bot/net/json_api.h"
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
  // Notifications: a page's size (the API allows 1..100), the pages one poll
  // reads before it stops and resumes there on the next, and how far below
  // the newest time seen each sweep looks again for late or backdated
  // replies (deduplicated by URI).
  int page_size = 50;
  int max_pages_per_poll = 20;
  int overlap_seconds = 600;
  // Deep replies: every thread_interval_seconds, the threads
  // (app.bsky.feed.getPostThread) of our last thread_window_posts posts
  // (0 turns this off; at most 100) of the last thread_window_days.
  int thread_window_posts = 20;
  int thread_window_days = 7;
  int thread_interval_seconds = 300;
};

class BlueskyPlatform : public Platform {
 public:
  BlueskyPlatform(BlueskyConfig config, net::HttpClient* http, net::Clock* clock);
  // Its JSON client's hooks hold `this`.
  BlueskyPlatform(const BlueskyPlatform&) = delete;
  BlueskyPlatform& operator=(const BlueskyPlatform&) = delete;

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
  // Mutes the comment's author (app.bsky.graph.muteActor: private to our
  // account, no record; again is harmless). Not a ModerationAction yet: that
  // needs the shared enum, the intake and the store's action kinds.
  Status MuteAuthor(const FetchedComment& target);

  const std::string& did() const { return did_; }
  std::string SelfAuthorId() const override { return did_; }
  int session_creations() const { return session_creations_; }
  int session_refreshes() const { return session_refreshes_; }
  // The server's blob limit in bytes once it has stated it (a refused
  // record), else 0: images over it are then refused before uploading.
  size_t blob_limit() const { return blob_limit_; }
  // The limit an error from createRecord states, if it is the PDS's
  // refusal of a record with a blob over its maximum (the body's error name and
  // message).
  static std::optional<size_t> BlobLimitFromError(const std::string& error, const std::string& message);

  // One element of listNotifications' "notifications" as a comment, with
  // the author's getProfiles entry (`profile`; any other value when unknown)
  // for followers and account age. remote_id is empty when the notification
  // has no uri (the caller skips it). Any JSON value is accepted (it is the
  // server's). Exposed so the parsing is tested and fuzzed without a network;
  // FetchComments uses exactly this.
  static FetchedComment CommentFromNotification(const nlohmann::json& notification,
                                                const nlohmann::json& profile, net::WallTime now);

  // Calls an XRPC method with the session (GET when body is null). On an
  // error answer, `failure` (if given) gets its status and the body's
  // error name and message, for callers that decide by them.
  struct XrpcFailure {
    int status = 0;
    std::string error, message;
  };
  Result<nlohmann::json> Xrpc(const std::string& nsid, const net::Params& query,
                              const std::optional<nlohmann::json>& body, int points = 0,
                              XrpcFailure* failure = nullptr);

 private:
  Status EnsureSession();
  Status CreateSession();
  Status RefreshSession();
  void SaveSession();
  void LoadSession();
  // The session's rules as the shared JSON client's hooks: the access
  // token on every attempt, and one refresh (or new login) when the answer
  // says the token is stale.
  net::JsonApiHooks SessionHooks();
  Result<std::optional<nlohmann::json>> GetRecord(const std::string& repo, const std::string& collection,
                                                  const std::string& rkey);
  Result<nlohmann::json> UploadBlob(const std::string& file, const std::string& mime_type);
  std::string PostUrl(const std::string& rkey) const;
  Status SetHidden(const FetchedComment& target, bool hidden);
  Result<std::vector<nlohmann::json>> ThreadReplies();
  Status EditGate(const char* collection, const std::string& post_uri, const char* field, const std::string& uri,
                  bool add, size_t max);

  BlueskyConfig config_;
  net::HttpClient* http_;
  net::Clock* clock_;
  net::JsonApi login_api_;  // createSession / refreshSession: their own credentials
  net::JsonApi api_;        // everything else; its hooks hold `this` (never copied or moved)
  std::string access_jwt_;
  std::string refresh_jwt_;
  std::string did_;
  std::string handle_;
  int session_creations_ = 0;
  int session_refreshes_ = 0;
  size_t blob_limit_ = 0;
  // Thread replies: delivered for good once the caller passes back the
  // cursor of the batch that carried them (pending until then).
  std::optional<net::WallTime> last_thread_sweep_;
  std::set<std::string> thread_delivered_;
  std::set<std::string> pending_thread_;
  std::string pending_cursor_;
  int64_t thread_batches_ = 0;
};

// Width and height of a PNG, JPEG or GIF from its bytes (for the
// aspectRatio Bluesky clients lay images out with); nullopt when unknown.
std::optional<std::pair<int, int>> ImageDimensions(const std::string& bytes);

// The post as Bluesky can carry it: when images take the one embed, a link
// (post.card's URI, else post.link) that is not in the text is appended to
// it ("\n\n" + URL) with a link facet, and the card is dropped; an Error
// (kInvalidInput) when the text with the link would pass 300 graphemes or
// 3,000 bytes. Without images, or without a link, the post is unchanged.
Result<ComposedPost> KeepLinkWithImages(const ComposedPost& post, const std::string& account);

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
