#include "bot/alerts/worker.h"

#include <algorithm>

namespace aasr::alerts {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kGiveUpMs = 24 * 60 * kMinute;
constexpr int64_t kBaseBackoffMs = 5000;
constexpr int64_t kMaxBackoffMs = 10 * kMinute;

bool IsItemEvent(const Event& e) { return e.item_id != 0; }
bool Decided(const Event& e) { return e.state == "approved" || e.state == "removed"; }

std::vector<int64_t> Ids(const std::vector<Delivery>& rows) {
  std::vector<int64_t> ids;
  for (const auto& d : rows) ids.push_back(d.id);
  return ids;
}

}  // namespace

Worker::Worker(WorkerOptions options)
    : options_(std::move(options)), router_(options_.alerts, options_.public_url) {}

Worker::~Worker() {
  Stop();
  Join();
}

Result<std::unique_ptr<Worker>> Worker::Open(WorkerOptions options) {
  std::unique_ptr<Worker> w(new Worker(std::move(options)));
  if (!w->options_.clock) return Error{{"alerts", 0, 0}, "", "the alerts worker needs a clock"};
  std::vector<std::string> names = {"route", "record", "stats"};
  for (const config::AlertChannel& c : w->options_.alerts.channels) {
    names.push_back("channel:" + c.name);
    auto it = w->options_.channels.find(c.name);
    w->channels_[c.name] =
        it != w->options_.channels.end() ? it->second : std::shared_ptr<Channel>(MakeChannel(c, w->options_.channel_deps));
    ChannelState st;
    st.name = c.name;
    st.type = config::ChannelKindName(c.kind);
    w->states_[c.name] = st;
  }
  for (const std::string& n : names) {
    auto box = Outbox::Open(w->options_.database);
    if (!box.ok()) return box.errors();
    auto b = std::make_unique<Box>();
    b->outbox = std::move(box).value();
    w->boxes_[n] = std::move(b);
  }
  return w;
}

void Worker::Wake() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    ++wake_seq_;
  }
  wake_cv_.notify_all();
}

bool Worker::WaitFor(int ms, uint64_t* seen) {
  std::unique_lock<std::mutex> lock(wake_mu_);
  // A wake that came during the last pass counts: the pass may have missed it.
  wake_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_ || wake_seq_ != *seen; });
  *seen = wake_seq_;
  return stopping_;
}

void Worker::Start() {
  threads_.emplace_back([this] {
    uint64_t seen = 0;
    do {
      {
        std::lock_guard<std::mutex> lock(wake_mu_);
        seen = wake_seq_;
      }
      auto r = RoutePass();
      if (r.ok() && r.value() > 0) Wake();
    } while (!WaitFor(options_.poll_ms, &seen));
  });
  for (const auto& [name, ch] : channels_) {
    const std::string n = name;
    threads_.emplace_back([this, n] {
      uint64_t seen = 0;
      do {
        {
          std::lock_guard<std::mutex> lock(wake_mu_);
          seen = wake_seq_;
        }
        (void)DeliverPass(n);
      } while (!WaitFor(options_.poll_ms, &seen));
    });
  }
}

void Worker::Stop() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
}

void Worker::Join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

Status Worker::Record(const std::string& kind, const std::string& subject, const std::string& detail,
                      const std::string& dedupe) {
  Box& b = BoxFor("record");
  std::lock_guard<std::mutex> lock(b.mu);
  auto r = b.outbox->Record(kind, 0, subject, detail, dedupe, options_.clock->NowMs());
  if (!r.ok()) return r.errors();
  Wake();
  return Ok{};
}

Result<int> Worker::RoutePass() {
  Box& b = BoxFor("route");
  std::lock_guard<std::mutex> lock(b.mu);
  const int64_t now = options_.clock->NowMs();
  auto crisis = b.outbox->ScanCrisisUndecided(options_.alerts.crisis_undecided_minutes, now);
  if (!crisis.ok()) return crisis.errors();
  if (options_.accounts && options_.alerts.account_down_minutes > 0) {
    for (const AccountHealth& a : options_.accounts()) {
      if (!a.down || now - a.down_since_ms < int64_t{options_.alerts.account_down_minutes} * kMinute) continue;
      // One alert per outage: the outage is named by its last good poll.
      auto r = b.outbox->Record(kAccountDown, 0, a.name, a.error,
                                "account_down:" + a.name + ":" + std::to_string(a.down_since_ms), now);
      if (!r.ok()) return r.errors();
    }
  }
  return b.outbox->Route(router_, now);
}

void Worker::Failed(ChannelState& st, const SendOutcome& o, Outbox& box, const std::vector<Delivery>& rows,
                    int64_t now) {
  st.state = "failing";
  st.last_error = o.error;
  st.last_error_ms = now;
  st.attempts_failed++;
  st.consecutive_failures++;
  int64_t wait = kBaseBackoffMs << std::min(st.consecutive_failures - 1, 10);
  wait = std::min(wait, kMaxBackoffMs);
  wait = std::max(wait, o.retry_after_ms);
  st.next_attempt_ms = now + wait;
  std::vector<int64_t> retry, give_up;
  for (const Delivery& d : rows) {
    if (!o.retry || now - d.event.created_ms > kGiveUpMs) give_up.push_back(d.id);
    else retry.push_back(d.id);
  }
  (void)box.MarkAttempt(retry, o.error, now + wait);
  (void)box.MarkFailed(give_up, o.error);
}

