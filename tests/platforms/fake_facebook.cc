#include "tests/platforms/fake_facebook.h"

#include <algorithm>
#include <ctime>

#include "bot/platforms/facebook_webhook.h"

namespace aasr::testing {
using nlohmann::json;

namespace {

ServerResponse GraphError(int status, const std::string& message, const std::string& type, int code) {
  return ServerResponse::Json(
      status, json{{"error", {{"message", message}, {"type", type}, {"code", code}, {"fbtrace_id", "AZx9fake"}}}}.dump());
}

std::string Time(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+0000", &tm);
  return buf;
}

// Multipart text fields (file parts are recorded by name only).
std::map<std::string, std::string> MultipartFields(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while ((pos = body.find("name=\"", pos)) != std::string::npos) {
    size_t end = body.find('"', pos + 6);
    std::string name = body.substr(pos + 6, end - pos - 6);
    size_t start = body.find("\r\n\r\n", end) + 4;
    size_t stop = body.find("\r\n--", start);
    out[name] = body.substr(start, stop - start);
    pos = stop;
  }
  return out;
}

}  // namespace

// The documented throttling errors (graph-api/overview/rate-limiting and
// guides/error-handling); the request is not acted on.
ServerResponse FakeFacebook::Throttled(const Fault& f) {
  std::string message;
  switch (f.graph_code) {
    case 4: message = "(#4) Application request limit reached"; break;
    case 17: message = "(#17) User request limit reached"; break;
    case 32: message = "(#32) Page request limit reached"; break;
    case 613: message = "(#613) Calls to this api have exceeded the rate limit."; break;
    default:
      message = "(#" + std::to_string(f.graph_code) +
                ") There have been too many calls to this Page account. Wait a bit and try again. For more info, "
                "please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.";
  }
  ServerResponse resp = ServerResponse::Json(
      f.http_status, json{{"error", {{"message", message}, {"type", "OAuthException"}, {"code", f.graph_code},
                                     {"is_transient", true}, {"fbtrace_id", "AZx9fake"}}}}.dump());
  if (f.regain_minutes > 0) {
    json buc = {{page_id_, json::array({{{"type", "pages"}, {"call_count", 100}, {"total_cputime", 12},
                                         {"total_time", 14}, {"estimated_time_to_regain_access", f.regain_minutes}}})}};
    resp.headers.emplace_back("X-Business-Use-Case-Usage", buc.dump());
  }
  return resp;
}

int64_t FakeFacebook::Now() const { return now_unix > 0 ? now_unix : static_cast<int64_t>(std::time(nullptr)); }

FakeFacebook::FakeFacebook(std::string page_id, std::string token, std::string app_secret)
    : page_id_(std::move(page_id)), token_(std::move(token)), app_secret_(std::move(app_secret)) {
  server_ = std::make_unique<LoopbackServer>([this](const ServerRequest& r) { return Handle(r); });
}

std::vector<ServerRequest> FakeFacebook::requests_to(const std::string& method, const std::string& path_contains) {
  std::vector<ServerRequest> out;
  for (auto& r : server_->requests()) {
    if (r.method == method && r.path.find(path_contains) != std::string::npos) out.push_back(r);
  }
  return out;
}

std::string FakeFacebook::AddComment(const std::string& post_id, const std::string& from_name,
                                     const std::string& message, int64_t created, const std::string& parent) {
  std::string id = post_id.substr(post_id.find('_') + 1) + "_" + std::to_string(++next_);
  json c = {{"id", id},
            {"message", message},
            {"created_time", Time(created)},
            {"from", {{"name", from_name}, {"id", std::to_string(7000 + next_)}}},
            {"is_hidden", false},
            {"post_id", post_id},
            {"t", created}};
  if (!parent.empty()) c["parent"] = {{"id", parent}};
  comments[id] = c;
  return id;
}

ServerResponse FakeFacebook::Handle(const ServerRequest& r) {
  std::map<std::string, std::string> params;
  for (const auto& [k, v] : r.query) params[k] = v;
  std::string ct = r.header("Content-Type");
  if (ct.rfind("application/x-www-form-urlencoded", 0) == 0) {
    for (const auto& [k, v] : r.form()) params[k] = v;
  } else if (ct.rfind("multipart/form-data", 0) == 0) {
    for (const auto& [k, v] : MultipartFields(r.body)) params[k] = v;
  }
  {
    // /vMAJOR.MINOR/...: any version is served, as Graph serves each live one.
    size_t slash = r.path.find('/', 1);
    std::string v = slash == std::string::npos ? "" : r.path.substr(1, slash - 1);
    const bool version = v.size() >= 4 && v[0] == 'v' && v.find('.') != std::string::npos &&
                         v.find_first_not_of("0123456789.", 1) == std::string::npos;
    if (!version) return GraphError(400, "Unknown path components: " + r.path, "OAuthException", 2500);
    versions_seen.push_back(v);
  }
  ServerResponse out = Route(r, params);
  auto add = [&](const char* name, const json& j) {
    if (!j.is_null()) out.headers.emplace_back(name, j.dump());
  };
  add("X-App-Usage", app_usage);
  add("X-Page-Usage", page_usage);
  add("X-Business-Use-Case-Usage", buc_usage);
  return out;
}

ServerResponse FakeFacebook::Route(const ServerRequest& r, std::map<std::string, std::string>& params) {
  if (token_expired && params["access_token"] == token_) {
    return ServerResponse::Json(
        400, json{{"error", {{"message", "Error validating access token: Session has expired on Tuesday, 01-Dec-26 "
                                         "09:00:00 PST. The current time is Wednesday, 02-Dec-26 01:00:00 PST."},
                             {"type", "OAuthException"}, {"code", 190}, {"error_subcode", 463},
                             {"fbtrace_id", "AZx9fake"}}}}.dump());
  }
  if (params["access_token"] != token_) {
    return GraphError(400, "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190);
  }
  if (params["appsecret_proof"] != platforms::HmacSha256Hex(app_secret_, token_)) {
    return GraphError(400, "Invalid appsecret_proof provided in the API argument", "GraphMethodException", 100);
  }
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (r.path.find(it->path_contains) == std::string::npos) continue;
    Fault f = *it;
    faults_.erase(it);
    if (f.kind == Fault::Kind::k500) return GraphError(500, "An unknown error has occurred.", "OAuthException", 1);
    if (f.kind == Fault::Kind::kThrottle) return Throttled(f);
    ServerResponse resp = Answer(r, params);
    if (f.kind == Fault::Kind::kSlow) resp.delay_ms = f.delay_ms;
    if (f.kind == Fault::Kind::kTruncatedJson) resp.body = resp.body.substr(0, resp.body.size() / 2);
    return resp;
  }
  return Answer(r, params);
}

ServerResponse FakeFacebook::Answer(const ServerRequest& r, const std::map<std::string, std::string>& p) {
  auto param = [&](const std::string& k) {
    auto it = p.find(k);
    return it == p.end() ? std::string() : it->second;
  };
  const std::string v = r.path.substr(0, r.path.find('/', 1) + 1);  // "/v26.0/", checked in Handle
  std::string path = r.path.substr(v.size());
  std::string base = url() + v;
  if (r.method == "GET" && path == page_id_) {
    return ServerResponse::Json(200, json{{"id", page_id_}, {"name", "Alliance Against Seclusion and Restraint"}}.dump());
  }
  if (r.method == "POST" && path == page_id_ + "/feed") {
    if (param("message").empty() && param("link").empty()) {
      return GraphError(400, "(#100) Missing message or attachment", "OAuthException", 100);
    }
    Post post{page_id_ + "_" + std::to_string(++next_), param("message"), param("link"), json::array(), {}};
    for (int i = 0; i < 10; ++i) {
      std::string a = param("attached_media[" + std::to_string(i) + "]");
      if (a.empty()) break;
      json m = json::parse(a);
      post.attached.push_back(m);
      post.photos.push_back(photo_alt_[m["media_fbid"]]);
    }
    posts.push_back(post);
    return ServerResponse::Json(200, json{{"id", post.id}}.dump());
  }
  if (r.method == "POST" && path == page_id_ + "/photos") {
    if (r.body.find("name=\"source\"") == std::string::npos && param("url").empty()) {
      return GraphError(400, "(#324) Requires upload file", "OAuthException", 324);
    }
    std::string photo_id = std::to_string(++next_);
    if (param("published") == "false") {
      photo_alt_[photo_id] = param("alt_text_custom");
      return ServerResponse::Json(200, json{{"id", photo_id}}.dump());
    }
    Post post{page_id_ + "_" + std::to_string(++next_), param("message"), "", json::array(), {param("alt_text_custom")}};
    posts.push_back(post);
    return ServerResponse::Json(200, json{{"id", photo_id}, {"post_id", post.id}}.dump());
  }
  if (r.method == "GET" && path == page_id_ + "/posts") {
    json data = json::array();
    for (auto it = posts.rbegin(); it != posts.rend(); ++it) {
      data.push_back({{"id", it->id}, {"message", it->message}, {"created_time", "2026-11-23T00:10:00+0000"},
                      {"permalink_url", "https://www.facebook.com/" + it->id}});
    }
    return ServerResponse::Json(200, json{{"data", data}, {"paging", {{"cursors", {{"before", "QVFIUm"}, {"after", "QVFIUn"}}}}}}.dump());
  }
  if (r.method == "GET" && path.size() > 9 && path.substr(path.size() - 9) == "/comments") {
    std::string post_id = path.substr(0, path.size() - 9);
    int64_t since = param("since").empty() ? 0 : std::stoll(param("since"));
    std::vector<json> all;
    for (const auto& [id, c] : comments) {
      if (c["post_id"] == post_id && c["t"].get<int64_t>() >= since) all.push_back(c);
    }
    std::sort(all.begin(), all.end(), [](const json& a, const json& b) {
      return a["t"].get<int64_t>() != b["t"].get<int64_t>() ? a["t"].get<int64_t>() < b["t"].get<int64_t>()
                                                            : a["id"].get<std::string>() < b["id"].get<std::string>();
    });
    size_t offset = param("after").empty() ? 0 : std::stoul(param("after"));
    json data = json::array();
    for (size_t i = offset; i < all.size() && i < offset + static_cast<size_t>(page_size); ++i) {
      json c = all[i];
      c.erase("post_id");
      c.erase("t");
      data.push_back(c);
    }
    json body = {{"data", data}};
    if (offset + page_size < all.size()) {
      std::string after = std::to_string(offset + page_size);
      body["paging"] = {{"cursors", {{"before", std::to_string(offset)}, {"after", after}}},
                        {"next", base + post_id + "/comments?access_token=" + token_ + "&appsecret_proof=" +
                                     platforms::HmacSha256Hex(app_secret_, token_) + "&filter=stream&order=chronological&limit=" +
                                     std::to_string(page_size) + (since ? "&since=" + std::to_string(since) : "") +
                                     "&after=" + after}};
    }
    return ServerResponse::Json(200, body.dump());
  }
  if (r.method == "POST" && path.size() > 9 && path.substr(path.size() - 9) == "/comments") {
    // A reply under a comment (Graph API: POST /{comment-id}/comments, message).
    const std::string parent = path.substr(0, path.size() - 9);
    if (!comments.count(parent)) {
      return GraphError(400, "(#100) Unsupported post request. Object with ID '" + parent + "' does not exist",
                        "GraphMethodException", 100);
    }
    if (param("message").empty()) return GraphError(400, "(#100) Missing message or attachment", "OAuthException", 100);
    std::string id = parent.substr(0, parent.find('_')) + "_" + std::to_string(++next_);
    comments[id] = {{"id", id},
                    {"message", param("message")},
                    {"created_time", Time(Now())},
                    {"from", {{"name", "Alliance Against Seclusion and Restraint"}, {"id", page_id_}}},
                    {"is_hidden", false},
                    {"post_id", parent},
                    {"parent", {{"id", parent}}},
                    {"t", Now()}};
    return ServerResponse::Json(200, json{{"id", id}}.dump());
  }
  if (r.method == "POST" && path == page_id_ + "/messages") {
    // Private Replies (Messenger Platform): JSON {"recipient": {"comment_id"},
    // "message": {"text"}}; one per comment, within 7 days of it.
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("recipient") || !body.contains("message")) {
      return GraphError(400, "(#100) The parameter recipient is required", "OAuthException", 100);
    }
    const json& rec = body["recipient"];
    const std::string cid = rec.is_object() && rec.contains("comment_id") && rec["comment_id"].is_string()
                                ? rec["comment_id"].get<std::string>() : "";
    if (cid.empty() || !comments.count(cid)) {
      return GraphError(400, "(#100) No matching user found", "OAuthException", 100);
    }
    const json& msg = body["message"];
    if (!msg.is_object() || !msg.contains("text") || !msg["text"].is_string() || msg["text"].get<std::string>().empty()) {
      return GraphError(400, "(#100) Param message[text] must be non-empty UTF-8 encoded string", "OAuthException", 100);
    }
    if (Now() - comments[cid]["t"].get<int64_t>() > 7 * 86400) {
      return ServerResponse::Json(
          400, json{{"error", {{"message", "(#10) This message is sent outside of allowed window."},
                               {"type", "OAuthException"}, {"code", 10}, {"error_subcode", 2018278},
                               {"fbtrace_id", "AZx9fake"}}}}.dump());
    }
    if (private_replies.count(cid)) {
      return ServerResponse::Json(
          400, json{{"error", {{"message", "(#10) Only one private reply is allowed per comment"},
                               {"type", "OAuthException"}, {"code", 10}, {"fbtrace_id", "AZx9fake"}}}}.dump());
    }
    const std::string mid = "m_" + std::to_string(++next_);
    private_replies[cid] = {{"message_id", mid}, {"text", msg["text"]}};
    return ServerResponse::Json(200, json{{"recipient_id", comments[cid]["from"]["id"]}, {"message_id", mid}}.dump());
  }
  if (path == page_id_ + "/subscribed_apps" && (r.method == "POST" || r.method == "GET")) {
    if (r.method == "GET") {
      json data = json::array();
      if (!subscribed_fields.empty()) {
        data.push_back({{"category", "Nonprofit Organization"}, {"link", "https://aasr.example/"}, {"name", "aasr-bot"},
                        {"id", "2222333344445555"}, {"subscribed_fields", subscribed_fields}});
      }
      return ServerResponse::Json(200, json{{"data", data}}.dump());
    }
    if (!manage_metadata) {
      return GraphError(403, "(#200) Requires pages_manage_metadata permission to manage the object", "OAuthException",
                        200);
    }
    if (param("subscribed_fields").empty()) {
      return GraphError(400, "(#100) The parameter subscribed_fields is required", "OAuthException", 100);
    }
    subscribed_fields.clear();
    std::string fields = param("subscribed_fields");
    for (size_t pos = 0; pos <= fields.size();) {
      size_t comma = fields.find(',', pos);
      if (comma == std::string::npos) comma = fields.size();
      if (comma > pos) subscribed_fields.push_back(fields.substr(pos, comma - pos));
      pos = comma + 1;
    }
    return ServerResponse::Json(200, R"({"success":true})");
  }
  if (r.method == "POST" && path == page_id_ + "/blocked") {
    blocked.push_back(param("user"));
    return ServerResponse::Json(200, json{{param("user"), true}}.dump());
  }
  if (r.method == "GET") {
    for (const Post& post : posts) {
      if (post.id == path) {
        return ServerResponse::Json(200, json{{"id", post.id}, {"permalink_url", "https://www.facebook.com/" + post.id}}.dump());
      }
    }
  }
  if ((r.method == "POST" || r.method == "DELETE") && comments.count(path)) {
    if (r.method == "DELETE") {
      comments.erase(path);
      return ServerResponse::Json(200, R"({"success":true})");
    }
    if (param("is_hidden").empty()) return GraphError(400, "(#100) Param is_hidden is required", "OAuthException", 100);
    comments[path]["is_hidden"] = param("is_hidden") == "true";
    return ServerResponse::Json(200, R"({"success":true})");
  }
  return GraphError(400, "Unsupported request - method type: " + r.method, "GraphMethodException", 100);
}

}  // namespace aasr::testing
