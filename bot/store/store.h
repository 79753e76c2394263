// aasr::store — what the moderation side of the bot remembers.
//
// One narrow repository interface (Store) over comments, their verdicts, the
// review queue, the append-only audit log, platform actions still to carry
// out, moderators and their sessions, and small durable key/value cursors.
// Callers only see this header; SQLite (sqlite_store.h) is the embedded
// default and a server database can implement the same interface later.
//
//   auto opened = aasr::store::OpenSqliteStore("var/aasr.db", clock);
//   if (!opened.ok()) { print FormatErrors(opened.errors()); exit 2; }
//   StorePtr store = std::move(opened).value();
//   IngestResult r = store->Ingest({comment, verdict, disposition}).value();  // idempotent
//
// Promises:
// - Ingest is idempotent on (platform, remote_id): the second call returns
//   the first call's ids with created=false and changes nothing.
// - Every write is one transaction: a comment is never stored without its
//   verdict, a state change never without its audit row and the platform
//   actions it implies.
// - The audit log is append-only (the database refuses UPDATE and DELETE).
// - Decide() never decides an item twice: of two racing decisions one wins,
//   the other gets Code::kConflict with who decided and when.
// Errors: I/O and database problems come back as Errors naming the database
// file; domain refusals come back as an Outcome code (not found, conflict,
// too late, forbidden).
// Thread safety: a Store may be used from any number of threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/util/clock.h"
#include "bot/util/error.h"

