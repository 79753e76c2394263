#include "bot/outreach/outbox.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace aasr::outreach {
namespace {

std::string RowSubject(int64_t id) { return "outbox row " + std::to_string(id); }

std::string FirstMessage(const Errors& errors) {
  return errors.empty() ? "unknown error" : errors.front().ToString();
}

ErrorCode FirstCode(const Errors& errors) { return errors.empty() ? ErrorCode::kUnknown : errors.front().code; }

}  // namespace

bool FinalError(const Errors& errors) {
  for (const Error& e : errors) {
    switch (e.code) {
      case ErrorCode::kInvalidInput:
      case ErrorCode::kRefused:
      case ErrorCode::kUnsupported:
      case ErrorCode::kNotFound:
        return true;
      default:
        break;
    }
  }
  return false;
}

int64_t RetryPolicy::DelayAfter(int attempts) const {
  int64_t d = base_delay_seconds;
  for (int i = 1; i < attempts && d < max_delay_seconds; ++i) d *= 2;
  return std::min(d, max_delay_seconds);
}

Result<int64_t> Outbox::Enqueue(const PlanEntry& entry, platforms::ComposedPost post) {
  post.idempotency_key = entry.idempotency_key;
  post.account = entry.account;
  OutboxRow row;
  row.kind = entry.kind;
  row.item_id = entry.item_id;
  row.account = entry.account;
  row.platform = entry.platform;
  row.post = std::move(post);
  row.planned_at = entry.at;
  return store_.InsertOutbox(row, clock_.NowUnix());
}

Result<int64_t> Outbox::EnqueueFailed(const PlanEntry& entry, const Errors& why) {
  auto id = Enqueue(entry, platforms::ComposedPost{});
  if (!id.ok()) return id;
  const auto now = clock_.NowUnix();
  auto marked = store_.MarkAttemptFailed(id.value(), "not composed: " + FirstMessage(why), 0, true, now);
  if (!marked.ok()) return marked.errors();
  return id;
}

SendReport Outbox::Reconcile(const PlatformFor& platform_for) {
  SendReport report;
  auto sending = store_.ListOutbox(OutboxState::kSending);
  if (!sending.ok()) {
    report.errors = sending.errors();
    return report;
  }
  for (const OutboxRow& row : sending.value()) {
    platforms::Platform* platform = platform_for(row.account);
    if (!platform) {
      report.errors.push_back(Error{{}, RowSubject(row.id), "no platform for account '" + row.account + "'"});
      continue;
    }
    auto found = platform->FindPublished(row.post);
    if (!found.ok()) {
      // Unknown outcome and the platform cannot tell us yet: keep the row
      // `sending` so the next start asks again; never guess.
      report.errors.push_back(Error{{}, RowSubject(row.id),
                                    "cannot check whether it was published: " + FirstMessage(found.errors())});
      continue;
    }
    const int64_t now = clock_.NowUnix();
    if (found.value()) {
      auto ok = store_.MarkPublished(row.id, *found.value(), now);
      if (!ok.ok()) report.errors.insert(report.errors.end(), ok.errors().begin(), ok.errors().end());
      else ++report.reconciled;
      spdlog::info("outbox row {}: interrupted send was published as {}", row.id, found.value()->url);
    } else {
      RecordFailure(row, row.attempts, "interrupted before the platform confirmed; not found there, retrying",
                    &report);
    }
  }
  return report;
}

void Outbox::RecordFailure(const OutboxRow& row, int attempts, const std::string& error, SendReport* report,
                           ErrorCode code, bool final_now) {
  const int64_t now = clock_.NowUnix();
  const bool final = final_now || attempts >= policy_.max_attempts;
  const int64_t next = final ? 0 : now + policy_.DelayAfter(attempts);
  auto ok = store_.MarkAttemptFailed(row.id, error, next, final, now);
  if (!ok.ok()) {
    report->errors.insert(report->errors.end(), ok.errors().begin(), ok.errors().end());
    return;
  }
  if (final) {
    ++report->failed;
    ++report->by_account[row.account].failed;
    spdlog::error("outbox row {} ({} {} for {}): failed after {} attempt(s){}: {}", row.id, row.kind, row.item_id,
                  row.account, attempts, final_now ? " (the platform refused it; a retry cannot help)" : "", error);
  } else {
    ++report->retrying;
    ++report->by_account[row.account].retrying;
    spdlog::warn("outbox row {}: attempt {} failed, retrying in {} s: {}", row.id, attempts,
                 policy_.DelayAfter(attempts), error);
  }
  report->errors.push_back(Error{{}, RowSubject(row.id), error, code});
}

void Outbox::SendOne(const OutboxRow& row, platforms::Platform& platform, SendReport* report) {
  const int64_t now = clock_.NowUnix();
  auto marked = store_.MarkSending(row.id, now);
  if (!marked.ok()) {
    report->errors.insert(report->errors.end(), marked.errors().begin(), marked.errors().end());
    return;
  }
  const int attempts = row.attempts + 1;
  if (attempts > 1) {
    // An earlier attempt may have reached the platform: ask before sending.
    auto found = platform.FindPublished(row.post);
    if (found.ok() && found.value()) {
      auto ok = store_.MarkPublished(row.id, *found.value(), clock_.NowUnix());
      if (ok.ok()) ++report->reconciled;
      else report->errors.insert(report->errors.end(), ok.errors().begin(), ok.errors().end());
      return;
    }
    if (!found.ok()) {
      // Not knowing is never final: the lookup may work next time.
      RecordFailure(row, attempts, "cannot check for an earlier attempt: " + FirstMessage(found.errors()), report,
                    FirstCode(found.errors()));
      return;
    }
  }
  auto published = platform.Publish(row.post);
  if (!published.ok()) {
    RecordFailure(row, attempts, FirstMessage(published.errors()), report, FirstCode(published.errors()),
                  FinalError(published.errors()));
    return;
  }
  auto ok = store_.MarkPublished(row.id, published.value(), clock_.NowUnix());
  if (!ok.ok()) {
    // The row stays `sending`; Reconcile() will find the post by its key.
    report->errors.insert(report->errors.end(), ok.errors().begin(), ok.errors().end());
    return;
  }
  ++report->published;
  ++report->by_account[row.account].published;
  spdlog::info("outbox row {}: published {} {} for {} at {}", row.id, row.kind, row.item_id, row.account,
               published.value().url);
}

SendReport Outbox::SendNow(int64_t row_id, platforms::Platform& platform) {
  SendReport report;
  auto row = store_.GetOutbox(row_id);
  if (!row.ok()) {
    report.errors = row.errors();
    return report;
  }
  if (!row.value()) {
    report.errors.push_back(Error{{store_.path(), 0, 0}, RowSubject(row_id), "no such outbox row"});
    return report;
  }
  const OutboxRow& r = *row.value();
  if (r.state == OutboxState::kPlanned || r.state == OutboxState::kSending) SendOne(r, platform, &report);
  return report;
}

SendReport Outbox::SendDue(const PlatformFor& platform_for) {
  SendReport report = Reconcile(platform_for);
  auto due = store_.DueOutbox(clock_.NowUnix());
  if (!due.ok()) {
    report.errors.insert(report.errors.end(), due.errors().begin(), due.errors().end());
    return report;
  }
  for (const OutboxRow& row : due.value()) {
    platforms::Platform* platform = platform_for(row.account);
    if (!platform) {
      report.errors.push_back(Error{{}, RowSubject(row.id), "no platform for account '" + row.account + "'"});
      continue;
    }
    SendOne(row, *platform, &report);
  }
  return report;
}

}  // namespace aasr::outreach
