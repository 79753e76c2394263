// LoginLimiter: slows down password guessing, per user name and per address.
//
// Promises: Allowed() is false once a key had `max_failures` failed logins
// within `window_ms` (user names) or `max_attempts` attempts of any outcome
// (addresses); RetryAfterMs() says when the oldest counted event leaves the
// window. A success clears the user's failures (not the address's attempts).
// Memory is bounded: events older than the window are dropped on each call.
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bot/util/clock.h"

namespace aasr::review {

class LoginLimiter {
 public:
  LoginLimiter(std::shared_ptr<const aasr::Clock> clock, int max_user_failures,
               int max_address_attempts, int64_t window_ms)
      : clock_(std::move(clock)),
        max_user_(max_user_failures),
        max_addr_(max_address_attempts),
        window_(window_ms) {}

  // 0 if a login for (user, address) may be tried now, else ms to wait.
  int64_t RetryAfterMs(const std::string& user, const std::string& address);
  // Records an attempt; `ok` clears the user's failures.
  void Record(const std::string& user, const std::string& address, bool ok);

 private:
  void Prune(std::deque<int64_t>& q, int64_t now);
  std::shared_ptr<const aasr::Clock> clock_;
  const int max_user_, max_addr_;
  const int64_t window_;
  std::mutex mu_;
  std::map<std::string, std::deque<int64_t>> user_failures_, address_attempts_;
};

}  // namespace aasr::review