namespace aasr::store {

// Priorities as the rule engine orders them: 0 low .. 3 urgent.
enum class ItemState { kPending, kEscalated, kApproved, kRemoved };
const char* StateName(ItemState s);  // "pending", "escalated", ...
std::optional<ItemState> ParseState(const std::string& s);
const char* PriorityName(int p);     // "low", "normal", "high", "urgent"
std::optional<int> ParsePriority(const std::string& s);

// StoredMatch::action of a shadow rule's match. Such matches never shaped
// the verdict; readers that show or weigh matches must set them apart.
inline constexpr const char* kShadowAction = "shadow";

struct StoredMatch {
  std::string rule_id;
  std::string category;
  std::string description;
  std::string action;    // "allow" | "review" | "hide", or kShadowAction for a
                         // rule in `mode: shadow` (matched, not obeyed)
  int priority = 1;
  std::vector<std::pair<uint32_t, uint32_t>> spans;  // byte offsets into the text
};

struct StoredVerdict {
  std::string action = "allow";  // "allow" | "review" | "hide"
  int priority = 0;
  std::vector<std::string> categories;
  std::vector<StoredMatch> matches;
  std::string explanation;
};

struct NewComment {
  std::string platform;   // "mastodon", "bluesky", "facebook", "file", ...
  std::string account;    // our account it arrived on
  std::string remote_id;  // the platform's id; unique per platform
  std::string parent;     // the post (or comment) it answers, as a remote id or URL
  std::string root;       // our post at the top of the thread ("" when unknown);
                          // Bluesky hides a reply through the root's threadgate
  std::string parent_text;  // the text of that post when known
  std::string author_id;
  std::string author_handle;
  std::optional<double> author_account_age_days;
  std::optional<double> author_followers;
  std::optional<bool> author_first_comment;
  // By one of our own accounts (intake: the adapter's own id). Screening
  // input only: not a column, so a re-screen from the store does not see it.
  std::optional<bool> author_is_self;
  std::string text;
  int64_t received_ms = 0;  // 0: the store's clock
};

struct StoredComment : NewComment {
  int64_t id = 0;
};

struct Item {
  int64_t id = 0;
  int64_t comment_id = 0;
  ItemState state = ItemState::kPending;
  int priority = 0;
  bool crisis = false;     // has the `crisis` category: shown first
  bool hidden = false;     // we asked the platform to hide it and have not unhidden
  std::string claimed_by;  // empty when unclaimed
  int64_t claim_expires_ms = 0;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  int64_t version = 0;     // bumps on every state change; clients may send it back
  std::vector<std::string> categories;
  // Joined for lists and views:
  std::string platform, account, author_handle, text;
  int64_t received_ms = 0;
};

struct AuditEntry {
  int64_t id = 0;
  int64_t item_id = 0;   // 0 for events not about one item (user added)
  std::string actor;     // moderator name, or "system"
  int64_t at_ms = 0;
  std::string action;    // "queued", "claim", "approve", "remove", "escalate", "undo", "user.add",
                         // "platform.hide" / "platform.unhide" / ...: a platform action done or given up
  std::string from_state, to_state;
  std::string note;
  int64_t undoes = 0;    // for "undo": the audit id it reverts
};

struct PlatformAction {
  int64_t id = 0;
  int64_t item_id = 0;
  int64_t audit_id = 0;  // the state change that asked for it
  // Of the comment, joined: what Platform::Moderate() needs.
  std::string platform, account, remote_id, author_id, author_handle, parent, root;
  std::string kind;      // "hide" | "unhide" | "delete" | "block" | "report"
  std::string state;     // "pending" | "done" | "failed" | "cancelled"
  int attempts = 0;
  std::string last_error;
  // state "failed": when to try again; 0 = final (given up, or the platform
  // cannot do it; last_error says why).
  int64_t retry_at_ms = 0;
  int64_t created_ms = 0, updated_ms = 0;
};

// Which platform actions are due: state "pending", or "failed" with
// 0 < retry_at_ms <= now_ms. Oldest first.
struct ActionFilter {
  std::string account;  // empty: every account
  std::string platform; // empty: every platform
  int64_t now_ms = 0;   // 0: the store's clock
  int limit = 100;
};

struct Moderator {
  int64_t id = 0;
  std::string name;
  std::string role;           // "moderator" | "admin"
  std::string password_hash;  // libsodium crypto_pwhash_str output
  bool disabled = false;
  int64_t created_ms = 0;
};

struct Session {
  std::string token_hash;  // never the token itself
  std::string user;
  std::string role;
  std::string csrf;
  int64_t created_ms = 0, expires_ms = 0;
};

enum class Code { kOk, kNotFound, kConflict, kTooLate, kForbidden, kInvalid };

// The answer to a domain operation that can be refused.
struct Outcome {
  Code code = Code::kOk;
  std::string message;         // why it was refused, for people
  std::optional<AuditEntry> by;  // kConflict: the decision that got there first
  Item item;                   // the item after the operation (kOk, kConflict)
  int64_t audit_id = 0;        // kOk: the audit row written
};

// What the moderation policy (bot/moderation/policy.h) decided about a new
// comment; the store persists it and decides nothing itself.
struct Disposition {
  bool queue = false;    // enters the review queue
  bool crisis = false;   // sorts first in the queue
  std::string at_once;   // platform action enqueued with the item ("hide"), or ""
  std::string note;      // the note of the item's `queued` audit row
};

// One comment to store: what arrived, the rules' verdict, the policy's decision.
struct IngestRequest {
  NewComment comment;
  StoredVerdict verdict;
  Disposition disposition;
};

struct IngestResult {
  int64_t comment_id = 0;
  int64_t item_id = 0;  // 0 when not queued
  bool created = false;
  // created: the id of the Disposition::at_once action written with the item
  // (0 when none), so the caller carries it out without reading it back.
  int64_t action_id = 0;
};

struct QueueFilter {
  std::vector<ItemState> states;  // empty: pending and escalated
  std::string category, platform, account, q;
  std::optional<int> priority;    // exactly this priority
  std::string cursor;             // from a previous page; empty for the first
  int limit = 50;
};

struct QueuePage {
  std::vector<Item> items;
  std::string next_cursor;  // empty on the last page
};

// Platform actions ("hide", "unhide", "delete", ...) a decision implies, for
// an item that is visible or already hidden when the decision commits.
struct DecisionActions {
  std::vector<std::string> if_visible;
  std::vector<std::string> if_hidden;
};

struct DecideRequest {
  int64_t item_id = 0;
  std::string user;
  std::string decision;  // "approve" | "remove" | "escalate"
  std::string note;
  std::optional<int64_t> expected_version;  // conflict if the item moved on
  // The platform actions the decision implies (bot/moderation/policy.h
  // ForDecision); the store writes the list for the item's state when the
  // decision commits.
  DecisionActions actions;
};

// Reopening a decided item (approved or removed): back to the state before
// its decision, with the platform actions that reverse it (the policy's
// ForReopen), written for the item's hidden state once the decision's
// actions not yet carried out are cancelled.
struct ReopenRequest {
  int64_t item_id = 0;
  std::string user;
  std::string note;
  DecisionActions actions;
};

struct AuditFilter {
  int64_t item_id = 0;  // 0: all
  std::string actor;
  int64_t before_id = 0;  // paging: entries with id < before_id; 0 from the newest
  int limit = 100;
};

struct CategoryDay {
  std::string day;  // YYYY-MM-DD (UTC)
  std::string category;
  int64_t count = 0;
};

struct RuleStats {
  std::string rule_id;
  std::string category;
  int64_t hits = 0;
  int64_t approved = 0;
  int64_t removed = 0;
  int64_t pending = 0;
};

struct AuthorHistoryEntry {
  Item item;
  std::string last_decision;  // "approve", "remove", ... or ""
  std::string last_actor;
  int64_t last_at_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- comments and the queue ---
  virtual Result<IngestResult> Ingest(const IngestRequest& r) = 0;
  // Ingest() for many comments, results in input order, each with
  // Ingest()'s promises. SQLite stores the whole batch in ONE transaction
  // (one commit instead of one per comment: the daemon's intake rounds); if
  // anything in it fails, it rolls back and stores them one by one, so a bad
  // comment gets its own error and the others are still stored. This default
  // calls Ingest() per comment.
  virtual std::vector<Result<IngestResult>> IngestBatch(const std::vector<IngestRequest>& batch) {
    std::vector<Result<IngestResult>> out;
    out.reserve(batch.size());
    for (const auto& r : batch) out.push_back(Ingest(r));
    return out;
  }
  virtual Result<std::optional<Item>> GetItem(int64_t item_id) = 0;
  virtual Result<std::optional<StoredComment>> GetComment(int64_t comment_id) = 0;
  virtual Result<std::optional<StoredVerdict>> GetVerdict(int64_t comment_id) = 0;
  virtual Result<QueuePage> ListQueue(const QueueFilter& f) = 0;
  // Earlier items of the same author on the same platform, newest first.
  virtual Result<std::vector<AuthorHistoryEntry>> AuthorHistory(const std::string& platform,
                                                                const std::string& handle,
                                                                int64_t exclude_item,
                                                                int limit) = 0;
  // Every stored comment received at or after since_ms, oldest first, with
  // its item (if queued). Stops early when fn returns false. Comments
  // blanked by retention or an erasure (lifecycle.h) are skipped.
  virtual Status ForEachComment(
      int64_t since_ms,
      const std::function<bool(const StoredComment&, const std::optional<Item>&)>& fn) = 0;

