// An in-memory Platform that behaves like a real one for the outbox: it keeps
// what was published by idempotency key (a second Publish with the same key
// returns the first post, as Mastodon's Idempotency-Key does), answers
// FindPublished from that record, and can be told to fail the next calls or
// to "crash" right after the post went out (it throws after recording, so
// the caller never gets to write its own record).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/platforms/platform.h"

namespace aasr::outreach::testing {

struct SimulatedCrash : std::runtime_error {
  SimulatedCrash() : std::runtime_error("simulated crash after the platform accepted the post") {}
};

class FakePlatform : public platforms::Platform {
 public:
  explicit FakePlatform(std::string name = "mastodon") : name_(std::move(name)) {}

  using platforms::Platform::FindPublished;
  std::string name() const override { return name_; }
  platforms::Capabilities capabilities() const override { return {}; }
  Status CheckCredentials() override { return Ok{}; }

  Result<platforms::Published> Publish(const platforms::ComposedPost& post) override {
    ++publish_calls;
    if (fail_next > 0) {
      --fail_next;
      return Error{{"https://masto.example/api/v1/statuses", 0, 0}, "account " + post.account, fail_message,
                   fail_code};
    }
    auto it = by_key.find(post.idempotency_key);
    if (it == by_key.end()) {
      const std::string id = std::to_string(100 + posts.size());
      platforms::Published p{id, "https://masto.example/@aasr/" + id};
      posts.push_back(post);
      it = by_key.emplace(post.idempotency_key, p).first;
    }
    if (crash_after_send) {
      crash_after_send = false;
      throw SimulatedCrash();
    }
    return it->second;
  }

  Result<std::optional<platforms::Published>> FindPublished(const std::string& key) override {
    ++find_calls;
    if (find_fails) return Error{{}, "", "HTTP 502 while looking up the post"};
    auto it = by_key.find(key);
    if (it == by_key.end()) return std::optional<platforms::Published>();
    return std::optional<platforms::Published>(it->second);
  }

  Result<platforms::CommentBatch> FetchComments(const std::string&) override { return platforms::CommentBatch{}; }
  Status Moderate(platforms::ModerationAction, const platforms::FetchedComment&) override {
    return Error{{}, "", "not supported by the fake"};
  }

  // What the "server" holds.
  std::vector<platforms::ComposedPost> posts;
  std::map<std::string, platforms::Published> by_key;
  int publish_calls = 0;
  int find_calls = 0;
  int fail_next = 0;
  // What the failing calls answer; the code is what an adapter sets
  // (net::CodeForStatus for a plain HTTP error).
  std::string fail_message = "HTTP 503: Service Unavailable";
  ErrorCode fail_code = ErrorCode::kTransient;
  bool crash_after_send = false;
  bool find_fails = false;

 private:
  std::string name_;
};

}  // namespace aasr::outreach::testing
