#include "bot/net/json_api.h"

#include <algorithm>
#include <utility>

namespace aasr::net {

JsonApi::JsonApi(HttpClient* http, std::string subject, JsonApiHooks hooks)
    : http_(http), subject_(std::move(subject)), hooks_(std::move(hooks)) {}

Result<Response> JsonApi::Send(const Request& request) {
  for (int round = 0;; ++round) {
    Request r = request;
    if (hooks_.prepare) {
      Status s = hooks_.prepare(&r);
      if (!s.ok()) return s.errors();
    }
    auto resp = http_->Send(r);
    if (!resp.ok()) return resp;
    if (hooks_.observe) hooks_.observe(r, resp.value());
    // Only once: a second stale answer right after renewing is the answer.
    if (round > 0 || !hooks_.again) return resp;
    auto again = hooks_.again(resp.value());
    if (!again.ok()) return again.errors();
    if (!again.value()) return resp;
  }
}

Error JsonApi::Refused(const Request& request, const Response& response) const {
  Error e = ResponseError(request, response, subject_);
  if (hooks_.refine) hooks_.refine(response, &e);
  return e;
}

Result<nlohmann::json> JsonApi::Parse(const Request& request, const Response& response) const {
  if (response.body.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_discarded()) {
    return Error{{Describe(request)}, subject_, "malformed answer: not valid JSON (truncated?)", ErrorCode::kTransient};
  }
  return j;
}

Result<nlohmann::json> JsonApi::Call(const Request& request, std::initializer_list<int> ok) {
  auto resp = Send(request);
  if (!resp.ok()) return resp.errors();
  const Response& r = resp.value();
  const bool accepted = ok.size() == 0 ? r.ok() : std::find(ok.begin(), ok.end(), r.status) != ok.end();
  if (!accepted) return Refused(request, r);
  return Parse(request, r);
}

}  // namespace aasr::net