  // --- moderation ---
  // Claims for ttl_ms; refused (kConflict) while another moderator's claim
  // runs. The holder renewing a running claim writes no audit row.
  virtual Result<Outcome> Claim(int64_t item_id, const std::string& user, int64_t ttl_ms) = 0;
  // Ends `user`'s claim (the page moved on); anyone else's claim stays.
  virtual Result<Outcome> ReleaseClaim(int64_t item_id, const std::string& user) = 0;
  // Any time after its decision; audited "reopen". kInvalid for an open item.
  virtual Result<Outcome> Reopen(const ReopenRequest& r) = 0;
  virtual Result<Outcome> Decide(const DecideRequest& r) = 0;
  // Reverts the item's latest decision if it is at most window_ms old and was
  // made by `user` (or `is_admin`). Cancels its platform actions not yet
  // carried out and enqueues the inverse (unhide) of those that were.
  virtual Result<Outcome> Undo(int64_t item_id, const std::string& user, bool is_admin,
                               int64_t window_ms) = 0;
  virtual Result<std::vector<AuditEntry>> Audit(const AuditFilter& f) = 0;
  virtual Status AppendAudit(const AuditEntry& e) = 0;  // for events not about items

  // --- platform actions ---
  // Due actions (see ActionFilter), oldest first.
  virtual Result<std::vector<PlatformAction>> PendingActions(const ActionFilter& f) = 0;
  virtual Result<std::vector<PlatformAction>> ActionsForItem(int64_t item_id) = 0;
  virtual Status MarkActionDone(int64_t action_id) = 0;
  // Counts an attempt and keeps the error. retry_at_ms > 0: due again at that
  // time; 0: final (a final hide no longer counts towards Item::hidden).
  virtual Status MarkActionFailed(int64_t action_id, const std::string& error,
                                  int64_t retry_at_ms) = 0;

  // --- statistics ---
  virtual Result<std::vector<CategoryDay>> CategoriesPerDay(int64_t since_ms) = 0;
  virtual Result<std::vector<RuleStats>> RuleStatistics(int64_t since_ms) = 0;

  // --- moderators and sessions ---
  // Adds a moderator, or replaces the role, hash and disabled flag of an
  // existing one. A changed password hash or disabling ends every session of
  // that user, in the same transaction.
  virtual Status PutModerator(const Moderator& m) = 0;
  virtual Result<std::optional<Moderator>> GetModerator(const std::string& name) = 0;
  virtual Result<std::vector<Moderator>> ListModerators() = 0;
  virtual Status PutSession(const Session& s) = 0;
  // Returns the session if it exists and has not expired at the store's clock.
  virtual Result<std::optional<Session>> GetSession(const std::string& token_hash) = 0;
  virtual Status DeleteSession(const std::string& token_hash) = 0;
  // Ends every session of `user`; how many there were.
  virtual Result<int> DeleteSessionsOf(const std::string& user) = 0;

  // --- durable cursors (per account key/value), for the platform pollers ---
  virtual Result<std::optional<std::string>> GetCursor(const std::string& scope,
                                                       const std::string& key) = 0;
  virtual Status PutCursor(const std::string& scope, const std::string& key,
                           const std::string& value) = 0;

  // Items per state ("pending", "escalated", ...), for /metrics.
  virtual Result<std::map<std::string, int64_t>> CountItemsByState() = 0;

  // --- health (/healthz, /metrics) ---
  // A real write in its own transaction (a heartbeat row in `cursors`,
  // scope "health"): fails, with ErrorCode::kIo or kTransient, when the disk
  // is full, the file is read-only, damaged or locked past the busy timeout.
  virtual Status CheckWritable() = 0;
  struct DatabaseSize {
    int64_t bytes = 0;        // page_count * page_size (the main file)
    int64_t free_bytes = 0;   // freelist pages * page_size: reclaimable by VACUUM
  };
  virtual Result<DatabaseSize> Size() = 0;
  // received_ms of the oldest pending or escalated item (0: none).
  virtual Result<int64_t> OldestOpenItemMs() = 0;

  virtual int schema_version() const = 0;
};

using StorePtr = std::shared_ptr<Store>;

}  // namespace aasr::store
