// MakePlatform: builds the adapter for one configured account, with its own
// HttpClient (so each account paces under its own budgets). The daemon and
// the CLI (`accounts check`, later `post` and `comments fetch`) use this and
// nothing else to reach a platform.
// Thread safety: the result is used by one thread at a time.
#pragma once

#include <memory>

#include "bot/config/config.h"
#include "bot/net/clock.h"
#include "bot/net/http_client.h"
#include "bot/platforms/platform.h"

namespace aasr::platforms {

struct AccountPlatform {
  std::unique_ptr<net::HttpClient> http;  // null for the local platform
  std::unique_ptr<Platform> platform;
};

struct PlatformDeps {
  net::Clock* clock = net::SystemClock::Get();
  net::Random* random = nullptr;  // required
  net::Millis timeout{30000};
  int max_attempts = 4;
};

Result<AccountPlatform> MakePlatform(const config::Account& account, const PlatformDeps& deps);

// "hide replies: yes; delete: no; ..." for people reading `accounts check`.
std::string DescribeCapabilities(const Capabilities& caps);

}  // namespace aasr::platforms
