// The feed poller's transport on the one shared HTTP client (bot/net):
// timeouts, retries with backoff and jitter on 5xx and resets, 429 handling,
// redaction of secrets in errors.
#include <cctype>

#include "bot/net/http_client.h"
#include "bot/outreach/http_getter.h"

namespace aasr::outreach {
namespace {

class NetGetter : public HttpGetter {
 public:
  NetGetter(net::Options options, net::Clock* clock, std::unique_ptr<net::Random> random)
      : random_(std::move(random)), client_(std::move(options), clock, random_.get()) {}

  Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers) override {
    net::Headers h(headers.begin(), headers.end());
    auto r = client_.Get(url, h);
    if (!r.ok()) return r.errors();
    HttpResponse out;
    out.status = r.value().status;
    for (const auto& [name, value] : r.value().headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[lower] = value;
    }
    out.body = std::move(r.value().body);
    return out;
  }

 private:
  std::unique_ptr<net::Random> random_;
  net::HttpClient client_;
};

}  // namespace

std::unique_ptr<HttpGetter> MakeNetGetter(const std::string& subject, std::chrono::milliseconds timeout,
                                          int max_attempts, net::Clock* clock) {
  net::Options options;
  options.subject = subject;
  options.timeout = timeout;
  options.max_attempts = max_attempts;
  options.user_agent = "aasr-bot/0.1 (+outreach feed poller)";
  if (!clock) clock = net::SystemClock::Get();
  return std::make_unique<NetGetter>(std::move(options), clock, std::make_unique<net::SeededRandom>(
                                                                     static_cast<uint64_t>(timeout.count()) ^ 0x5eed));
}

}  // namespace aasr::outreach
