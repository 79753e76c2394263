#include "bot/replies/sender.h"

#include <algorithm>
#include <set>

#include "bot/util/logging.h"

namespace aasr::replies {
namespace {

std::string First(const Errors& e) { return e.empty() ? "unknown error" : e.front().ToString(); }

// The platform cannot do this at all, or refused this reply as it is (a
// 422, a Private Reply after 7 days, the comment gone): the same request
// would get the same answer, so retrying will not help. Decided by the
// Error's code, never its text.
bool NotOffered(const Errors& e) { return HasCode(e, ErrorCode::kUnsupported); }
bool Final(const Errors& e) {
  return NotOffered(e) || HasCode(e, ErrorCode::kRefused) || HasCode(e, ErrorCode::kInvalidInput) ||
         HasCode(e, ErrorCode::kNotFound);
}

}  // namespace

int64_t ReplyRetry::DelayAfter(int attempts) const {
  int64_t d = base_delay_ms;
  for (int i = 1; i < attempts && d < max_delay_ms; ++i) d *= 2;
  return std::min(d, max_delay_ms);
}

void ReplySender::Failed(const ReplyRow& row, int attempts, const std::string& error, bool final,
                         ReplyReport* report) {
  final = final || attempts >= retry_.max_attempts;
  const int64_t now = clock_->NowMs();
  Status s = store_->MarkFailed(row.id, error, now + retry_.DelayAfter(attempts), final, now);
  if (!s.ok()) {
    report->errors.insert(report->errors.end(), s.errors().begin(), s.errors().end());
    return;
  }
  if (final) ++report->failed;
  else ++report->retrying;
  report->errors.push_back(Error{{}, "reply " + std::to_string(row.id), error});
}

void ReplySender::SendOne(const ReplyRow& row, platforms::Platform& platform, bool check_first,
                          ReplyReport* report) {
  const platforms::ReplyRequest req = row.Request();
  if (check_first && row.attempts > 0) {
    // An earlier attempt may have reached the platform: ask before sending.
    auto found = platform.FindReply(req);
    if (!found.ok()) {
      Failed(row, row.attempts, "cannot check for an earlier attempt: " + First(found.errors()),
             NotOffered(found.errors()), report);
      return;
    }
    if (found.value()) {
      Status s = store_->MarkSent(row.id, *found.value(), clock_->NowMs(), "found on the platform after a retry");
      if (s.ok()) ++report->reconciled;
      else report->errors.insert(report->errors.end(), s.errors().begin(), s.errors().end());
      return;
    }
  }
  Status marked = store_->MarkSending(row.id, clock_->NowMs());
  if (!marked.ok()) {
    report->errors.insert(report->errors.end(), marked.errors().begin(), marked.errors().end());
    return;
  }
  auto sent = platform.Reply(req);
  if (!sent.ok()) {
    Failed(row, row.attempts + 1, First(sent.errors()), Final(sent.errors()), report);
    return;
  }
  Status s = store_->MarkSent(row.id, sent.value(), clock_->NowMs());
  if (!s.ok()) {
    // Stays `sending`: the next round reconciles it by its key.
    report->errors.insert(report->errors.end(), s.errors().begin(), s.errors().end());
    return;
  }
  ++report->sent;
}

ReplyReport ReplySender::SendDue(const std::string& account, platforms::Platform& platform) {
  ReplyReport report;
  auto sending = store_->Sending(account);
  if (!sending.ok()) {
    report.errors = sending.errors();
    return report;
  }
  // Rows put back below were confirmed absent a moment ago: sent without a
  // second lookup (known by id, not by the words of their last error).
  std::set<int64_t> confirmed_absent;
  for (const ReplyRow& row : sending.value()) {
    auto found = platform.FindReply(row.Request());
    if (!found.ok()) {
      // Unknown outcome and the platform cannot tell: never guess, never resend.
      ++report.unresolved;
      report.errors.push_back(Error{{}, "reply " + std::to_string(row.id),
                                    "interrupted; cannot check whether it was sent: " + First(found.errors())});
      continue;
    }
    if (found.value()) {
      Status s = store_->MarkSent(row.id, *found.value(), clock_->NowMs(), "found on the platform after an interruption");
      if (s.ok()) ++report.reconciled;
      else report.errors.insert(report.errors.end(), s.errors().begin(), s.errors().end());
      continue;
    }
    // Definitely not there: back to planned, sent again below with the same key.
    Status s = store_->MarkFailed(row.id, "interrupted before the platform confirmed; not found there, resending",
                                  clock_->NowMs(), false, clock_->NowMs());
    if (!s.ok()) report.errors.insert(report.errors.end(), s.errors().begin(), s.errors().end());
    else confirmed_absent.insert(row.id);
  }
  auto due = store_->Due(account, clock_->NowMs());
  if (!due.ok()) {
    report.errors.insert(report.errors.end(), due.errors().begin(), due.errors().end());
    return report;
  }
  for (const ReplyRow& row : due.value()) {
    SendOne(row, platform, confirmed_absent.count(row.id) == 0, &report);
  }
  return report;
}

}  // namespace aasr::replies
