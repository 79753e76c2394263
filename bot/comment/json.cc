#include "bot/comment/json.h"

#include "bot/util/utf8.h"

namespace aasr::comment {
namespace {

using nlohmann::json;

Error FieldError(const std::string& field, const std::string& what) {
  return Error{{}, field, "field '" + field + "' must be " + what};
}

bool Absent(const json& o, const char* key) { return !o.contains(key) || o[key].is_null(); }

Status Str(const json& o, const char* key, const std::string& prefix, std::string* out) {
  if (Absent(o, key)) return Ok{};
  if (o[key].is_string()) *out = o[key].get<std::string>();
  else if (o[key].is_number_integer()) *out = std::to_string(o[key].get<int64_t>());
  else return FieldError(prefix + key, "a string");
  return Ok{};
}

Status Num(const json& o, const char* key, const std::string& prefix, std::optional<double>* out) {
  if (Absent(o, key)) return Ok{};
  if (!o[key].is_number()) return FieldError(prefix + key, "a number");
  *out = o[key].get<double>();
  return Ok{};
}

Status Bool(const json& o, const char* key, const std::string& prefix, std::optional<bool>* out) {
  if (Absent(o, key)) return Ok{};
  if (!o[key].is_boolean()) return FieldError(prefix + key, "true or false");
  *out = o[key].get<bool>();
  return Ok{};
}

}  // namespace

Result<Comment> Decode(const json& j) {
  if (!j.is_object()) return Error{{}, "", "expected a JSON object"};
  Comment c;
  for (auto [key, out] : {std::pair{"remote_id", &c.remote_id}, {"platform", &c.platform},
                          {"account", &c.account}, {"post", &c.post}, {"parent", &c.parent},
                          {"root", &c.root}, {"parent_text", &c.parent_text},
                          {"created_at", &c.created_at}, {"kind", &c.kind}}) {
    Status s = Str(j, key, "", out);
    if (!s.ok()) return s.errors();
  }
  if (c.remote_id.empty()) {
    Status s = Str(j, "id", "", &c.remote_id);
    if (!s.ok()) return s.errors();
  }
  if (!Absent(j, "text")) {
    if (!j["text"].is_string()) return FieldError("text", "a string");
    c.text = j["text"].get<std::string>();
    c.has_text = true;
  }
  if (!Absent(j, "received_at_ms")) {
    if (!j["received_at_ms"].is_number_integer()) return FieldError("received_at_ms", "an integer");
    c.received_at_ms = j["received_at_ms"].get<int64_t>();
  }
  if (!Absent(j, "author")) {
    const json& a = j["author"];
    if (!a.is_object()) return FieldError("author", "an object");
    c.has_author = true;
    for (auto [key, out] : {std::pair{"handle", &c.author.handle}, {"id", &c.author.id}}) {
      Status s = Str(a, key, "author.", out);
      if (!s.ok()) return s.errors();
    }
    for (auto [key, out] : {std::pair{"account_age_days", &c.author.account_age_days},
                            {"followers", &c.author.followers}}) {
      Status s = Num(a, key, "author.", out);
      if (!s.ok()) return s.errors();
    }
    for (auto [key, out] : {std::pair{"first_comment", &c.author.first_comment},
                            {"is_self", &c.author.is_self}}) {
      Status s = Bool(a, key, "author.", out);
      if (!s.ok()) return s.errors();
    }
  }
  return c;
}

Result<Comment> DecodeLine(const std::string& line) {
  const size_t bad = utf8::FindInvalid(line);
  if (bad != std::string::npos) return Error{{}, "", "invalid UTF-8 at byte " + std::to_string(bad)};
  const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{{}, "", "not valid JSON"};
  return Decode(j);
}

json Encode(const Comment& c) {
  json j = json::object();
  auto put = [&](json& o, const char* key, const std::string& v) {
    if (!v.empty()) o[key] = v;
  };
  put(j, "remote_id", c.remote_id);
  put(j, "platform", c.platform);
  put(j, "account", c.account);
  put(j, "post", c.post);
  put(j, "parent", c.parent);
  put(j, "root", c.root);
  put(j, "parent_text", c.parent_text);
  if (c.has_text) j["text"] = c.text;
  put(j, "created_at", c.created_at);
  put(j, "kind", c.kind);
  if (c.received_at_ms) j["received_at_ms"] = *c.received_at_ms;
  if (c.has_author) {
    json a = json::object();
    put(a, "id", c.author.id);
    put(a, "handle", c.author.handle);
    if (c.author.account_age_days) a["account_age_days"] = *c.author.account_age_days;
    if (c.author.followers) a["followers"] = *c.author.followers;
    if (c.author.first_comment) a["first_comment"] = *c.author.first_comment;
    if (c.author.is_self) a["is_self"] = *c.author.is_self;
    j["author"] = a;
  }
  return j;
}

Status RequireText(const Comment& c) {
  if (!c.has_text) return Error{{}, "text", "missing string field 'text'"};
  return Ok{};
}

Status RequireId(const Comment& c) {
  if (c.remote_id.empty()) return Error{{}, "remote_id", "missing field 'remote_id'"};
  return Ok{};
}

}  // namespace aasr::comment
