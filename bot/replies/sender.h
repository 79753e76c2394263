// ReplySender: sends an account's due replies exactly once.
//
//   ReplySender s(&store, &clock);
//   ReplyReport r = s.SendDue(account, platform);   // the account's thread, every few seconds
//
// Exactly once (the outreach outbox's design, bot/outreach/outbox.h):
//  1. intent: the row exists (ReplyStore::Enqueue) before anything is sent;
//  2. the row is marked `sending` and its attempt counted, durably, BEFORE
//     Platform::Reply is called with the row's stable idempotency key;
//  3. the result is recorded (sent + link, or failed + reason + when to retry).
// A row found `sending` (a crash between 2 and 3, or a lost answer) is
// reconciled before anything else: FindReply() asks the platform whether the
// reply is there (Bluesky: the record key derived from the key; Mastodon: our
// status under the comment with that text; local: the file), and the row
// becomes sent with what the platform has. Only a definite "not there" sends
// again, with the same key. Where the platform cannot tell (a Facebook
// private reply), the row stays `sending`, is never resent blindly, and the
// error says so for a person to check. Every retry after an earlier attempt
// also asks FindReply first.
// Failures are retried with exponential backoff up to max_attempts, then
// `failed` (audited with the platform's words); an Error whose code says the
// platform does not offer it (kUnsupported) or refused this reply as it is
// (kRefused, kInvalidInput, kNotFound) is final at once.
// Thread safety: one SendDue at a time per account (the account's thread).
#pragma once

#include <cstdint>
#include <string>

#include "bot/platforms/platform.h"
#include "bot/replies/reply_store.h"
#include "bot/util/clock.h"
#include "bot/util/error.h"

namespace aasr::replies {

struct ReplyRetry {
  int max_attempts = 5;
  int64_t base_delay_ms = 30'000;  // 30 s, 1, 2, 4 min ...
  int64_t max_delay_ms = 3'600'000;
  int64_t DelayAfter(int attempts) const;
};

struct ReplyReport {
  int sent = 0;
  int reconciled = 0;  // found already on the platform
  int retrying = 0;
  int failed = 0;
  int unresolved = 0;  // left `sending`: the platform could not tell
  Errors errors;
};

class ReplySender {
 public:
  ReplySender(ReplyStore* store, const Clock* clock, ReplyRetry retry = {})
      : store_(store), clock_(clock), retry_(retry) {}

  // Reconciles the account's `sending` rows, then sends its due rows.
  ReplyReport SendDue(const std::string& account, platforms::Platform& platform);

 private:
  void SendOne(const ReplyRow& row, platforms::Platform& platform, bool check_first, ReplyReport* report);
  void Failed(const ReplyRow& row, int attempts, const std::string& error, bool final, ReplyReport* report);

  ReplyStore* store_;
  const Clock* clock_;
  ReplyRetry retry_;
};

}  // namespace aasr::replies
