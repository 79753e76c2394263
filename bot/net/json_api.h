// JsonApi: the one send-and-parse path for the JSON APIs the adapters call
// (Mastodon's REST API, AT Protocol XRPC, the Graph API). An adapter composes
// one and gives it the platform's own rules as hooks, instead of keeping a
// copy of send, check the status, turn a refusal into an Error, parse.
//
//   net::JsonApi api(&http, "aasr-masto", {.prepare = add_bearer});
//   Result<json> me = api.Call(request);               // any 2xx, JSON
//   Result<json> media = api.Call(upload, {200, 202});  // these statuses only
//   Result<Response> raw = api.Send(poll);              // 206 is the caller's to read
//
// Promises:
//  - Every request goes through the HttpClient (pacing, retries, redaction:
//    http_client.h); JsonApi adds no retries of its own except the one
//    `again` asks for (a renewed session), at most once per call.
//  - Call() answers the parsed body of an accepted answer (an empty body is
//    {}); a body that is not JSON is an Error with kTransient (a truncated
//    answer: the same call may work later), never a half-read value.
//  - Any other answer is an Error from ResponseError() (the platform's own
//    message, redacted) whose code is CodeForStatus(), refined by `refine`
//    (a Graph code 190 is kAuth whatever the status).
//  - `prepare` runs before every attempt and may refuse at once (a throttle
//    the platform announced, no session); `observe` sees every answer,
//    accepted or not, before it is judged (usage headers).
// Thread safety: as the hooks are; the adapters use one per account thread.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/net/http_client.h"

namespace aasr::net {

struct JsonApiHooks {
  // Before each attempt: add credentials, or refuse (the Error is returned).
  std::function<Status(Request*)> prepare;
  // After an answer: true to send the request once more (the adapter has
  // renewed what the answer said was stale); an Error ends the call.
  std::function<Result<bool>(const Response&)> again;
  // Every answer, before it is judged.
  std::function<void(const Request&, const Response&)> observe;
  // A refused answer's Error, to refine its code or message.
  std::function<void(const Response&, Error*)> refine;
};

class JsonApi {
 public:
  JsonApi(HttpClient* http, std::string subject, JsonApiHooks hooks = {});

  // The answer whatever its status (after prepare, observe and again).
  Result<Response> Send(const Request& request);

  // The JSON body of an answer whose status is in `ok` (empty: any 2xx).
  Result<nlohmann::json> Call(const Request& request, std::initializer_list<int> ok = {});

  // The Error for an answer not accepted: the platform's message, the code.
  Error Refused(const Request& request, const Response& response) const;
  // The JSON of an accepted answer's body; {} for an empty one.
  Result<nlohmann::json> Parse(const Request& request, const Response& response) const;

  const std::string& subject() const { return subject_; }

 private:
  HttpClient* http_;
  std::string subject_;
  JsonApiHooks hooks_;
};

}  // namespace aasr::net
