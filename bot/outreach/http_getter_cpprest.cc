// The feed poller's transport on cpprestsdk, kept to this one file so it can
// move onto the shared bot/net client without touching the poller.
#include <cctype>

#include <cpprest/http_client.h>

#include "bot/outreach/http_getter.h"

namespace aasr::outreach {
namespace {

class CpprestGetter : public HttpGetter {
 public:
  explicit CpprestGetter(std::chrono::seconds timeout) : timeout_(timeout) {}

  Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers) override {
    try {
      web::http::client::http_client_config config;
      config.set_timeout(timeout_);
      web::http::client::http_client client(web::uri(url), config);
      web::http::http_request request(web::http::methods::GET);
      request.headers().add("User-Agent", "aasr-bot/0.1 (+outreach feed poller)");
      for (const auto& [name, value] : headers) request.headers().add(name, value);
      web::http::http_response response = client.request(request).get();
      HttpResponse out;
      out.status = response.status_code();
      for (const auto& [name, value] : response.headers()) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[lower] = value;
      }
      const auto bytes = response.extract_vector().get();
      out.body.assign(bytes.begin(), bytes.end());
      return out;
    } catch (const std::exception& e) {
      return Error{{url, 0, 0}, "", std::string("GET failed: ") + e.what()};
    }
  }

 private:
  std::chrono::seconds timeout_;
};

}  // namespace

std::unique_ptr<HttpGetter> MakeCpprestGetter(std::chrono::seconds timeout) {
  return std::make_unique<CpprestGetter>(timeout);
}

}  // namespace aasr::outreach
