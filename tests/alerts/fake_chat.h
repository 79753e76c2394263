// Fakes of the chat and push services alerts go to, on loopback, speaking
// their documented request shapes and answering their documented errors:
//   Slack incoming webhook   POST /services/T…/B…/…  {"text"} -> 200 "ok";
//                            400 invalid_payload / no_text; 429 + Retry-After
//   Discord webhook execute  POST /api/webhooks/{id}/{token}?wait=true {"content"}
//                            -> 200 message JSON; 400 {"message","code":50006};
//                            429 {"message","retry_after" (seconds),"global"}
//   Matrix                   PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}
//                            Bearer token (401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN);
//                            the same txnId is the same event; 429 M_LIMIT_EXCEEDED retry_after_ms
//   ntfy                     POST /{topic}, Title/Priority/Tags/Click -> 200 message JSON;
//                            400 {"code":40007,...} bad priority; 429 {"code":42901,...}
//   webhook                  POST, Idempotency-Key, X-AASR-Signature checked with the secret
// A fake counts each message it ACCEPTED once per dedupe key (Matrix: txnId;
// others: Idempotency-Key), and records any request that broke the shape.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tests/net/loopback_server.h"

namespace aasr::testing {

class FakeChat {
 public:
  enum class Kind { kSlack, kDiscord, kMatrix, kNtfy, kWebhook };
  enum class Mode { kOk, kDown, kRateLimited, kRefuse };  // kRefuse: Slack/Discord 400 as for a malformed message
  FakeChat(Kind kind, std::string secret = "");

  std::string url() const;  // what the channel is configured with
  void set_mode(Mode m) { mode_.store(m); }
  // Accepted messages per dedupe key (a key seen twice counts 2: a resend).
  std::map<std::string, int> accepted();
  std::vector<std::string> accepted_bodies();
  std::vector<ServerRequest> requests() { return server_.requests(); }
  std::vector<std::string> violations();  // shape errors seen; must stay empty
  int answers_with(int status);

 private:
  ServerResponse Handle(const ServerRequest& r);
  Kind kind_;
  std::string secret_;
  std::atomic<Mode> mode_{Mode::kOk};
  std::mutex mu_;
  std::map<std::string, int> accepted_;
  std::vector<std::string> bodies_;
  std::vector<std::string> violations_;
  std::map<int, int> statuses_;
  std::map<std::string, std::string> matrix_events_;  // txnId -> event_id
  LoopbackServer server_;
};

}  // namespace aasr::testing
