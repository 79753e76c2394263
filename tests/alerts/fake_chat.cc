#include "tests/alerts/fake_chat.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bot/alerts/channel.h"
#include "bot/net/form.h"

namespace aasr::testing {
namespace {

using nlohmann::json;

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace

FakeChat::FakeChat(Kind kind, std::string secret)
    : kind_(kind), secret_(std::move(secret)), server_([this](const ServerRequest& r) { return Handle(r); }) {}

std::string FakeChat::url() const {
  switch (kind_) {
    case Kind::kSlack: return server_.base_url() + "/services/T0001/B0001/abcdefXYZ";
    case Kind::kDiscord: return server_.base_url() + "/api/webhooks/1234567890/tok-en_value";
    case Kind::kMatrix: return server_.base_url();
    case Kind::kNtfy: return server_.base_url() + "/aasr-oncall";
    case Kind::kWebhook: return server_.base_url() + "/hooks/aasr";
  }
  return "";
}

std::map<std::string, int> FakeChat::accepted() {
  std::lock_guard<std::mutex> l(mu_);
  return accepted_;
}
std::vector<std::string> FakeChat::accepted_bodies() {
  std::lock_guard<std::mutex> l(mu_);
  return bodies_;
}
std::vector<std::string> FakeChat::violations() {
  std::lock_guard<std::mutex> l(mu_);
  return violations_;
}
int FakeChat::answers_with(int status) {
  std::lock_guard<std::mutex> l(mu_);
  return statuses_[status];
}

ServerResponse FakeChat::Handle(const ServerRequest& r) {
  ServerResponse out;
  auto violation = [&](const std::string& why) {
    violations_.push_back(why);
  };
  std::lock_guard<std::mutex> l(mu_);
  const Mode mode = mode_.load();
  switch (kind_) {
    case Kind::kSlack: {
      if (r.method != "POST" || r.path != "/services/T0001/B0001/abcdefXYZ") violation("slack: " + r.method + " " + r.path);
      if (!StartsWith(r.header("Content-Type"), "application/json")) violation("slack: content type");
      if (mode == Mode::kDown) { out.status = 503; out.body = "service unavailable"; statuses_[503]++; return out; }
      if (mode == Mode::kRateLimited) {
        out.status = 429;
        out.headers = {{"Retry-After", "30"}};
        out.body = "rate_limited";
        statuses_[429]++;
        return out;
      }
      json j = json::parse(r.body, nullptr, false);
      if (!j.is_object() || mode == Mode::kRefuse) { out.status = 400; out.body = "invalid_payload"; statuses_[400]++; return out; }
      if (!j.contains("text") || !j["text"].is_string() || j["text"].get<std::string>().empty()) {
        out.status = 400; out.body = "no_text"; statuses_[400]++; return out;
      }
      accepted_[r.header("Idempotency-Key")]++;
      bodies_.push_back(j["text"].get<std::string>());
      out.status = 200;
      out.headers = {{"Content-Type", "text/html"}};
      out.body = "ok";
      statuses_[200]++;
      return out;
    }
    case Kind::kDiscord: {
      if (r.method != "POST" || r.path != "/api/webhooks/1234567890/tok-en_value") violation("discord: " + r.method + " " + r.path);
      if (r.target.find("wait=true") == std::string::npos) violation("discord: no wait=true");
      if (mode == Mode::kDown) { out.status = 502; out.body = "bad gateway"; statuses_[502]++; return out; }
      if (mode == Mode::kRateLimited) {
        out = ServerResponse::Json(429, R"({"message": "You are being rate limited.", "retry_after": 2.5, "global": false})");
        out.headers.push_back({"Retry-After", "3"});
        statuses_[429]++;
        return out;
      }
      json j = json::parse(r.body, nullptr, false);
      if (mode == Mode::kRefuse || !j.is_object() || !j.contains("content") || !j["content"].is_string() || j["content"].get<std::string>().empty()) {
        out = ServerResponse::Json(400, R"({"message": "Cannot send an empty message", "code": 50006})");
        statuses_[400]++;
        return out;
      }
      if (j["content"].get<std::string>().size() > 2000 * 4) violation("discord: content over 2000 characters");
      if (!j.contains("allowed_mentions")) violation("discord: allowed_mentions missing (a comment could ping)");
      accepted_[r.header("Idempotency-Key")]++;
      bodies_.push_back(j["content"].get<std::string>());
      out = ServerResponse::Json(200, json{{"id", std::to_string(1000 + bodies_.size())}, {"type", 0},
                                           {"content", j["content"]}, {"channel_id", "42"}}.dump());
      statuses_[200]++;
      return out;
    }
    case Kind::kMatrix: {
      const std::string prefix = "/_matrix/client/v3/rooms/";
      std::string path = r.path;
      if (r.method != "PUT" || !StartsWith(path, prefix)) violation("matrix: " + r.method + " " + path);
      std::string rest = path.substr(std::min(path.size(), prefix.size()));
      const std::string mid = "/send/m.room.message/";
      size_t at = rest.find(mid);
      std::string room = at == std::string::npos ? "" : net::UrlDecode(rest.substr(0, at));
      std::string txn = at == std::string::npos ? "" : net::UrlDecode(rest.substr(at + mid.size()));
      if (room != "!alerts:example.org") violation("matrix: room " + room);
      if (txn.empty()) violation("matrix: no txnId");
      std::string auth = r.header("Authorization");
      if (auth.empty()) {
        out = ServerResponse::Json(401, R"({"errcode":"M_MISSING_TOKEN","error":"Missing access token"})");
        statuses_[401]++;
        return out;
      }
      if (auth != "Bearer syt_matrix_token") {
        out = ServerResponse::Json(401, R"({"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false})");
        statuses_[401]++;
        return out;
      }
      if (mode == Mode::kDown) { out.status = 503; out.body = "<html>down</html>"; statuses_[503]++; return out; }
      if (mode == Mode::kRateLimited) {
        out = ServerResponse::Json(429, R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":20000})");
        statuses_[429]++;
        return out;
      }
      json j = json::parse(r.body, nullptr, false);
      if (!j.is_object() || !j.contains("msgtype") || !j.contains("body")) {
        out = ServerResponse::Json(400, R"({"errcode":"M_BAD_JSON","error":"msgtype and body required"})");
        statuses_[400]++;
        return out;
      }
      // The spec: a repeated txnId returns the first event and sends nothing new.
      auto it = matrix_events_.find(txn);
      if (it == matrix_events_.end()) {
        it = matrix_events_.emplace(txn, "$ev" + std::to_string(matrix_events_.size() + 1)).first;
        accepted_[txn]++;
        bodies_.push_back(j["body"].get<std::string>());
      }
      out = ServerResponse::Json(200, json{{"event_id", it->second}}.dump());
      statuses_[200]++;
      return out;
    }
    case Kind::kNtfy: {
      if (r.method != "POST" || r.path != "/aasr-oncall") violation("ntfy: " + r.method + " " + r.path);
      std::string prio = r.header("Priority");
      if (mode == Mode::kDown) { out.status = 500; out.body = "internal error"; statuses_[500]++; return out; }
      if (mode == Mode::kRateLimited) {
        out = ServerResponse::Json(429, R"({"code":42901,"http":429,"error":"limit reached: too many requests, please be nice","link":"https://ntfy.sh/docs/publish/#limitations"})");
        statuses_[429]++;
        return out;
      }
      static const std::vector<std::string> ok_prio = {"", "1", "2", "3", "4", "5", "min", "low", "default", "high", "urgent", "max"};
      if (std::find(ok_prio.begin(), ok_prio.end(), prio) == ok_prio.end()) {
        out = ServerResponse::Json(400, R"({"code":40007,"http":400,"error":"invalid request: priority invalid","link":"https://ntfy.sh/docs/publish/#message-priority"})");
        statuses_[400]++;
        return out;
      }
      if (r.header("Title").empty()) violation("ntfy: no Title");
      if (r.header("Click").empty()) violation("ntfy: no Click");
      for (const auto& [k, v] : r.headers)
        for (char ch : v)
          if (static_cast<unsigned char>(ch) >= 0x80) violation("ntfy: non-ASCII header " + k);
      accepted_[r.header("Idempotency-Key")]++;
      bodies_.push_back(r.body);
      out = ServerResponse::Json(200, json{{"id", "m" + std::to_string(bodies_.size())}, {"time", 1790000000},
                                           {"event", "message"}, {"topic", "aasr-oncall"}, {"message", r.body}}.dump());
      statuses_[200]++;
      return out;
    }
    case Kind::kWebhook: {
      if (r.method != "POST" || r.path != "/hooks/aasr") violation("webhook: " + r.method + " " + r.path);
      std::string sig = r.header("X-AASR-Signature");
      size_t comma = sig.find(',');
      if (!StartsWith(sig, "t=") || comma == std::string::npos) {
        violation("webhook: signature header " + sig);
      } else {
        int64_t t = std::stoll(sig.substr(2, comma - 2));
        if (alerts::WebhookSignature(secret_, t, r.body) != sig) {
          out = ServerResponse::Json(401, R"({"error":"bad signature"})");
          statuses_[401]++;
          return out;
        }
      }
      if (r.header("Idempotency-Key").empty()) violation("webhook: no Idempotency-Key");
      if (mode == Mode::kDown) { out.status = 503; statuses_[503]++; return out; }
      if (mode == Mode::kRateLimited) {
        out.status = 429; out.headers = {{"Retry-After", "10"}}; statuses_[429]++; return out;
      }
      if (json::parse(r.body, nullptr, false).is_discarded()) violation("webhook: body not JSON");
      accepted_[r.header("Idempotency-Key")]++;
      bodies_.push_back(r.body);
      out.status = 204;
      statuses_[204]++;
      return out;
    }
  }
  return out;
}

}  // namespace aasr::testing
