// ReplyStore: the replies outbox, in the database file's `replies` table
// (migration step 7), beside the queue it answers.
//
// States: planned -> sending -> sent (remote id, url)
//                            -> planned again with a later next_attempt_ms
//                            -> failed (final; the platform's words kept)
//
// Promises:
// - Enqueue() records the intent before anything is sent, with its audit row
//   (`reply.queued`, the words and public/private) in the same transaction;
//   a second Enqueue() with the same idempotency key returns the first row
//   and writes nothing (a double click, a retried request).
// - MarkSending() counts the attempt in the database BEFORE the platform is
//   called; MarkSent() and a final MarkFailed() write their audit row
//   (`reply.sent` with the link, `reply.failed` with the reason) in the same
//   transaction as the state. So after a crash a row left `sending` is known
//   to have maybe reached the platform: reconcile first (bot/replies/sender.h).
// - Every row carries what Platform::Reply needs of its comment (joined from
//   comments: remote id, author, parent, root).
// Errors: every SQLite failure is an Error naming the database file.
// Thread safety: all methods may be called from many threads (one connection
// behind a mutex; writes are short).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/platforms/platform.h"
#include "bot/util/error.h"

namespace aasr::sql {
class Db;
}

namespace aasr::replies {

enum class ReplyState { kPlanned, kSending, kSent, kFailed };
const char* ReplyStateName(ReplyState s);

struct NewReply {
  int64_t item_id = 0;
  std::string text;             // the moderator's words (the adapter may add a mention)
  bool is_private = false;
  std::string template_name;    // the saved reply it started from, or ""
  std::string actor;            // the moderator
  std::string idempotency_key;  // from the page (one per compose); required
};

struct ReplyRow {
  int64_t id = 0;
  int64_t item_id = 0;
  std::string account, platform;
  bool is_private = false;
  std::string text, template_name, idempotency_key;
  ReplyState state = ReplyState::kPlanned;
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_error, remote_id, url, created_by;
  int64_t created_ms = 0, updated_ms = 0;
  platforms::FetchedComment target;  // the comment answered, as stored

  platforms::ReplyRequest Request() const;
};

class ReplyStore {
 public:
  // Opens the database file and migrates it to this build's schema.
  static Result<std::unique_ptr<ReplyStore>> Open(const std::string& path);
  ~ReplyStore();

  // The row (new, or the existing one for the key). Error kNotFound-like
  // (subject "item N") when the item does not exist.
  // *created (if given) tells a new row from the existing one.
  Result<ReplyRow> Enqueue(const NewReply& r, int64_t now_ms, bool* created = nullptr);
  Result<std::vector<ReplyRow>> ForItem(int64_t item_id);
  Result<std::optional<ReplyRow>> Get(int64_t id);
  // Planned rows of `account` due at now_ms, oldest first.
  Result<std::vector<ReplyRow>> Due(const std::string& account, int64_t now_ms, int limit = 50);
  // Rows of `account` left `sending` (a crash between send and record).
  Result<std::vector<ReplyRow>> Sending(const std::string& account);
  Status MarkSending(int64_t id, int64_t now_ms);
  Status MarkSent(int64_t id, const platforms::Published& p, int64_t now_ms, const std::string& note = "");
  // next_attempt_ms is ignored when final.
  Status MarkFailed(int64_t id, const std::string& error, int64_t next_attempt_ms, bool final, int64_t now_ms);

  const std::string& path() const { return path_; }

 private:
  ReplyStore(std::unique_ptr<sql::Db> db, std::string path);
  Status Audit(int64_t item_id, const std::string& actor, const std::string& action, const std::string& note,
               int64_t now_ms);

  std::mutex mu_;
  std::unique_ptr<sql::Db> db_;
  std::string path_;
};

}  // namespace aasr::replies
