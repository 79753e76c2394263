// Worker: delivers the alerts outbox. One routing thread (fans new events
// out to channels, records crisis-undecided and account-down events) and
// one thread per channel, so a channel that hangs or fails only ever delays
// itself: intake, outreach and the other channels never wait for it.
//
// Promises (per channel, each pass):
//  - digests: held alerts that fell due go out as ONE digest message;
//  - flood: when more alerts are due than the channel's max_per_minute
//    allows now, they all go out as ONE summary, at most one a minute;
//  - otherwise each alert goes out on its own, oldest first;
//  - alerts about an item decided before they went out are suppressed;
//  - a failure stops the pass and backs off (5 s doubling to 10 min, or the
//    service's own Retry-After / retry_after / retry_after_ms if longer);
//    an alert the service refuses for good, or still failing after 24 h, is
//    marked failed. Every alert goes out once per channel when the channel
//    recovers; a resend after a crash carries the same dedupe key.
// Time comes from the injected Clock: tests call RoutePass/DeliverPass
// themselves and move the clock (no threads, no real minutes).
// Thread safety: Record, States and Counts from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/alerts/alert.h"
#include "bot/alerts/channel.h"
#include "bot/alerts/outbox.h"
#include "bot/util/clock.h"

namespace aasr::alerts {

struct AccountHealth {
  std::string name;
  bool down = false;
  int64_t down_since_ms = 0;  // the last good poll (or the start)
  std::string error;
};

struct WorkerOptions {
  std::string database;
  config::AlertsConfig alerts;
  std::string public_url;
  const aasr::Clock* clock = nullptr;
  ChannelDeps channel_deps;
  std::function<std::vector<AccountHealth>()> accounts;  // for account_down; may be empty
  // Channels by name; those missing are made from the config (MakeChannel).
  std::map<std::string, std::shared_ptr<Channel>> channels;
  int poll_ms = 500;
};

struct ChannelState {
  std::string name, type;
  std::string state = "idle";  // idle (nothing sent yet) | ok | failing
  std::string last_error;
  int64_t last_error_ms = 0, last_sent_ms = 0, next_attempt_ms = 0;
  int consecutive_failures = 0;
  int64_t messages_sent = 0, attempts_failed = 0;
};

class Worker {
 public:
  static Result<std::unique_ptr<Worker>> Open(WorkerOptions options);
  ~Worker();

  void Start();
  void Stop();  // asks every thread to finish its pass; returns at once
  void Join();

  // One routing pass: the scans, then Route. Returns deliveries made.
  Result<int> RoutePass();
  // One delivery pass for one channel. Returns messages sent.
  Result<int> DeliverPass(const std::string& channel);
  // Records an event not made by a trigger (reload_rejected, ...).
  Status Record(const std::string& kind, const std::string& subject, const std::string& detail,
                const std::string& dedupe);

  // New events may be waiting (the intake just queued items): route now
  // instead of at the next poll.
  void Nudge() { Wake(); }

  std::vector<ChannelState> States() const;
  Result<std::map<std::string, std::map<std::string, int64_t>>> Counts();
  Result<Outbox::Ages> Ages();
  const Router& router() const { return router_; }

 private:
  explicit Worker(WorkerOptions options);
  void Wake();
  // Waits until woken after *seen (or ms pass); true when stopping.
  bool WaitFor(int ms, uint64_t* seen);
  void Failed(ChannelState& st, const SendOutcome& o, Outbox& box, const std::vector<Delivery>& rows, int64_t now);
  struct Box {
    std::mutex mu;
    std::unique_ptr<Outbox> outbox;
  };
  Box& BoxFor(const std::string& name) { return *boxes_.at(name); }

  WorkerOptions options_;
  Router router_;
  std::map<std::string, std::shared_ptr<Channel>> channels_;
  mutable std::mutex mu_;  // guards states_, recent_, last_summary_
  std::map<std::string, ChannelState> states_;
  std::map<std::string, std::vector<int64_t>> recent_;   // send times within the last minute
  std::map<std::string, int64_t> last_summary_;
  // One connection per user: "route", "record", "stats" and each channel; fixed after Open.
  std::map<std::string, std::unique_ptr<Box>> boxes_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  uint64_t wake_seq_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace aasr::alerts
