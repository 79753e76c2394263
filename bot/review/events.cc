#include "bot/review/events.h"

#include <charconv>

#include <spdlog/spdlog.h>

#include "bot/review/api.h"

namespace aasr::review {

using nlohmann::json;

VersionSource StoreVersion(store::StorePtr store) {
  return [store]() -> Result<int64_t> {
    store::AuditFilter f;
    f.limit = 1;
    auto newest = store->Audit(f);
    if (!newest.ok()) return newest.errors();
    return newest.value().empty() ? int64_t{0} : newest.value().front().id;
  };
}

SummarySource StoreSummary(store::StorePtr store) {
  return [store]() -> Result<json> {
    auto counts = store->CountItemsByState();
    if (!counts.ok()) return counts.errors();
    int64_t open = 0;
    for (const char* s : {"pending", "escalated"}) {
      auto it = counts.value().find(s);
      if (it != counts.value().end()) open += it->second;
    }
    // The title needs "any crisis, and how many": a page of 200 is plenty.
    store::QueueFilter f;
    f.category = "crisis";
    f.limit = 200;
    auto crisis = store->ListQueue(f);
    if (!crisis.ok()) return crisis.errors();
    return json{{"open", open},
                {"crisis", crisis.value().items.size()},
                {"crisis_more", !crisis.value().next_cursor.empty()}};
  };
}

ChangeFeed::ChangeFeed(VersionSource version, SummarySource summary,
                       std::shared_ptr<const aasr::Clock> clock, ChangeFeedOptions options)
    : version_source_(std::move(version)),
      summary_source_(std::move(summary)),
      clock_(std::move(clock)),
      options_(options) {}

ChangeFeed::~ChangeFeed() { Stop(); }

void ChangeFeed::Start() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (running_) return;
    running_ = true;
    stopped_ = false;  // a server stopped and started again serves pages again
  }
  std::vector<Waiter> none;
  ReadVersion(&none);
  thread_ = std::thread([this] { Run(); });
}

void ChangeFeed::Stop() {
  std::vector<Waiter> waiters;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    running_ = false;
    stopped_ = true;
    waiters.swap(waiters_);
    per_session_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& w : waiters)
    w.reply(ErrorResponse(503, "stopping", "the server is stopping; reconnect in a moment"));
}

void ChangeFeed::Poke() {
  {
    std::lock_guard<std::mutex> l(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

int64_t ChangeFeed::version() const {
  std::lock_guard<std::mutex> l(mu_);
  return version_;
}

size_t ChangeFeed::waiting() const {
  std::lock_guard<std::mutex> l(mu_);
  return waiters_.size();
}

Response ChangeFeed::Answer(bool changed) const {
  json body;
  {
    std::lock_guard<std::mutex> l(mu_);
    body = summary_;
    body["version"] = version_;
  }
  body["changed"] = changed;
  return JsonResponse(200, body);
}

ChangeFeed::Admit ChangeFeed::Wait(int64_t since, const std::string& session,
                                   std::function<void(Response)> reply) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return Admit::kStopped;
    if (since >= 0 && since == version_) {
      if (static_cast<int>(waiters_.size()) >= options_.max_total) return Admit::kServerFull;
      int& mine = per_session_[session];
      if (mine >= options_.max_per_session) return Admit::kSessionFull;
      ++mine;
      waiters_.push_back({session, clock_->MonotonicMs() + options_.hold_ms, std::move(reply)});
      return Admit::kWaiting;
    }
  }
  reply(Answer(true));
  return Admit::kAnswered;
}

// Reads the version (and, when it moved, the summary); moves every waiter to
// `to_answer` when it moved.
void ChangeFeed::ReadVersion(std::vector<Waiter>* to_answer) {
  auto v = version_source_();
  if (!v.ok()) {
    // Logged once per outage, not four times a second; waiters keep waiting
    // and time out as usual, so pages see "unchanged" rather than errors.
    std::lock_guard<std::mutex> l(mu_);
    if (!read_failed_) spdlog::error("change feed: {}", FormatErrors(v.errors()));
    read_failed_ = true;
    return;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (read_failed_) spdlog::info("change feed: the database answers again");
    read_failed_ = false;
    if (v.value() == version_) return;
  }
  json summary = json::object();
  if (summary_source_) {
    auto s = summary_source_();
    if (s.ok()) summary = s.value();
    else spdlog::error("change feed summary: {}", FormatErrors(s.errors()));
  }
  std::lock_guard<std::mutex> l(mu_);
  version_ = v.value();
  summary_ = std::move(summary);
  to_answer->insert(to_answer->end(), std::make_move_iterator(waiters_.begin()),
                    std::make_move_iterator(waiters_.end()));
  waiters_.clear();
  per_session_.clear();
}

void ChangeFeed::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, std::chrono::milliseconds(options_.poll_interval_ms),
                   [this] { return stopped_ || poked_; });
      if (stopped_) return;
      poked_ = false;
    }
    std::vector<Waiter> changed, expired;
    ReadVersion(&changed);
    {
      std::lock_guard<std::mutex> l(mu_);
      const int64_t now = clock_->MonotonicMs();  // hold deadlines: a wall-clock step must not hold a page
      for (size_t i = 0; i < waiters_.size();) {
        if (waiters_[i].deadline_ms > now) {
          ++i;
          continue;
        }
        if (--per_session_[waiters_[i].session] <= 0) per_session_.erase(waiters_[i].session);
        expired.push_back(std::move(waiters_[i]));
        waiters_[i] = std::move(waiters_.back());
        waiters_.pop_back();
      }
    }
    // Replies go out without the lock: they only queue bytes on a socket.
    if (!changed.empty()) {
      Response r = Answer(true);
      for (auto& w : changed) w.reply(r);
    }
    if (!expired.empty()) {
      Response r = Answer(false);
      for (auto& w : expired) w.reply(r);
    }
  }
}

void ServeEvents(ChangeFeed& feed, ReviewApi& api, const Request& r,
                 std::function<void(Response)> reply) {
  Response refusal;
  auto session = api.SessionOf(r, &refusal);
  if (!session) return reply(refusal);
  int64_t since = -1;
  const std::string s = r.Query("since");
  if (!s.empty()) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), since);
    if (ec != std::errc() || p != s.data() + s.size() || since < 0)
      return reply(ErrorResponse(400, "bad_request",
                                 "since: expected the version from the previous answer (a "
                                 "non-negative integer), got '" + s + "'"));
  }
  auto busy = [&](const std::string& why) {
    Response resp = ErrorResponse(429, "rate_limited", why);
    resp.headers.push_back({"Retry-After", "5"});
    reply(resp);
  };
  switch (feed.Wait(since, session->token_hash, reply)) {
    case ChangeFeed::Admit::kAnswered:
    case ChangeFeed::Admit::kWaiting: return;
    case ChangeFeed::Admit::kSessionFull:
      return busy("too many pages of this session are waiting for changes; close some tabs");
    case ChangeFeed::Admit::kServerFull:
      return busy("too many pages are waiting for changes on this server");
    case ChangeFeed::Admit::kStopped:
      return reply(ErrorResponse(503, "stopping", "the server is stopping; reconnect in a moment"));
  }
}

}  // namespace aasr::review
