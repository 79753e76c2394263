#include "bot/review/routes.h"

#include <charconv>
#include <stdexcept>

#include "bot/review/passwords.h"

namespace aasr::review {

using nlohmann::json;

Response JsonResponse(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

Response ErrorResponse(int status, const std::string& code, const std::string& message) {
  return JsonResponse(status, json{{"error", message}, {"code", code}});
}

Result<json> ParseJsonBody(const Request& r) {
  if (r.body.empty()) return json::object();
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return Error{{"request body", 0, 0}, "", "request body is not valid JSON"};
  if (!j.is_object()) return Error{{"request body", 0, 0}, "", "request body must be a JSON object"};
  return j;
}

std::optional<int64_t> ParseId(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::vector<std::string> SplitString(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

namespace {

bool IsParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool PathMatches(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (path[i].empty()) return false;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

// Literal segments beat {name} ones: /api/items/recent over /api/items/{id}.
int Specificity(const std::vector<std::string>& pattern) {
  int n = 0;
  for (const auto& s : pattern) n += !IsParam(s);
  return n;
}

}  // namespace

void RouteTable::Add(Route route) {
  Compiled c{std::move(route), {}};
  c.segments = SplitString(c.route.pattern, '/');
  for (const auto& other : routes_)
    if (other.route.method == c.route.method && other.segments == c.segments)
      throw std::logic_error("route added twice: " + c.route.method + " " + c.route.pattern);
  routes_.push_back(std::move(c));
}

Response RouteTable::Dispatch(const Request& r) const {
  const std::vector<std::string> path = SplitString(r.path, '/');
  const Compiled* found = nullptr;
  std::vector<const Compiled*> other_methods;
  for (const auto& c : routes_) {
    if (!PathMatches(c.segments, path)) continue;
    if (c.route.method != r.method) {
      other_methods.push_back(&c);
      continue;
    }
    if (!found || Specificity(c.segments) > Specificity(found->segments)) found = &c;
  }
  bool public_only = found ? found->route.access == Access::kPublic : !other_methods.empty();
  for (const Compiled* c : other_methods) public_only &= c->route.access == Access::kPublic;

  const bool writes = r.method != "GET" && r.method != "HEAD";
  if (writes && write_guard_ && (found || !other_methods.empty()))
    if (auto refusal = write_guard_(r)) return *refusal;
  store::Session session;
  if (!public_only) {
    Response refusal;
    auto s = authenticate_(r, &refusal);
    if (!s) return refusal;
    session = *s;
    if (writes &&
        !SafeEquals(r.Header("x-csrf-token"), session.csrf))
      return ErrorResponse(403, "csrf", "missing or wrong X-CSRF-Token header");
  }
  if (!found) {
    // Another method on a public path (GET /api/login) is named; on any
    // other path it is just not a route.
    if (other_methods.empty() || !public_only)
      return ErrorResponse(404, "not_found", "no route " + r.method + " " + r.path);
    std::string allow;
    for (const Compiled* c : other_methods)
      if (allow.find(c->route.method) == std::string::npos)
        allow += (allow.empty() ? "" : ", ") + c->route.method;
    Response resp = ErrorResponse(405, "method", "use " + allow);
    resp.headers.push_back({"Allow", allow});
    return resp;
  }
  Call call{r, session, {}, 0};
  for (size_t i = 0; i < found->segments.size(); ++i) {
    const std::string& seg = found->segments[i];
    if (!IsParam(seg)) continue;
    const std::string name = seg.substr(1, seg.size() - 2);
    call.params[name] = path[i];
    if (name == "id") {
      auto id = ParseId(path[i]);
      if (!id) return ErrorResponse(404, "not_found", "no " + found->route.id_of + " '" + path[i] + "'");
      call.id = *id;
    }
  }
  if (found->route.access == Access::kAdmin && !call.admin())
    return ErrorResponse(403, "forbidden", found->route.admin_only);
  return found->route.handler(call);
}

}  // namespace aasr::review
