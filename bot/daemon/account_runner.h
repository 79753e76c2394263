// AccountRunner: one thread per configured account that polls it for new
// comments (FetchAndScreen) on its interval with jitter, and carries out the
// moderators' decisions and hides (CarryOutActions) and sends due replies
// (bot/replies/sender.h) every few seconds.
//
// Promises: a failing account backs off on its own (30 s doubling to
// 15 min) and reports its error in status(); the other accounts go on.
// Every platform call goes through the account's mutex, so outreach (another
// thread) may publish through platform() at the same time safely.
// Stop() asks the loop to finish its current step and returns at once;
// Join() waits for it. Nothing is lost by stopping at any point: intake
// persists its cursor only after storing (see bot/moderation/intake.h).
// Thread safety: status(), platform() and Stop() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bot/config/config.h"
#include "bot/moderation/intake.h"
#include "bot/platforms/factory.h"
#include "bot/replies/sender.h"
#include "bot/store/store.h"
#include "bot/util/clock.h"

namespace aasr::daemon {

// Times named *_ms are wall time, for people; the loop itself schedules on
// the clock's monotonic time, so setting the wall clock back or forward does
// not freeze or rush intake.
struct AccountStatus {
  std::string name, platform;
  std::string state = "starting";  // starting | ok | backoff | stopped
  int64_t last_poll_ms = 0;        // last successful poll
  int64_t next_poll_ms = 0;
  // Monotonic age of the last successful poll (-1: none yet) and of the
  // runner, and the poll interval: what /healthz judges a stall by.
  int64_t since_last_poll_ms = -1;
  int64_t running_for_ms = 0;
  int poll_seconds = 0;
  std::string last_error;
  int64_t last_error_ms = 0;
  int consecutive_failures = 0;
  int64_t comments_seen = 0;
};

struct AccountRunnerDeps {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  std::function<rules::RuleSetPtr()> rules;  // the set in force
  int poll_seconds = 60;
  double jitter = 0.1;
  int actions_seconds = 2;
  uint64_t seed = 1;
  // Observers for metrics and logs (called on the runner's thread).
  std::function<void(const std::string& account, const moderation::IntakeReport&)> on_intake;
  std::function<void(const std::string& account, const moderation::ActionReport&)> on_actions;
  std::function<void(const std::string& account, const Errors&)> on_error;
  // The replies outbox (bot/replies): due replies are sent with the actions.
  // Null: no replies are sent.
  replies::ReplyStore* replies = nullptr;
  std::function<void(const std::string& account, const replies::ReplyReport&)> on_replies;
};

// A Platform that takes the account's mutex around every call.
class SerializedPlatform : public platforms::Platform {
 public:
  SerializedPlatform(platforms::Platform* inner, std::mutex* mu) : inner_(inner), mu_(mu) {}
  std::string name() const override { return inner_->name(); }
  platforms::Capabilities capabilities() const override;
  Status CheckCredentials() override;
  Result<platforms::Published> Publish(const platforms::ComposedPost& post) override;
  Result<std::optional<platforms::Published>> FindPublished(const std::string& key) override;
  Result<std::optional<platforms::Published>> FindPublished(const platforms::ComposedPost& post) override;
  Result<platforms::CommentBatch> FetchComments(const std::string& cursor) override;
  Status Moderate(platforms::ModerationAction action, const platforms::FetchedComment& target) override;
  // Forwarded (it was not): intake marks our own replies as ours by it, and
  // replies now come back under the comments they answer.
  std::string SelfAuthorId() const override;
  Result<platforms::Published> Reply(const platforms::ReplyRequest& r) override;
  Result<std::optional<platforms::Published>> FindReply(const platforms::ReplyRequest& r) override;

 private:
  platforms::Platform* inner_;
  std::mutex* mu_;
};

class AccountRunner {
 public:
  AccountRunner(config::Account account, platforms::AccountPlatform platform, AccountRunnerDeps deps);
  ~AccountRunner();  // stops and joins

  void Start();
  void Stop();
  void Join();
  // Wakes the loop to carry out actions now (a moderator just decided), and
  // to look at the clock again (tests that move a ManualClock).
  void Poke();

  const config::Account& account() const { return account_; }
  platforms::Platform* platform() { return &serialized_; }  // thread-safe wrapper
  net::HttpClient* http() { return platform_.http.get(); }  // null for local
  AccountStatus status() const;

 private:
  void Loop();
  void PollOnce();
  void ActOnce();
  int64_t NextPollDelayMs();

  const config::Account account_;
  platforms::AccountPlatform platform_;
  std::mutex platform_mu_;
  SerializedPlatform serialized_;
  const AccountRunnerDeps deps_;

  mutable std::mutex mu_;  // status_, stop_, poked_
  std::condition_variable cv_;
  AccountStatus status_;
  // Monotonic times (Clock::MonotonicMs) the loop schedules by.
  int64_t started_mono_ = 0;
  int64_t last_poll_mono_ = -1;
  int64_t next_poll_mono_ = 0;
  bool stop_ = false;
  bool poked_ = false;
  uint64_t rng_;
  std::thread thread_;
};

}  // namespace aasr::daemon
