// The feed poller's transport on the one shared HTTP client (bot/net):
// timeouts, retries with backoff and jitter on 5xx and resets, 429 handling,
// redaction of secrets in errors.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/net/http_client.h"
#include "bot/outreach/http_getter.h"

namespace aasr::outreach {
namespace {

class NetGetter : public HttpGetter {
 public:
  NetGetter(net::Options options, net::Clock* clock, std::unique_ptr<net::Random> random)
      : random_(std::move(random)), client_(std::move(options), clock, random_.get()) {}

  Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers) override {
    if (url.rfind("file:", 0) == 0) return GetFile(url, headers);
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
  // A feed on disk ("file:posts/samples/stories.rss", "file:///srv/feed.xml"),
  // for the embedded default and for trying a feed before it is online. The
  // ETag is the file's size and modification time, so an unchanged file
  // answers 304 like a web server would.
  static Result<HttpResponse> GetFile(const std::string& url, const HttpHeaders& headers) {
    std::string path = url.substr(5);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const auto mtime = ec ? std::filesystem::file_time_type{} : std::filesystem::last_write_time(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) return Error{{path, 0, 0}, "feed", "cannot read the feed file"};
    const std::string etag =
        "\"" + std::to_string(size) + "-" + std::to_string(mtime.time_since_epoch().count()) + "\"";
    HttpResponse out;
    out.headers["etag"] = etag;
    for (const auto& [name, value] : headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "if-none-match" && value == etag) {
        out.status = 304;
        return out;
      }
    }
    std::stringstream body;
    body << in.rdbuf();
    out.status = 200;
    out.body = body.str();
    return out;
  }

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
