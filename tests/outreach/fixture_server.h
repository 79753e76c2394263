// A real HTTP server on 127.0.0.1 (cpprestsdk http_listener) serving feed
// bodies that a test can change between polls. It implements conditional GET
// as a web server does: If-None-Match matching the current ETag, or
// If-Modified-Since equal to the current Last-Modified, answers 304 with no
// body. It records every request's headers so tests can assert what a real
// server would have seen. Ports come from a range reserved for outreach
// tests (39400-39499); the first free one is used.
#pragma once

#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <cpprest/http_listener.h>

#include "bot/net/clock.h"
#include "bot/outreach/http_getter.h"
#include "aasr/build_paths.h"

namespace aasr::outreach::testing {

// A body as bytes, not set_body(std::string): that overload goes through
// cpprestsdk's streambuf<char> -> streambuf<uint8_t> cast, which UBSan's vptr
// check reports (see bot/net/http_client.cc).
inline void SetBytes(web::http::http_response* response, const std::string& body, const std::string& type) {
  response->set_body(std::vector<unsigned char>(body.begin(), body.end()));
  response->headers().set_content_type(type);
}

struct ServedFile {
  std::string body;
  std::string content_type = "application/rss+xml; charset=UTF-8";
  std::string etag;           // empty: none sent
  std::string last_modified;  // empty: none sent
  int status = 200;
};

struct SeenRequest {
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  int answered = 0;
};

// The production getter on the shared HTTP client, with a fake clock so
// retry backoff costs no time in tests.
inline std::unique_ptr<HttpGetter> TestGetter() {
  static net::FakeClock clock(std::chrono::system_clock::now());
  return MakeNetGetter("test feed", std::chrono::seconds(5), 3, &clock);
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(AASR_OUTREACH_FIXTURES) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FixtureServer {
 public:
  FixtureServer() {
    for (int port = 39400; port < 39500; ++port) {
      try {
        base_ = "http://127.0.0.1:" + std::to_string(port);
        listener_ = std::make_unique<web::http::experimental::listener::http_listener>(base_);
        listener_->support([this](web::http::http_request r) { Handle(r); });
        listener_->open().wait();
        return;
      } catch (const std::exception&) {
        listener_.reset();
      }
    }
    throw std::runtime_error("no free port in 39400-39499");
  }
  ~FixtureServer() {
    if (listener_) listener_->close().wait();
  }

  std::string Url(const std::string& path) const { return base_ + path; }

  void Serve(const std::string& path, ServedFile file) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path] = std::move(file);
  }

  std::vector<SeenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Handle(web::http::http_request r) {
    SeenRequest seen;
    seen.path = r.relative_uri().path();
    for (const auto& [name, value] : r.headers()) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      seen.headers[lower] = value;
    }
    web::http::http_response response;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = files_.find(seen.path);
      if (it == files_.end()) {
        response.set_status_code(404);
        SetBytes(&response, "not found", "text/plain");
      } else {
        const ServedFile& f = it->second;
        const bool etag_match = !f.etag.empty() && seen.headers.count("if-none-match") &&
                                seen.headers["if-none-match"] == f.etag;
        const bool date_match = !f.last_modified.empty() && !seen.headers.count("if-none-match") &&
                                seen.headers.count("if-modified-since") &&
                                seen.headers["if-modified-since"] == f.last_modified;
        if (f.status == 200 && (etag_match || date_match)) {
          response.set_status_code(304);
        } else {
          response.set_status_code(f.status);
          SetBytes(&response, f.body, f.content_type);
        }
        if (!f.etag.empty()) response.headers().add("ETag", f.etag);
        if (!f.last_modified.empty()) response.headers().add("Last-Modified", f.last_modified);
      }
      seen.answered = response.status_code();
      requests_.push_back(seen);
    }
    r.reply(response).wait();
  }

  std::string base_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
  mutable std::mutex mu_;
  std::map<std::string, ServedFile> files_;
  std::vector<SeenRequest> requests_;
};

}  // namespace aasr::outreach::testing
