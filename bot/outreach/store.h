// OutreachStore: the durable memory of outreach, in one SQLite file.
//
// It remembers, per feed, the conditional-GET validators and every story id
// ever seen with what was decided about it (backlog, too_old, pending,
// planned), and holds the outbox: one row per post before anything is sent.
// Its tables are steps of the file's one migration sequence
// (bot/sql/migrations.h); Open() migrates the file to this build's version.
// Times: the file keeps milliseconds like every table; this interface takes
// and returns whole seconds (outreach's calendar unit) and converts.
//
// Durability contract: CommitPoll() records a poll's stories AND the feed's
// new validators in one transaction, so a crash never leaves an ETag saved for
// stories that were not recorded (which would lose them behind a 304).
// InsertOutbox() marks the story it came from as planned in the same
// transaction, so a pending story is either still pending or in the outbox.
//
// Errors: every SQLite failure comes back as an Error naming the database file
// and SQLite's message (bot/sql). Thread safety: one instance per thread (it
// owns one connection).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/outreach/story.h"
#include "bot/platforms/platform.h"
#include "bot/util/error.h"

namespace aasr::sql {
class Db;
}

namespace aasr::outreach {

struct FeedState {
  bool initialized = false;  // a first poll has been recorded
  std::string etag;
  std::string last_modified;
  int64_t last_success = 0;
};

// What was decided about a story the first time it was seen.
enum class StoryDisposition { kBacklog, kTooOld, kPending, kPlanned };
const char* StoryDispositionName(StoryDisposition d);

struct SeenStory {
  std::string feed;
  Story story;
  StoryDisposition disposition = StoryDisposition::kPending;
  int64_t seen_at = 0;
};

enum class OutboxState { kPlanned, kSending, kPublished, kFailed };
const char* OutboxStateName(OutboxState s);

struct OutboxRow {
  int64_t id = 0;
  std::string kind;     // "story", "graphic", "manual"
  std::string item_id;  // story id or graphic id
  std::string account;
  std::string platform;
  platforms::ComposedPost post;  // exactly what will be sent
  std::string content_hash;      // hex SHA-256 of the post JSON
  int64_t planned_at = 0;
  OutboxState state = OutboxState::kPlanned;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::string remote_id;
  std::string url;
  std::string error;  // the platform's last error, kept when it later succeeds too
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class OutreachStore {
 public:
  // `path` may be ":memory:". Creates the schema or checks its version.
  static Result<std::unique_ptr<OutreachStore>> Open(const std::string& path);
  ~OutreachStore();
  OutreachStore(const OutreachStore&) = delete;
  OutreachStore& operator=(const OutreachStore&) = delete;

  const std::string& path() const { return path_; }

  // --- feeds and stories
  Result<FeedState> GetFeedState(const std::string& feed);
  Result<bool> IsSeen(const std::string& feed, const std::string& story_id);
  // One transaction: insert `records` (ignoring ids already seen) and save `state`.
  Status CommitPoll(const std::string& feed, const std::vector<SeenStory>& records,
                    const FeedState& state);
  Result<std::vector<SeenStory>> StoriesWithDisposition(StoryDisposition d);
  // A pending story becomes planned once every account that follows its feed
  // has an outbox row for it.
  Status MarkStoryPlanned(const std::string& feed, const std::string& story_id);

  // --- outbox
  // Inserts the row (id, created_at, updated_at set from `now`); if
  // `story_feed` is given, marks that story planned in the same transaction.
  // A second row with the same account and idempotency key is refused (the
  // existing id is returned), so planning twice cannot post twice.
  Result<int64_t> InsertOutbox(const OutboxRow& row, int64_t now,
                               const std::optional<std::string>& story_feed = std::nullopt);
  Result<std::optional<OutboxRow>> GetOutbox(int64_t id);
  Result<bool> HasOutboxKey(const std::string& account, const std::string& idempotency_key);
  Result<std::vector<OutboxRow>> ListOutbox(std::optional<OutboxState> state = std::nullopt);
  // Rows that are due: planned with planned_at <= now and next_attempt_at <= now.
  Result<std::vector<OutboxRow>> DueOutbox(int64_t now);
  Status MarkSending(int64_t id, int64_t now);  // also counts the attempt
  Status MarkPublished(int64_t id, const platforms::Published& p, int64_t now);
  // Back to planned (retry at next_attempt_at) or, if `final`, failed.
  Status MarkAttemptFailed(int64_t id, const std::string& error, int64_t next_attempt_at,
                           bool final, int64_t now);
  // A person's retry of a failed row (review UI): back to planned with its
  // attempts reset and next_attempt_at = now; the platform's last error is
  // kept until a later attempt replaces it. Refused (Error subject "outbox
  // row ID") when the row does not exist or is not failed, so a row already
  // sending or published is never sent again by accident.
  Status RequeueFailed(int64_t id, int64_t now);
  // Per account and kind, when each item was last planned/sent (not failed).
  Result<std::map<std::string, int64_t>> LastPlannedByItem(const std::string& account,
                                                           const std::string& kind);
  // Rows for `account` not failed with planned_at in [from, to).
  Result<int> CountPlanned(const std::string& account, int64_t from, int64_t to);

 private:
  OutreachStore(std::unique_ptr<sql::Db> db, std::string path);

  std::unique_ptr<sql::Db> db_;
  std::string path_;
};

// The post as JSON (for the outbox column and for humans), and back.
std::string ComposedPostToJson(const platforms::ComposedPost& post);
Result<platforms::ComposedPost> ComposedPostFromJson(const std::string& json);
// Hex SHA-256 of the post JSON without the idempotency key: same content, same hash.
std::string ContentHash(const platforms::ComposedPost& post);

}  // namespace aasr::outreach
