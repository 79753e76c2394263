// LocalPlatform: the embedded default, so `make run` needs no accounts.
//
// Publishing writes one JSON file per post to <dir>/outbox/<key>.json (the
// key made file-name safe); publishing the same idempotency key again returns
// the first result and writes nothing. Comments are read from JSON Lines
// files dropped into <dir>/inbox/*.jsonl, one comment per line:
//   {"id": "c1", "post": "local-…", "parent": "…", "text": "…",
//    "author": {"id": "u1", "handle": "parent42", "account_age_days": 3,
//               "followers": 10}, "created_at": "2026-…Z", "kind": "reply"}
// (id, text and author.handle are required; parent defaults to post; kind
// to "reply"). Files are read in name order, so name them by time
// (e.g. 2026-11-23T01-00-00.jsonl); a file that sorts before the cursor's is
// not read again. Only complete lines (ending in '\n') are consumed, so a
// file still being written is picked up where it stopped.
//
// Cursor: "<file name>:<byte offset>" of the first unread byte; "" = start.
// A malformed line is an Error naming file:line:column and the field; the
// cursor is not advanced past it, so nothing after it is lost either.
// Moderation actions are appended to <dir>/outbox/moderation.jsonl, replies
// to <dir>/outbox/replies.jsonl.
// Thread safety: one instance per thread; files are written atomically.
#pragma once

#include <optional>
#include <string>

#include "bot/net/clock.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

class LocalPlatform : public Platform {
 public:
  LocalPlatform(std::string account, std::string dir, net::Clock* clock);

  std::string name() const override { return "local"; }
  Capabilities capabilities() const override;
  Status CheckCredentials() override;
  Result<Published> Publish(const ComposedPost& post) override;
  Result<std::optional<Published>> FindPublished(const std::string& idempotency_key) override;
  using Platform::FindPublished;
  Result<CommentBatch> FetchComments(const std::string& cursor) override;
  Status Moderate(ModerationAction action, const FetchedComment& target) override;
  std::string SelfAuthorId() const override { return account_; }
  // Replies are appended to <dir>/outbox/replies.jsonl, one JSON object a
  // line {"key","id","comment","author","private","text","at"}; the same
  // idempotency key is written once (FindReply reads the file).
  Result<Published> Reply(const ReplyRequest& r) override;
  Result<std::optional<Published>> FindReply(const ReplyRequest& r) override;
  std::string RepliesPath() const;

  // One inbox line (without its '\n') as a comment; nullopt for a blank
  // line; an Error at path:line_no:column naming the field otherwise. Never
  // throws, whatever the bytes. `now` is created_at when the line has none.
  // FetchComments uses exactly this; exposed for tests and fuzzing.
  static Result<std::optional<FetchedComment>> ParseInboxLine(const std::string& line, const std::string& path,
                                                              int line_no, net::WallTime now);

  std::string outbox_dir() const { return dir_ + "/outbox"; }
  std::string inbox_dir() const { return dir_ + "/inbox"; }

 private:
  std::string PostPath(const std::string& key) const;

  std::string account_;
  std::string dir_;
  net::Clock* clock_;
};

}  // namespace aasr::platforms
