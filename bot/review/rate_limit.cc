#include "bot/review/rate_limit.h"

#include <algorithm>

namespace aasr::review {

void LoginLimiter::Prune(std::deque<int64_t>& q, int64_t now) {
  while (!q.empty() && q.front() <= now - window_) q.pop_front();
}

int64_t LoginLimiter::RetryAfterMs(const std::string& user, const std::string& address) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  int64_t wait = 0;
  auto check = [&](std::map<std::string, std::deque<int64_t>>& m, const std::string& key,
                   int max) {
    auto it = m.find(key);
    if (it == m.end()) return;
    Prune(it->second, now);
    if (it->second.empty()) {
      m.erase(it);
      return;
    }
    if (static_cast<int>(it->second.size()) >= max)
      wait = std::max(wait, it->second.front() + window_ - now);
  };
  check(user_failures_, user, max_user_);
  check(address_attempts_, address, max_addr_);
  return wait;
}

void LoginLimiter::Record(const std::string& user, const std::string& address, bool ok) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMs();
  address_attempts_[address].push_back(now);
  if (ok) user_failures_.erase(user);
  else user_failures_[user].push_back(now);
  // Drop keys whose events all left the window, so memory stays bounded.
  for (auto* m : {&user_failures_, &address_attempts_}) {
    for (auto it = m->begin(); it != m->end();) {
      Prune(it->second, now);
      it = it->second.empty() ? m->erase(it) : std::next(it);
    }
  }
}

}  // namespace aasr::review