Result<int> Worker::DeliverPass(const std::string& name) {
  const config::AlertChannel* cfg = router_.config().FindChannel(name);
  auto chit = channels_.find(name);
  if (!cfg || chit == channels_.end())
    return Error{{"alerts", 0, 0}, "alert channel " + name, "no such channel"};
  Channel& channel = *chit->second;
  Box& b = BoxFor("channel:" + name);
  std::lock_guard<std::mutex> lock(b.mu);
  Outbox& box = *b.outbox;
  const int64_t now = options_.clock->NowMs();
  ChannelState st;
  {
    std::lock_guard<std::mutex> l(mu_);
    st = states_[name];
  }
  if (now < st.next_attempt_ms) return 0;
  int sent = 0;
  auto save = [&] {
    std::lock_guard<std::mutex> l(mu_);
    states_[name] = st;
  };
  auto succeeded = [&](int64_t at) {
    st.state = "ok";
    st.consecutive_failures = 0;
    st.next_attempt_ms = 0;
    st.last_sent_ms = at;
    st.messages_sent++;
    ++sent;
    std::lock_guard<std::mutex> l(mu_);
    recent_[name].push_back(at);
  };

  // Decided before they went out: nobody needs them any more.
  auto drop_decided = [&](std::vector<Delivery>* rows) -> Status {
    std::vector<int64_t> gone;
    std::vector<Delivery> keep;
    for (auto& d : *rows) {
      if (IsItemEvent(d.event) && Decided(d.event) && d.event.kind != kEscalated) gone.push_back(d.id);
      else keep.push_back(std::move(d));
    }
    *rows = std::move(keep);
    return box.Mark(gone, "suppressed", "", now);
  };

  // 1. Digests that fell due: one message.
  auto digest = box.Due(name, "digest", now, 5000);
  if (!digest.ok()) return digest.errors();
  if (Status s = drop_decided(&digest.value()); !s.ok()) return s.errors();
  if (!digest.value().empty()) {
    std::vector<Event> events;
    for (const auto& d : digest.value()) events.push_back(d.event);
    const std::string key = "aasr-d" + std::to_string(digest.value().front().id) + "-" + name;
    SendOutcome o = channel.Send(RenderBatch(events, "digest", *cfg, router_, key));
    if (!o.ok) {
      Failed(st, o, box, digest.value(), now);
      save();
      return sent;
    }
    if (Status s = box.Mark(Ids(digest.value()), "summarized", key, now); !s.ok()) return s.errors();
    succeeded(now);
  }

  // 2. Alerts due now: one by one, or one summary in a flood.
  auto due = box.Due(name, "pending", now, 5000);
  if (!due.ok()) return due.errors();
  if (Status s = drop_decided(&due.value()); !s.ok()) return s.errors();
  std::vector<Delivery>& rows = due.value();
  if (rows.empty()) {
    save();
    return sent;
  }
  int allowance = 0;
  int64_t last_summary = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto& r = recent_[name];
    r.erase(std::remove_if(r.begin(), r.end(), [&](int64_t t) { return t <= now - kMinute; }), r.end());
    allowance = cfg->max_per_minute - static_cast<int>(r.size());
    last_summary = last_summary_[name];
  }
  // A summary went out less than a minute ago: the flood goes on, and what
  // is not urgent waits for the next summary.
  const bool in_flood = last_summary != 0 && now - last_summary < kMinute;
  auto send_one = [&](const Delivery& d) -> Result<bool> {
    const std::string key = DeliveryKey(d.id, name);
    SendOutcome o = channel.Send(Render(d.event, *cfg, router_, key));
    if (!o.ok) {
      Failed(st, o, box, {d}, now);
      return false;
    }
    if (Status s = box.Mark({d.id}, "sent", key, now); !s.ok()) return s.errors();
    succeeded(now);
    return true;
  };
  if (!in_flood && static_cast<int>(rows.size()) <= allowance) {
    for (const Delivery& d : rows) {
      auto ok = send_one(d);
      if (!ok.ok()) return ok.errors();
      if (!ok.value()) break;
    }
  } else {
    // Crisis and urgent alerts still go on their own while the rate allows:
    // they are what a flood must not bury.
    std::vector<Delivery> rest;
    bool failed = false;
    for (const Delivery& d : rows) {
      if (!failed && allowance > 0 && IsUrgent(d.event)) {
        auto ok = send_one(d);
        if (!ok.ok()) return ok.errors();
        failed = !ok.value();
        if (ok.value()) --allowance;
        if (!failed) continue;
      }
      rest.push_back(d);
    }
    if (!failed && !rest.empty() && allowance >= 1 && !in_flood) {
      std::vector<Event> events;
      for (const auto& d : rest) events.push_back(d.event);
      const std::string key = "aasr-s" + std::to_string(rest.front().id) + "-" + name;
      SendOutcome o = channel.Send(RenderBatch(events, "summary", *cfg, router_, key));
      if (!o.ok) {
        Failed(st, o, box, rest, now);
      } else {
        if (Status s = box.Mark(Ids(rest), "summarized", key, now); !s.ok()) return s.errors();
        succeeded(now);
        std::lock_guard<std::mutex> l(mu_);
        last_summary_[name] = now;
      }
    }
  }
  save();
  return sent;
}

std::vector<ChannelState> Worker::States() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ChannelState> out;
  for (const auto& [n, s] : states_) out.push_back(s);
  return out;
}

Result<std::map<std::string, std::map<std::string, int64_t>>> Worker::Counts() {
  Box& b = BoxFor("stats");
  std::lock_guard<std::mutex> lock(b.mu);
  return b.outbox->Counts();
}

Result<Outbox::Ages> Worker::Ages() {
  Box& b = BoxFor("stats");
  std::lock_guard<std::mutex> lock(b.mu);
  return b.outbox->OldestOpen();
}

}  // namespace aasr::alerts
