// HttpGetter: the one thing the feed poller needs from the network, behind an
// interface so tests are deterministic and the transport can be swapped for
// the shared bot/net client when it lands.
//
// The implementation is MakeNetGetter() on the shared bot/net client.
// Get() returns any HTTP status as a response (304 and 5xx are answers, not
// errors); only transport failures (DNS, refused, timeout, TLS) are Errors,
// naming the URL. Response header names are lower-cased.
// Thread safety: implementations are used by one thread at a time.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bot/util/error.h"

namespace aasr::outreach {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpGetter {
 public:
  virtual ~HttpGetter() = default;
  virtual Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers) = 0;
};

}  // namespace aasr::outreach

namespace aasr {
class Clock;
}

namespace aasr::outreach {

// On the shared bot/net HttpClient: `timeout` per attempt, up to
// `max_attempts` tries with backoff and jitter on 5xx/resets/timeouts (never
// on other 4xx), 429 honoured. `clock` (default: the system clock) is where
// waits happen; tests pass a net::FakeClock so retries cost no time.
std::unique_ptr<HttpGetter> MakeNetGetter(const std::string& subject,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                          int max_attempts = 3, aasr::Clock* clock = nullptr);

}  // namespace aasr::outreach
