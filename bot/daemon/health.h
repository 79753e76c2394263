// When an account's intake counts as stalled, for /healthz (the rest of the
// health check lives in daemon.cc, which has the parts it asks).
//
// An account is stalled when its last good poll (or, before the first one,
// the start of its runner) is older than `stall_polls` poll intervals and
// at least `stall_min_seconds` (config `health:`): a platform down that long,
// a token revoked, or a runner wedged, all of which a monitor must see as a
// failure (503) rather than "ok". Ages are monotonic (AccountStatus).
#pragma once

#include <algorithm>
#include <cstdint>

#include "bot/config/config.h"
#include "bot/daemon/account_runner.h"

namespace aasr::daemon {

inline int64_t StallLimitMs(const AccountStatus& st, const config::Config::Health& h) {
  return std::max<int64_t>(int64_t{h.stall_polls} * st.poll_seconds * 1000, int64_t{h.stall_min_seconds} * 1000);
}

inline bool Stalled(const AccountStatus& st, const config::Config::Health& h) {
  const int64_t age = st.since_last_poll_ms >= 0 ? st.since_last_poll_ms : st.running_for_ms;
  return age > StallLimitMs(st, h);
}

}  // namespace aasr::daemon
