// Channel: one place alerts go (e-mail, a signed JSON webhook, Slack,
// Discord, Matrix, ntfy), behind one call.
//
// Promises: Send() makes ONE attempt (the outbox worker owns retries and
// backoff, so a failing channel only ever delays itself) and carries the
// message's dedupe key the way the service dedupes: Matrix's txnId, the
// `Idempotency-Key` header of webhooks, the Message-ID of mail. A resend
// after a crash is therefore harmless where the service honours it.
// The outcome says whether trying again can help (`retry`) and when the
// service asked to be called again (Slack's Retry-After, Discord's JSON
// `retry_after` seconds, Matrix's M_LIMIT_EXCEEDED `retry_after_ms`, ntfy's
// 429). Secrets (tokens, webhook URLs, passwords) never appear in `error`.
// Thread safety: one thread per channel calls Send.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bot/alerts/alert.h"
#include "bot/config/config.h"
#include "bot/net/clock.h"

namespace aasr::alerts {

struct SendOutcome {
  bool ok = false;
  bool retry = true;           // false: this message can never go out (e.g. Slack invalid_payload)
  int64_t retry_after_ms = 0;  // the service's own wait, when it gave one
  std::string error;           // for people and /healthz; no secrets
  int status = 0;              // HTTP status or SMTP response code when known
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual SendOutcome Send(const Message& m) = 0;
};

struct ChannelDeps {
  net::Clock* clock = nullptr;    // the HTTP layer's; default: the system clock
  net::Random* random = nullptr;  // default: seeded from the clock
  int timeout_ms = 10000;         // per attempt
  std::string hostname = "aasr-bot.localhost";  // the right side of Message-IDs
};

std::unique_ptr<Channel> MakeChannel(const config::AlertChannel& c, const ChannelDeps& deps);

// Request bodies and headers, exposed for tests and documentation.
// Webhook signature: X-AASR-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
std::string WebhookSignature(const std::string& secret, int64_t unix_seconds, const std::string& body);
// The RFC 5322 message curl sends for e-mail (CRLF line ends, dot-safe).
std::string MailText(const config::AlertChannel& c, const Message& m, int64_t now_ms, const std::string& hostname);

}  // namespace aasr::alerts
