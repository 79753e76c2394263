#include "bot/daemon/account_runner.h"

#include <algorithm>

#include "bot/util/logging.h"

namespace aasr::daemon {

using platforms::Platform;

platforms::Capabilities SerializedPlatform::capabilities() const {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->capabilities();
}
Status SerializedPlatform::CheckCredentials() {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->CheckCredentials();
}
Result<platforms::Published> SerializedPlatform::Publish(const platforms::ComposedPost& post) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->Publish(post);
}
Result<std::optional<platforms::Published>> SerializedPlatform::FindPublished(const std::string& key) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->FindPublished(key);
}
Result<std::optional<platforms::Published>> SerializedPlatform::FindPublished(const platforms::ComposedPost& post) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->FindPublished(post);
}
Result<platforms::CommentBatch> SerializedPlatform::FetchComments(const std::string& cursor) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->FetchComments(cursor);
}
Status SerializedPlatform::Moderate(platforms::ModerationAction action, const platforms::FetchedComment& target) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->Moderate(action, target);
}

std::string SerializedPlatform::SelfAuthorId() const {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->SelfAuthorId();
}
Result<platforms::Published> SerializedPlatform::Reply(const platforms::ReplyRequest& r) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->Reply(r);
}
Result<std::optional<platforms::Published>> SerializedPlatform::FindReply(const platforms::ReplyRequest& r) {
  std::lock_guard<std::mutex> lock(*mu_);
  return inner_->FindReply(r);
}

AccountRunner::AccountRunner(config::Account account, platforms::AccountPlatform platform, AccountRunnerDeps deps)
    : account_(std::move(account)),
      platform_(std::move(platform)),
      serialized_(platform_.platform.get(), &platform_mu_),
      deps_(std::move(deps)),
      rng_(deps_.seed * 0x9E3779B97F4A7C15ull + 1) {
  status_.name = account_.name;
  status_.platform = config::PlatformName(account_.platform);
}

AccountRunner::~AccountRunner() {
  Stop();
  Join();
}

void AccountRunner::Start() { thread_ = std::thread([this] { Loop(); }); }

void AccountRunner::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

void AccountRunner::Join() {
  if (thread_.joinable()) thread_.join();
}

void AccountRunner::Poke() {
  std::lock_guard<std::mutex> lock(mu_);
  poked_ = true;
  cv_.notify_all();
}

AccountStatus AccountRunner::status() const {
  const int64_t mono = deps_.clock->MonotonicMs();
  std::lock_guard<std::mutex> lock(mu_);
  AccountStatus st = status_;
  st.since_last_poll_ms = last_poll_mono_ < 0 ? -1 : mono - last_poll_mono_;
  st.running_for_ms = mono - started_mono_;
  st.poll_seconds = account_.poll_seconds > 0 ? account_.poll_seconds : deps_.poll_seconds;
  return st;
}

int64_t AccountRunner::NextPollDelayMs() {
  const int seconds = account_.poll_seconds > 0 ? account_.poll_seconds : deps_.poll_seconds;
  // xorshift64*: a cheap seeded jitter, so accounts drift apart deterministically.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  const double u = static_cast<double>((rng_ * 2685821657736338717ull) >> 11) / 9007199254740992.0;
  const double factor = 1.0 + deps_.jitter * (2 * u - 1);
  return std::max<int64_t>(200, static_cast<int64_t>(seconds * 1000.0 * factor));
}

void AccountRunner::PollOnce() {
  moderation::IntakeDeps d{&serialized_, deps_.store, deps_.rules(), deps_.clock, account_.name};
  auto report = moderation::FetchAndScreen(d);
  const int64_t now = deps_.clock->NowMs();
  const int64_t mono = deps_.clock->MonotonicMs();
  const int64_t delay = NextPollDelayMs();
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t wait = delay;
    if (report.ok()) {
      status_.state = "ok";
      status_.last_poll_ms = now;
      last_poll_mono_ = mono;
      status_.consecutive_failures = 0;
      status_.comments_seen += static_cast<int64_t>(report.value().items.size());
    } else {
      ++status_.consecutive_failures;
      status_.state = "backoff";
      status_.last_error = FormatErrors(report.errors());
      status_.last_error_ms = now;
      // 30 s, 1, 2, 4, 8 min ... at most 15 min; never sooner than the interval.
      const int64_t backoff =
          std::min<int64_t>(15 * 60 * 1000, 30'000LL << std::min(status_.consecutive_failures - 1, 5));
      wait = std::max(backoff, delay);
    }
    next_poll_mono_ = mono + wait;
    status_.next_poll_ms = now + wait;
  }
  if (report.ok()) {
    if (deps_.on_intake) deps_.on_intake(account_.name, report.value());
  } else if (deps_.on_error) {
    deps_.on_error(account_.name, report.errors());
  }
}

void AccountRunner::ActOnce() {
  moderation::IntakeDeps d{&serialized_, deps_.store, deps_.rules(), deps_.clock, account_.name};
  moderation::ActionReport r = moderation::CarryOutActions(d, moderation::ActionRetry{});
  if (deps_.on_actions && (r.done || r.failed || r.retrying || !r.errors.empty())) deps_.on_actions(account_.name, r);
  if (deps_.replies) {
    replies::ReplySender sender(deps_.replies, deps_.clock);
    replies::ReplyReport rr = sender.SendDue(account_.name, serialized_);
    if (deps_.on_replies && (rr.sent || rr.reconciled || rr.failed || rr.retrying || !rr.errors.empty()))
      deps_.on_replies(account_.name, rr);
  }
}

void AccountRunner::Loop() {
  auto log = Log("account");
  const Clock& clock = *deps_.clock;
  int64_t next_actions = 0;  // monotonic
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_mono_ = clock.MonotonicMs();
    next_poll_mono_ = started_mono_;
    status_.next_poll_ms = clock.NowMs();
  }
  while (true) {
    int64_t next_poll;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_) break;
      next_poll = next_poll_mono_;
    }
    const int64_t now = clock.MonotonicMs();
    if (now >= next_poll) PollOnce();
    if (now >= next_actions) {
      ActOnce();
      next_actions = clock.MonotonicMs() + deps_.actions_seconds * 1000LL;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) break;
    const int64_t wake = std::min(next_poll_mono_, next_actions);
    // Wait on the monotonic clock's measure, but at most a second at a time,
    // so a test's ManualClock (which does not move by itself) and a poke are
    // both seen promptly.
    const int64_t wait_ms = std::clamp<int64_t>(wake - clock.MonotonicMs(), 1, 1000);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stop_ || poked_; });
    if (poked_) {
      poked_ = false;
      next_actions = 0;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  status_.state = "stopped";
  log->debug("account {} stopped", account_.name);
}

}  // namespace aasr::daemon
