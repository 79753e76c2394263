// Platform: the one interface every social platform adapter implements
// (Mastodon, Bluesky, Facebook Pages, and the local file platform).
//
// Outreach hands an adapter a ComposedPost; moderation asks it for new
// comments since a durable cursor and tells it to carry out actions. An
// adapter never decides anything: it translates to the platform's API.
//
//   std::unique_ptr<Platform> p = ...;             // built from an account's config
//   Result<Published> r = p->Publish(post);        // post.idempotency_key is required
//   Result<CommentBatch> b = p->FetchComments(cursor);
//   store comments; only then persist b.value().next_cursor
//
// Exactly once: Publish() must be safe to call again with the same
// idempotency_key after an unknown outcome (crash, timeout); FindPublished()
// answers "was this key already published?" for reconciliation on start.
// Errors carry the platform's own message; Error::subject names the account.
// Thread safety: one adapter instance is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/util/error.h"

namespace aasr::platforms {

// A rich-text annotation in UTF-8 byte offsets of ComposedPost::text:
// [byte_start, byte_end), as Bluesky facets define them.
struct Facet {
  enum class Type { kLink, kTag, kMention };
  uint32_t byte_start = 0;
  uint32_t byte_end = 0;
  Type type = Type::kLink;
  std::string value;  // the URL, the tag without '#', or the handle/DID
};

struct Image {
  std::string file;       // path on disk, already within the platform's limits
  std::string alt;        // required, never empty
  std::string mime_type;  // "image/png", "image/jpeg"
};

// An external link card (Bluesky app.bsky.embed.external; a Facebook link post).
struct LinkCard {
  std::string uri;
  std::string title;
  std::string description;
  std::string thumb_file;  // optional
};

struct ComposedPost {
  std::string account;          // account name from the config
  std::string text;             // final text, within the platform's limits
  std::vector<Facet> facets;
  std::vector<Image> images;
  std::optional<LinkCard> card;
  std::string link;             // the story's URL, if any (Facebook link posts)
  std::string idempotency_key;  // stable for this post: same key, same post
};

struct Published {
  std::string remote_id;
  std::string url;
};

struct FetchedComment {
  std::string remote_id;
  std::string parent_remote_id;  // the post or comment it answers
  std::string root_remote_id;    // our post at the top of the thread
  std::string author_id;
  std::string author_handle;
  std::optional<double> author_account_age_days;
  std::optional<double> author_followers;
  std::string text;
  std::string created_at;  // RFC 3339 UTC
  std::string kind;        // "reply", "mention", "quote", "comment"
};

struct CommentBatch {
  std::vector<FetchedComment> comments;
  std::string next_cursor;  // persist only after the comments are stored
};

enum class ModerationAction { kHide, kUnhide, kDelete, kBlock, kReport };
const char* ModerationActionName(ModerationAction a);

struct Capabilities {
  bool hide_replies = false;  // can hide a reply on our own post
  bool delete_comments = false;
  bool block_authors = false;
  bool report = false;
  bool webhooks = false;
  int max_text = 0;  // characters (Mastodon, Facebook) or graphemes (Bluesky)
  int url_weight = 0;  // Mastodon: characters_reserved_per_url, what any URL counts (0: as written)
  int max_images = 0;
  // FindPublished(key) can answer from the platform itself (Bluesky: the
  // record key derives from the idempotency key; local: the outbox file).
  // Where false, use FindPublished(post), which matches recent posts by text.
  bool find_by_key = false;
  // What Moderate(kHide) does where hide_replies is false (e.g. Mastodon:
  // "author blocked and reported; reply stays visible").
  std::string hide_fallback;
  // Answering people (Reply): in public under the comment, and privately
  // where the platform has a way; `reply_note` says in plain words what a
  // private reply is there, or why there is none, for the review page.
  bool reply_public = false;
  bool reply_private = false;
  std::string reply_note;
  // The longest reply the platform takes (public, private), counted as
  // platforms::CountReplyText counts (bot/platforms/replies.h).
  int max_reply_text = 0;
  int max_private_reply_text = 0;
};

// A reply to a comment (FetchedComment as stored), public or private.
struct ReplyRequest {
  FetchedComment target;
  std::string text;             // final, within max_reply_text
  bool is_private = false;      // only where capabilities().reply_private
  std::string idempotency_key;  // stable for this reply: same key, same reply
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string name() const = 0;  // "mastodon", "bluesky", "facebook", "local"
  virtual Capabilities capabilities() const = 0;
  virtual Status CheckCredentials() = 0;
  // What the last CheckCredentials found beyond "ok", for `accounts check`
  // (Facebook: the webhook subscription); "" when nothing.
  virtual std::string CredentialsNote() const { return ""; }
  virtual Result<Published> Publish(const ComposedPost& post) = 0;
  virtual Result<std::optional<Published>> FindPublished(const std::string& idempotency_key) = 0;
  // Reconciliation after an unknown outcome when the platform cannot look
  // up a key (capabilities().find_by_key false): matches the account's recent
  // posts by text. Defaults to FindPublished(post.idempotency_key).
  virtual Result<std::optional<Published>> FindPublished(const ComposedPost& post) {
    return FindPublished(post.idempotency_key);
  }
  virtual Result<CommentBatch> FetchComments(const std::string& cursor) = 0;
  // An action the platform lacks returns an Error whose message says so
  // (callers keep the item in the queue with that note). Where the platform
  // carries out a fallback instead (Mastodon hide = block/mute + report),
  // the Error's subject is "not hidden on <platform>" and its message says
  // what was done; the item stays visible in the queue with that note.
  virtual Status Moderate(ModerationAction action, const FetchedComment& target) = 0;
  // Our own account as FetchedComment::author_id names it (Mastodon: the
  // account id, Bluesky: the DID, Facebook: the Page id, local: the account
  // name), or "" while the adapter does not know it yet (before its first
  // call). Intake marks comments by it as ours (rules::Author::is_self), so
  // the organization's own posts and replies are never hidden.
  virtual std::string SelfAuthorId() const { return ""; }

  // Answers `r.target`. Exactly once, as Publish: safe to call again with the
  // same idempotency key after an unknown outcome; FindReply() answers "was
  // this reply already sent?" for reconciliation (by key where the platform
  // allows it, else by matching our replies under the comment by text).
  // A platform without replies (or without private ones) returns an Error
  // with ErrorCode::kUnsupported whose message says so; nothing is sent.
  virtual Result<Published> Reply(const ReplyRequest& r) {
    return Error{{}, name(), std::string("replies are not offered on ") + name(), ErrorCode::kUnsupported};
  }
  virtual Result<std::optional<Published>> FindReply(const ReplyRequest& r) {
    return Error{{}, name(), std::string("replies are not offered on ") + name(), ErrorCode::kUnsupported};
  }
};

}  // namespace aasr::platforms
