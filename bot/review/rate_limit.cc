#include "bot/review/rate_limit.h"

#include <algorithm>

namespace aasr::review {

int64_t LoginLimiter::WaitMs(Key& k, int free_failures, int64_t now) const {
  if (k.failures > 0 && now - k.last_failure_ms >= o_.forget_ms) {
    k.failures = 0;
    k.next_allowed_ms = 0;
  }
  // Attempts being verified count as failures until they finish.
  if (k.failures + k.in_flight < free_failures) return 0;
  if (k.failures < free_failures) return std::max<int64_t>(1, o_.first_delay_ms / 4);
  // Past the allowance one attempt at a time, each after its delay.
  if (k.in_flight > 0) return std::max<int64_t>(1, o_.first_delay_ms);
  return std::max<int64_t>(0, k.next_allowed_ms - now);
}

void LoginLimiter::Fail(Key& k, int free_failures, int64_t now) const {
  ++k.failures;
  k.last_failure_ms = now;
  if (k.failures < free_failures) return;
  int64_t delay = o_.first_delay_ms;
  for (int i = free_failures; i < k.failures && delay < o_.max_delay_ms; ++i) delay *= 2;
  k.next_allowed_ms = now + std::min(delay, o_.max_delay_ms);
}

LoginLimiter::Attempt LoginLimiter::Begin(const std::string& user, const std::string& address) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_->MonotonicMs();  // delays are durations: a wall-clock step must not extend or lift them
  Prune(now);
  Attempt a;
  a.user_key = std::string("u") + '\0' + user + '\0' + address;
  a.address_key = std::string("a") + '\0' + address;
  Key& u = keys_[a.user_key];
  Key& ad = keys_[a.address_key];
  a.retry_after_ms = std::max(WaitMs(u, o_.free_failures_per_user, now),
                              WaitMs(ad, o_.free_failures_per_address, now));
  if (a.allowed()) {
    ++u.in_flight;
    ++ad.in_flight;
  }
  return a;
}

void LoginLimiter::Finish(const Attempt& a, bool ok) {
  if (!a.allowed()) return;
  std::lock_guard lock(mu_);
  const int64_t now = clock_->MonotonicMs();  // delays are durations: a wall-clock step must not extend or lift them
  for (const std::string* name : {&a.user_key, &a.address_key}) {
    auto it = keys_.find(*name);
    if (it == keys_.end()) continue;  // dropped by max_keys meanwhile
    Key& k = it->second;
    k.in_flight = std::max(0, k.in_flight - 1);
    const bool user_key = name == &a.user_key;
    if (!ok) Fail(k, user_key ? o_.free_failures_per_user : o_.free_failures_per_address, now);
    else if (user_key) keys_.erase(it);
  }
}

void LoginLimiter::Prune(int64_t now) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    const Key& k = it->second;
    const bool idle = k.in_flight == 0 && (k.failures == 0 || now - k.last_failure_ms >= o_.forget_ms) &&
                      k.next_allowed_ms <= now;
    it = idle ? keys_.erase(it) : std::next(it);
  }
  // Still too many (an attacker cycling names or addresses): drop the keys
  // whose last failure is oldest; they are the least useful to keep.
  while (keys_.size() >= o_.max_keys) {
    auto oldest = keys_.end();
    for (auto it = keys_.begin(); it != keys_.end(); ++it)
      if (it->second.in_flight == 0 &&
          (oldest == keys_.end() || it->second.last_failure_ms < oldest->second.last_failure_ms))
        oldest = it;
    if (oldest == keys_.end()) break;
    keys_.erase(oldest);
  }
}

size_t LoginLimiter::keys_for_test() {
  std::lock_guard lock(mu_);
  return keys_.size();
}

}  // namespace aasr::review
