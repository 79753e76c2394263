#include "bot/moderation/intake.h"

#include <algorithm>
#include <chrono>

#include "bot/moderation/policy.h"
#include "bot/net/rfc3339.h"
#include "bot/sql/db.h"
#include "bot/store/comment_changes.h"
#include "bot/store/ingest.h"

namespace aasr::moderation {
namespace {

std::string FirstMessage(const Errors& errors) {
  return errors.empty() ? "unknown error" : errors.front().ToString();
}

int64_t ParseCreatedMs(const std::string& created_at) {
  if (created_at.empty()) return 0;
  auto t = net::ParseRfc3339(created_at);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

std::optional<platforms::ModerationAction> ParseAction(const std::string& kind) {
  using A = platforms::ModerationAction;
  if (kind == "hide") return A::kHide;
  if (kind == "unhide") return A::kUnhide;
  if (kind == "delete") return A::kDelete;
  if (kind == "block") return A::kBlock;
  if (kind == "report") return A::kReport;
  return std::nullopt;
}

// Why the platform cannot do `kind` at all (so trying again is pointless), or
// "" when it can or has its own fallback (hide/unhide on Mastodon).
std::string Lacks(const std::string& kind, const platforms::Capabilities& caps,
                  const std::string& platform) {
  if (kind == "delete" && !caps.delete_comments) return platform + " cannot delete comments";
  if (kind == "block" && !caps.block_authors) return platform + " cannot block authors";
  if (kind == "report" && !caps.report) return platform + " cannot report comments";
  return "";
}

// What the platform cannot do ("not hidden on Mastodon", "not deleted on
// Bluesky", "not reported on Facebook"): the same answer on every retry, so
// the action fails for good. Everything else is retried with backoff until
// the attempts run out (an HTTP 4xx may be an expired session the adapter
// renews).
bool IsFinalRefusal(const Errors& errors) { return HasCode(errors, ErrorCode::kUnsupported); }

bool Due(const store::PlatformAction& a, int64_t now) {
  return a.state == "pending" || (a.state == "failed" && a.retry_at_ms > 0 && a.retry_at_ms <= now);
}

int64_t BackoffMs(const ActionRetry& r, int failures) {
  int64_t d = std::max<int64_t>(r.base_delay_ms, 1);
  for (int i = 1; i < failures && d < r.max_delay_ms; ++i) d *= 2;
  return std::min(d, r.max_delay_ms);
}

enum class Outcome { kDone, kRetrying, kFailed, kStoreError };

struct ActionResult {
  Outcome outcome = Outcome::kDone;
  std::string note;  // the platform's error or refusal
};

// Carries out one action and records the result; never throws.
ActionResult CarryOutOne(const IntakeDeps& d, const store::PlatformAction& a,
                         const ActionRetry& retry, Errors* errors) {
  const std::string subject = "action " + std::to_string(a.id) + " (" + a.kind + " " + a.remote_id +
                              ", account " + d.account + ")";
  ActionResult res;
  auto record_failure = [&](const std::string& note, bool final) {
    res.note = note;
    const int failures = a.attempts + 1;
    if (!final && failures >= retry.max_attempts) final = true;
    const int64_t retry_at = final ? 0 : d.clock->NowMs() + BackoffMs(retry, failures);
    Status s = d.store->MarkActionFailed(a.id, note, retry_at);
    if (!s.ok()) {
      errors->insert(errors->end(), s.errors().begin(), s.errors().end());
      res.outcome = Outcome::kStoreError;
      return;
    }
    res.outcome = final ? Outcome::kFailed : Outcome::kRetrying;
    errors->push_back(Error{{}, subject, (final ? "gave up: " : "will retry: ") + note});
  };

  auto action = ParseAction(a.kind);
  if (!action) {
    record_failure("unknown action kind '" + a.kind + "'", true);
    return res;
  }
  const std::string lacks = Lacks(a.kind, d.platform->capabilities(), d.platform->name());
  if (!lacks.empty()) {
    record_failure(lacks, true);
    return res;
  }
  platforms::FetchedComment target;
  target.remote_id = a.remote_id;
  target.parent_remote_id = a.parent;
  target.root_remote_id = a.root;
  target.author_id = a.author_id;
  target.author_handle = a.author_handle;
  Status s = Ok{};
  try {
    s = d.platform->Moderate(*action, target);
  } catch (const std::exception& e) {
    s = Error{{}, subject, std::string("platform adapter threw: ") + e.what()};
  }
  if (!s.ok()) {
    // A refusal or fallback keeps the platform's own words, for moderators.
    const bool final = IsFinalRefusal(s.errors());
    record_failure(final ? s.errors().front().message : FirstMessage(s.errors()), final);
    return res;
  }
  Status done = d.store->MarkActionDone(a.id);
  if (!done.ok()) {
    // Carried out but not recorded: the next pass repeats it, which hide,
    // block and report tolerate.
    errors->insert(errors->end(), done.errors().begin(), done.errors().end());
    res.outcome = Outcome::kStoreError;
    return res;
  }
  res.outcome = Outcome::kDone;
  return res;
}

void Count(ActionReport* report, Outcome o) {
  switch (o) {
    case Outcome::kDone: ++report->done; break;
    case Outcome::kRetrying: ++report->retrying; break;
    case Outcome::kFailed: ++report->failed; break;
    case Outcome::kStoreError: ++report->retrying; break;
  }
}

Status CheckDeps(const IntakeDeps& d) {
  if (!d.platform || !d.store || !d.rules || !d.clock)
    return Error{{}, "account " + d.account, "intake needs a platform, a store, rules and a clock"};
  return Ok{};
}

}  // namespace

namespace {

// Screens `c` and fills the item's comment and verdict; returns what the
// store keeps, with what the policy decided for this platform.
store::IngestRequest Screen(const IntakeDeps& d, const platforms::FetchedComment& c, IntakeItem* item) {
  item->comment = c;
  item->created_at_ms = ParseCreatedMs(c.created_at);
  store::NewComment nc;
  nc.platform = d.platform->name();
  nc.account = d.account;
  nc.remote_id = c.remote_id;
  nc.parent = c.parent_remote_id;
  nc.root = c.root_remote_id;
  nc.author_id = c.author_id;
  nc.author_handle = c.author_handle;
  nc.author_account_age_days = c.author_account_age_days;
  nc.author_followers = c.author_followers;
  nc.text = c.text;
  // Ours when the author is the account itself; unknown while the adapter
  // has not learnt its own id.
  const std::string self = d.platform->SelfAuthorId();
  if (!self.empty()) nc.author_is_self = !c.author_id.empty() && c.author_id == self;
  return store::Screened(*d.rules, nc, d.platform->capabilities(), &item->verdict);
}

// The at-once action the store just wrote, as PendingActions() would list it.
store::PlatformAction AtOnceAction(const store::IngestRequest& r, const store::IngestResult& s) {
  store::PlatformAction a;
  a.id = s.action_id;
  a.item_id = s.item_id;
  a.platform = r.comment.platform;
  a.account = r.comment.account;
  a.remote_id = r.comment.remote_id;
  a.author_id = r.comment.author_id;
  a.author_handle = r.comment.author_handle;
  a.parent = r.comment.parent;
  a.root = r.comment.root;
  a.kind = r.disposition.at_once;
  a.state = "pending";
  return a;
}

// After the store answered: records the ids, and carries out the `hide` the
// policy asked for at once (or finishes it, when an earlier round stored the
// comment and stopped there: only then are its actions read back).
Result<IntakeItem> AfterStored(const IntakeDeps& d, IntakeItem item, const store::IngestRequest& req,
                               Result<store::IngestResult> stored) {
  if (!stored.ok()) {
    Errors errs = stored.errors();
    for (Error& e : errs)
      if (e.subject.empty()) e.subject = "comment " + item.comment.remote_id + " (account " + d.account + ")";
    return errs;
  }
  item.comment_id = stored.value().comment_id;
  item.item_id = stored.value().item_id;
  item.created = stored.value().created;
  item.verdict_at_ms = d.clock->NowMs();
  if (item.item_id == 0) return item;
  if (item.created && req.disposition.at_once.empty() && item.verdict.action == rules::Action::kHide)
    item.hide_note = d.platform->name() + " cannot hide replies";

  std::vector<store::PlatformAction> actions;
  if (item.created) {
    if (stored.value().action_id != 0) actions.push_back(AtOnceAction(req, stored.value()));
  } else {
    auto read = d.store->ActionsForItem(item.item_id);
    if (!read.ok()) return read.errors();
    actions = std::move(read).value();
  }
  for (const store::PlatformAction& a : actions) {
    if (a.kind != "hide") continue;
    if (a.state == "done") {
      item.hidden = true;
      item.hidden_at_ms = a.updated_ms;
      item.hide_note.clear();
      continue;
    }
    if (a.state == "failed" && a.retry_at_ms == 0) {
      item.hide_note = a.last_error;
      continue;
    }
    if (!Due(a, d.clock->NowMs())) {
      item.hide_note = "retrying: " + a.last_error;
      item.hide_retrying = true;
      continue;
    }
    Errors errors;
    ActionResult r = CarryOutOne(d, a, ActionRetry{}, &errors);
    if (r.outcome == Outcome::kDone) {
      item.hidden = true;
      item.hidden_at_ms = d.clock->NowMs();
      item.hide_note.clear();
    } else {
      item.hide_note = r.outcome == Outcome::kRetrying ? "retrying: " + r.note : r.note;
      item.hide_retrying = r.outcome == Outcome::kRetrying;
      if (r.outcome == Outcome::kStoreError) item.hide_note = FirstMessage(errors);
    }
  }
  return item;
}

// Comments stored per transaction in a round: one commit per chunk instead
// of one per comment (daemon_bench); small enough that the first hide of a
// chunk waits only for the chunk's screening and commit.
constexpr size_t kIngestChunk = 256;

}  // namespace

Result<IntakeItem> IngestFetched(const IntakeDeps& d, const platforms::FetchedComment& c) {
  Status ok = CheckDeps(d);
  if (!ok.ok()) return ok.errors();
  IntakeItem item;
  store::IngestRequest req = Screen(d, c, &item);
  auto stored = d.store->Ingest(req);
  return AfterStored(d, std::move(item), req, std::move(stored));
}

Result<IntakeItem> ApplyCommentChange(const IntakeDeps& d, sql::Db& db, CommentEvent change,
                                      const platforms::FetchedComment& c) {
  Status ok = CheckDeps(d);
  if (!ok.ok()) return ok.errors();
  IntakeItem item;
  store::CommentChangeRequest r;
  r.platform = d.platform->name();
  r.remote_id = c.remote_id;
  r.actor = d.platform->name();
  switch (change) {
    case CommentEvent::kEdited: r.kind = store::CommentChangeKind::kEdited; break;
    case CommentEvent::kRemoved: r.kind = store::CommentChangeKind::kRemoved; break;
    case CommentEvent::kHidden: r.kind = store::CommentChangeKind::kHidden; break;
    case CommentEvent::kUnhidden: r.kind = store::CommentChangeKind::kUnhidden; break;
  }
  if (change == CommentEvent::kEdited) r.edited = Screen(d, c, &item);
  else item.comment = c;
  auto applied = store::ApplyCommentChange(db, r, d.clock->NowMs());
  if (!applied.ok()) {
    Errors errs = applied.errors();
    for (Error& e : errs)
      if (e.subject.empty()) e.subject = "comment " + c.remote_id + " (account " + d.account + ")";
    return errs;
  }
  const store::CommentChangeResult& out = applied.value();
  if (change == CommentEvent::kEdited) {
    // Never stored (it came before we listened): it is a new comment.
    if (!out.known) return AfterStored(d, std::move(item), r.edited, d.store->Ingest(r.edited));
    store::IngestResult as_stored;
    as_stored.comment_id = out.comment_id;
    as_stored.item_id = out.item_id;
    as_stored.created = out.queued;
    as_stored.action_id = out.action_id;
    return AfterStored(d, std::move(item), r.edited, as_stored);
  }
  item.comment_id = out.comment_id;
  item.item_id = out.item_id;
  item.hidden = change == CommentEvent::kHidden && out.item_id != 0;
  return item;
}

Result<IntakeReport> FetchAndScreen(const IntakeDeps& d) {
  Status ok = CheckDeps(d);
  if (!ok.ok()) return ok.errors();
  IntakeReport report;
  auto cursor = d.store->GetCursor("comments", d.account);
  if (!cursor.ok()) return cursor.errors();
  report.cursor_before = cursor.value().value_or("");
  report.cursor_after = report.cursor_before;

  Result<platforms::CommentBatch> batch = Error{};
  try {
    batch = d.platform->FetchComments(report.cursor_before);
  } catch (const std::exception& e) {
    return Error{{}, "account " + d.account, std::string("fetching comments threw: ") + e.what()};
  }
  if (!batch.ok()) {
    Errors errs = batch.errors();
    // Name the account wherever the adapter did not.
    for (Error& e : errs)
      if (e.subject.find(d.account) == std::string::npos)
        e.subject = e.subject.empty() ? "account " + d.account : e.subject + " (account " + d.account + ")";
    return errs;
  }

  bool all_stored = true;
  const std::vector<platforms::FetchedComment>& fetched = batch.value().comments;
  for (size_t begin = 0; begin < fetched.size(); begin += kIngestChunk) {
    const size_t end = std::min(fetched.size(), begin + kIngestChunk);
    std::vector<IntakeItem> screened(end - begin);
    std::vector<store::IngestRequest> chunk;
    chunk.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) chunk.push_back(Screen(d, fetched[i], &screened[i - begin]));
    std::vector<Result<store::IngestResult>> stored = d.store->IngestBatch(chunk);
    for (size_t i = begin; i < end; ++i) {
      const platforms::FetchedComment& c = fetched[i];
      Result<store::IngestResult> one = Error{{}, "", "the store returned too few results"};
      if (i - begin < stored.size()) one = std::move(stored[i - begin]);
      auto item = AfterStored(d, std::move(screened[i - begin]), chunk[i - begin], std::move(one));
      if (!item.ok()) {
        all_stored = false;  // keep the cursor: the next round stores it
        report.errors.insert(report.errors.end(), item.errors().begin(), item.errors().end());
        continue;
      }
      // A platform's fallback (Mastodon: block + report) is expected, not an
      // error; a hide that will be retried is worth a line in the log.
      if (item.value().hide_retrying)
        report.errors.push_back(Error{{}, "comment " + c.remote_id + " (account " + d.account + ")",
                                      "not hidden: " + item.value().hide_note});
      report.items.push_back(std::move(item).value());
    }
  }
  if (all_stored && batch.value().next_cursor != report.cursor_before) {
    Status s = d.store->PutCursor("comments", d.account, batch.value().next_cursor);
    if (!s.ok()) {
      report.errors.insert(report.errors.end(), s.errors().begin(), s.errors().end());
      report.complete = false;
    } else {
      report.cursor_after = batch.value().next_cursor;
    }
  }
  if (!all_stored) report.complete = false;
  return report;
}

ActionReport CarryOutActions(const IntakeDeps& d, const ActionRetry& retry) {
  ActionReport report;
  Status ok = CheckDeps(d);
  if (!ok.ok()) {
    report.errors = ok.errors();
    return report;
  }
  store::ActionFilter f;
  f.account = d.account;
  f.platform = d.platform->name();
  f.now_ms = d.clock->NowMs();
  f.limit = 100;
  auto due = d.store->PendingActions(f);
  if (!due.ok()) {
    report.errors = due.errors();
    return report;
  }
  for (const store::PlatformAction& a : due.value())
    Count(&report, CarryOutOne(d, a, retry, &report.errors).outcome);
  return report;
}

}  // namespace aasr::moderation
