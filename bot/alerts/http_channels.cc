// The HTTP channels: signed JSON webhook, Slack and Discord incoming
// webhooks, Matrix rooms, ntfy topics. Each makes one attempt through the
// project's HttpClient (bot/net) and reads the service's own answer: its
// documented error words and its rate-limit waits.
#include <algorithm>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bot/alerts/channel.h"
#include "bot/net/form.h"
#include "bot/net/http_client.h"

namespace aasr::alerts {
namespace {

using nlohmann::json;

std::string Hex(const unsigned char* p, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += k[p[i] >> 4];
    out += k[p[i] & 15];
  }
  return out;
}

const char* PriorityWord(int p) {
  switch (p) {
    case 0: return "low";
    case 1: return "normal";
    case 2: return "high";
    default: return "urgent";
  }
}

// The common reading of an answer: 2xx ok; 429 and 5xx worth retrying; the
// service's wait from Retry-After when it sent one.
SendOutcome FromResponse(const net::Request& req, const net::Response& r, const std::string& subject,
                         net::WallTime now) {
  SendOutcome o;
  o.status = r.status;
  if (r.ok()) {
    o.ok = true;
    return o;
  }
  o.error = net::ResponseError(req, r, subject).message;
  o.retry = r.status == 429 || r.status == 408 || r.status >= 500 || r.status == 401 || r.status == 403 ||
            r.status == 404;
  if (auto wait = net::ParseRetryAfter(r.header("Retry-After"), now)) o.retry_after_ms = wait->count();
  return o;
}

class HttpChannel : public Channel {
 public:
  HttpChannel(const config::AlertChannel& c, const ChannelDeps& deps) : c_(c) {
    net::Options o;
    o.subject = "alert channel " + c.name;
    o.timeout = net::Millis(deps.timeout_ms);
    o.max_attempts = 1;  // the worker retries, with backoff, without holding other channels
    clock_ = deps.clock ? deps.clock : net::SystemClock::Get();
    if (!deps.random) own_random_ = std::make_unique<net::SeededRandom>(static_cast<uint64_t>(std::time(nullptr)));
    http_ = std::make_unique<net::HttpClient>(o, clock_, deps.random ? deps.random : own_random_.get());
  }

  SendOutcome Send(const Message& m) override {
    net::Request req = Build(m);
    auto r = http_->Send(req);
    if (!r.ok()) {
      SendOutcome o;
      o.error = r.errors().front().message;
      return o;
    }
    return Read(req, r.value());
  }

 protected:
  virtual net::Request Build(const Message& m) = 0;
  virtual SendOutcome Read(const net::Request& req, const net::Response& r) {
    return FromResponse(req, r, "alert channel " + c_.name, clock_->Now());
  }
  config::AlertChannel c_;
  net::Clock* clock_ = nullptr;

 private:
  std::unique_ptr<net::SeededRandom> own_random_;
  std::unique_ptr<net::HttpClient> http_;
};

// Generic JSON webhook: our own documented shape, signed.
class WebhookChannel : public HttpChannel {
 public:
  using HttpChannel::HttpChannel;

 protected:
  net::Request Build(const Message& m) override {
    json body = {{"id", m.key},       {"kind", m.kind},   {"title", m.title},
                 {"text", m.text},    {"link", m.link},   {"priority", PriorityWord(m.priority)},
                 {"crisis", m.crisis}, {"categories", m.tags}, {"count", m.count}};
    net::Request req;
    req.method = "POST";
    req.url = c_.url;
    req.body = body.dump();
    const int64_t t = std::chrono::duration_cast<std::chrono::seconds>(clock_->Now().time_since_epoch()).count();
    req.headers = {{"Content-Type", "application/json"},
                   {"Idempotency-Key", m.key},
                   {"X-AASR-Signature", WebhookSignature(c_.secret, t, req.body)}};
    return req;
  }
};

// Slack incoming webhook: POST {"text"}; answers "ok", or 400 invalid_payload
// / no_text, 403 action_prohibited, 404 channel_not_found, 410
// channel_is_archived, 429 with Retry-After.
class SlackChannel : public HttpChannel {
 public:
  using HttpChannel::HttpChannel;

 protected:
  net::Request Build(const Message& m) override {
    net::Request req;
    req.method = "POST";
    req.url = c_.url;
    req.body = json{{"text", "*" + m.title + "*\n" + m.text}}.dump();
    req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", m.key}};
    return req;
  }
  SendOutcome Read(const net::Request& req, const net::Response& r) override {
    SendOutcome o = HttpChannel::Read(req, r);
    if (!o.ok) {
      o.error = "Slack answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
      // A malformed message stays malformed; a channel archived stays archived until someone acts.
      if (r.status == 400 || r.status == 413) o.retry = false;
    }
    return o;
  }
};

// Discord webhook execute: POST {"content"} with ?wait=true (200 and the
// message) — a 429 carries JSON {"message","retry_after" (seconds),"global"}.
class DiscordChannel : public HttpChannel {
 public:
  using HttpChannel::HttpChannel;

