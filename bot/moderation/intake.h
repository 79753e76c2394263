// Intake: the one path from "a platform has new comments" to "each is stored
// with its verdict, flagged ones are queued, and `hide` verdicts are carried
// out". `aasr-bot comments fetch` runs one round; the daemon runs a round per
// account on its poll interval, and feeds webhook deliveries (Facebook) into
// IngestFetched().
//
//   IntakeDeps d{&platform, &store, rules, &clock, "aasr-bsky"};
//   Result<IntakeReport> r = FetchAndScreen(d);   // one poll
//   ActionReport a = CarryOutActions(d, ActionRetry{});  // moderators' decisions
//
// Promises:
// - Nothing is lost and nothing is stored twice. The cursor (store cursors,
//   scope "comments", key = account) is read before fetching and written only
//   after every comment of the batch is stored; storing is idempotent on
//   (platform, remote_id), so a crash anywhere in a round only repeats work.
//   A round screens and stores in chunks of 256 comments, one store
//   transaction each (Store::IngestBatch), then hides that chunk's `hide`
//   verdicts; a kill mid-round loses at most the chunk's uncommitted work.
// - A comment whose verdict is `hide` gets its hide action carried out in the
//   same round where the platform can hide (capabilities().hide_replies);
//   elsewhere the platform's fallback runs (e.g. Mastodon: block + report) and
//   the item stays in the queue with the platform's note.
// - CarryOutActions() performs this account's pending platform actions
//   (hide, unhide, delete, block, report) oldest first. A failure is retried
//   with exponential backoff up to ActionRetry::max_attempts; an action the
//   platform cannot do, or a fallback already carried out, is final at once
//   (the note stays on the action for moderators). Never throws.
// - Platform actions are carried out AT LEAST once: an action is done on the
//   platform, then recorded; a crash in between repeats that one action at
//   the next start (one per account per crash: actions run one at a time).
//   Hide, block and report tolerate a repeat (Mastodon may get a second
//   report). tests/daemon/crash_test.cc asserts exactly this bound.
// Errors: a failed fetch returns its Error (the cursor is untouched); errors
// on single comments or actions are collected in the reports and the round
// goes on with the rest.
// Thread safety: one round at a time per (account, platform instance); the
// Store and RuleSet may be shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bot/platforms/platform.h"
#include "bot/rules/rules.h"
#include "bot/store/store.h"
#include "bot/util/clock.h"
#include "bot/util/error.h"

namespace aasr::sql {
class Db;
}

namespace aasr::moderation {

struct IntakeDeps {
  platforms::Platform* platform = nullptr;
  store::Store* store = nullptr;
  rules::RuleSetPtr rules;  // the set in force for this round
  const Clock* clock = nullptr;
  std::string account;      // the config's account name
};

// What happened to one fetched comment, for the CLI's JSON lines and the
// daemon's metrics.
struct IntakeItem {
  platforms::FetchedComment comment;
  rules::Verdict verdict;
  int64_t comment_id = 0;
  int64_t item_id = 0;          // 0: allowed, not queued
  bool created = false;         // false: already stored by an earlier round
  bool hidden = false;          // the platform hid it (in this round, or in an
                                // earlier one for a comment already stored)
  std::string hide_note;        // why it is not hidden (platform lacks hide, fallback, error)
  bool hide_retrying = false;   // the hide failed and will be retried (hide_note says why)
  int64_t created_at_ms = 0;    // the comment's creation time (0 when unknown)
  int64_t verdict_at_ms = 0;    // clock time when the verdict was stored
  int64_t hidden_at_ms = 0;     // clock time when the hide was carried out
  // verdict: the rules in force now (for a comment already stored, the
  // stored verdict may differ; the store keeps the first one).
};

struct IntakeReport {
  std::vector<IntakeItem> items;  // in fetch order
  std::string cursor_before, cursor_after;
  Errors errors;  // per-comment problems (the round went on)
  // Every fetched comment was stored and the cursor persisted; false: the
  // next round fetches the same batch again (nothing lost, nothing doubled).
  bool complete = true;
};

// One poll of one account: fetch since the cursor, screen, store, queue,
// carry out `hide` verdicts, then persist the cursor.
Result<IntakeReport> FetchAndScreen(const IntakeDeps& d);

// A comment delivered by other means (a webhook): screen, store, queue and
// hide as FetchAndScreen does for each comment. Idempotent.
Result<IntakeItem> IngestFetched(const IntakeDeps& d, const platforms::FetchedComment& c);

// What a platform reported about a comment it delivered before (Facebook's
// feed webhook verbs edited, remove, hide, unhide).
enum class CommentEvent { kEdited, kRemoved, kHidden, kUnhidden };

// Applies it to the stored comment (bot/store/comment_changes.h says what
// each does), on `db`, the store's database. An edit is screened like a new
// comment: if its new text needs review it is queued (or its decided item
// reopened) and a `hide` verdict is carried out at once; an edit of a
// comment never stored is ingested as new (IngestFetched). The item's ids
// come back in the IntakeItem; created is true when the change queued it.
Result<IntakeItem> ApplyCommentChange(const IntakeDeps& d, sql::Db& db, CommentEvent change,
                                      const platforms::FetchedComment& c);

struct ActionRetry {
  int max_attempts = 6;
  int64_t base_delay_ms = 30'000;  // 30 s, 1 min, 2 min ... capped
  int64_t max_delay_ms = 3'600'000;
};

struct ActionReport {
  int done = 0;
  int retrying = 0;  // failed now, will be retried after a delay
  int failed = 0;    // final: gave up or the platform cannot do it
  Errors errors;
};

// Carries out this account's due platform actions (moderators' decisions
// and hides not yet done).
ActionReport CarryOutActions(const IntakeDeps& d, const ActionRetry& retry);

}  // namespace aasr::moderation
