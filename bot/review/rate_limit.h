// LoginLimiter: slows down password guessing without letting anyone lock a
// user out for others.
//
// The scheme (also in bot/review/README.md, "Security"):
// - Two kinds of key: (user name, client address), and the client address
//   alone (every name it tries). A key's failed logins within `forget_ms` of
//   its last failure count; a success clears the (user, address) key and
//   counts nowhere.
// - The first `free_failures` failures of a key cost nothing; after that the
//   key's next attempt waits `first_delay_ms`, doubling with every further
//   failure up to `max_delay_ms`. A delay, never a lockout: once it has
//   passed one attempt goes through, and a right password is let in.
// - Because the user's key includes the address, guesses at "admin" from
//   one address (or from many) never delay the admin logging in from
//   another. The address key (with a larger allowance) slows one address
//   spraying many names. Behind a reverse proxy the address must be the real
//   client's (client_address.h), or every user shares one key.
// - Begin() checks and reserves in one step under the lock: attempts still
//   being verified count as failures until Finish() says otherwise, so N
//   concurrent guesses get no more than the allowance through (they were
//   checked first and recorded later, and 8 got past a limit of 5).
// Memory is bounded: keys whose failures were forgotten are dropped, and at
// most `max_keys` keys are kept (the oldest dropped first).
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bot/util/clock.h"

namespace aasr::review {

struct LimiterOptions {
  int free_failures_per_user = 5;      // per (user, address)
  int free_failures_per_address = 20;  // per address, all user names
  int64_t first_delay_ms = 1000;
  int64_t max_delay_ms = 15LL * 60 * 1000;
  int64_t forget_ms = 15LL * 60 * 1000;  // since the key's last failure
  size_t max_keys = 100000;
};

class LoginLimiter {
 public:
  LoginLimiter(std::shared_ptr<const aasr::Clock> clock, LimiterOptions options = {})
      : clock_(std::move(clock)), o_(options) {}

  // An attempt reserved by Begin(); hand it back to Finish() exactly once.
  struct Attempt {
    int64_t retry_after_ms = 0;  // > 0: refused, wait this long (nothing reserved)
    std::string user_key, address_key;
    bool allowed() const { return retry_after_ms == 0; }
  };
  // Checks both keys and, when allowed, reserves the attempt on both.
  Attempt Begin(const std::string& user, const std::string& address);
  // The outcome of an allowed attempt: a failure counts on both keys (and
  // sets their next delay); a success clears the (user, address) key.
  void Finish(const Attempt& attempt, bool ok);

  size_t keys_for_test();

 private:
  struct Key {
    int failures = 0;
    int in_flight = 0;
    int64_t last_failure_ms = 0;
    int64_t next_allowed_ms = 0;
  };
  int64_t WaitMs(Key& k, int free_failures, int64_t now) const;
  void Fail(Key& k, int free_failures, int64_t now) const;
  void Prune(int64_t now);

  std::shared_ptr<const aasr::Clock> clock_;
  const LimiterOptions o_;
  std::mutex mu_;
  std::map<std::string, Key> keys_;  // "u\0user\0address" and "a\0address"
};

}  // namespace aasr::review