 protected:
  net::Request Build(const Message& m) override {
    net::Request req;
    req.method = "POST";
    req.url = c_.url + (c_.url.find('?') == std::string::npos ? "?wait=true" : "&wait=true");
    std::string content = "**" + m.title + "**\n" + m.text;
    if (content.size() > 2000) content = content.substr(0, 1990) + "…";  // Discord's limit: 2000 characters
    // Nobody is pinged by what a comment says.
    req.body = json{{"content", content}, {"allowed_mentions", {{"parse", json::array()}}}}.dump();
    req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", m.key}};
    return req;
  }
  SendOutcome Read(const net::Request& req, const net::Response& r) override {
    SendOutcome o = HttpChannel::Read(req, r);
    if (o.ok) return o;
    json j = json::parse(r.body, nullptr, false);
    if (j.is_object()) {
      if (j.contains("retry_after") && j["retry_after"].is_number())
        o.retry_after_ms = static_cast<int64_t>(std::ceil(j["retry_after"].get<double>() * 1000));
      if (j.contains("message") && j["message"].is_string())
        o.error = "Discord answered HTTP " + std::to_string(r.status) + ": " + j["message"].get<std::string>() +
                  (j.contains("code") ? " (code " + j["code"].dump() + ")" : "");
    }
    if (r.status == 400) o.retry = false;
    return o;
  }
};

// Matrix: PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId};
// the txnId is the dedupe key, so a resend is the same event. 429
// M_LIMIT_EXCEEDED carries retry_after_ms.
class MatrixChannel : public HttpChannel {
 public:
  using HttpChannel::HttpChannel;

 protected:
  net::Request Build(const Message& m) override {
    net::Request req;
    req.method = "PUT";
    req.url = c_.url + "/_matrix/client/v3/rooms/" + net::UrlEncode(c_.room) + "/send/m.room.message/" +
              net::UrlEncode(m.key);
    req.body = json{{"msgtype", m.priority >= 3 || m.crisis ? "m.text" : "m.notice"},
                    {"body", m.title + "\n" + m.text}}
                   .dump();
    req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + c_.token}};
    return req;
  }
  SendOutcome Read(const net::Request& req, const net::Response& r) override {
    SendOutcome o = HttpChannel::Read(req, r);
    if (o.ok) return o;
    json j = json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("errcode")) {
      std::string code = j["errcode"].is_string() ? j["errcode"].get<std::string>() : "";
      o.error = "Matrix answered HTTP " + std::to_string(r.status) + ": " + code +
                (j.contains("error") && j["error"].is_string() ? " " + j["error"].get<std::string>() : "");
      if (j.contains("retry_after_ms") && j["retry_after_ms"].is_number_integer())
        o.retry_after_ms = std::max<int64_t>(o.retry_after_ms, j["retry_after_ms"].get<int64_t>());
      if (code == "M_BAD_JSON" || code == "M_NOT_JSON" || code == "M_TOO_LARGE") o.retry = false;
    }
    return o;
  }
};

// ASCII stays; anything else becomes an RFC 2047 encoded word, which ntfy
// decodes in its headers.
std::string HeaderText(const std::string& s) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char ch) {
    auto u = static_cast<unsigned char>(ch);
    return u >= 0x20 && u < 0x7f;
  });
  if (ascii) return s;
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n));
  return "=?UTF-8?B?" + out + "?=";
}

// ntfy: POST /{topic} with the message as the body and Title, Priority
// (1..5), Tags, Click headers; 429 {"code":42901,"http":429,"error":...}.
class NtfyChannel : public HttpChannel {
 public:
  using HttpChannel::HttpChannel;

 protected:
  net::Request Build(const Message& m) override {
    net::Request req;
    req.method = "POST";
    req.url = c_.url;
    req.body = m.text;
    std::string tags = m.crisis ? "rotating_light" : "warning";
    for (const auto& t : m.tags) tags += "," + t;
    int prio = m.crisis || m.priority >= 3 ? 5 : m.priority == 2 ? 4 : 3;
    req.headers = {{"Content-Type", "text/plain; charset=utf-8"},
                   {"Title", HeaderText(m.title)},
                   {"Priority", std::to_string(prio)},
                   {"Tags", tags},
                   {"Click", m.link},
                   {"Idempotency-Key", m.key}};
    if (!c_.token.empty()) req.headers.push_back({"Authorization", "Bearer " + c_.token});
    return req;
  }
  SendOutcome Read(const net::Request& req, const net::Response& r) override {
    SendOutcome o = HttpChannel::Read(req, r);
    if (o.ok) return o;
    json j = json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
      o.error = "ntfy answered HTTP " + std::to_string(r.status) + ": " + j["error"].get<std::string>() +
                (j.contains("code") ? " (code " + j["code"].dump() + ")" : "");
    if (r.status == 400 || r.status == 413) o.retry = false;
    return o;
  }
};

}  // namespace

std::unique_ptr<Channel> MakeSmtpChannel(const config::AlertChannel& c, const ChannelDeps& deps);

std::string WebhookSignature(const std::string& secret, int64_t unix_seconds, const std::string& body) {
  const std::string signed_text = std::to_string(unix_seconds) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  return "t=" + std::to_string(unix_seconds) + ",v1=" + Hex(mac, len);
}

std::unique_ptr<Channel> MakeChannel(const config::AlertChannel& c, const ChannelDeps& deps) {
  switch (c.kind) {
    case config::ChannelKind::kEmail: return MakeSmtpChannel(c, deps);
    case config::ChannelKind::kWebhook: return std::make_unique<WebhookChannel>(c, deps);
    case config::ChannelKind::kSlack: return std::make_unique<SlackChannel>(c, deps);
    case config::ChannelKind::kDiscord: return std::make_unique<DiscordChannel>(c, deps);
    case config::ChannelKind::kMatrix: return std::make_unique<MatrixChannel>(c, deps);
    case config::ChannelKind::kNtfy: return std::make_unique<NtfyChannel>(c, deps);
  }
  return nullptr;
}

}  // namespace aasr::alerts
