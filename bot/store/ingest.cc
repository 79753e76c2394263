#include "bot/store/ingest.h"

#include <nlohmann/json.hpp>

#include "bot/util/utf8.h"

namespace aasr::store {

StoredVerdict FromRules(const rules::Verdict& v) {
  StoredVerdict out;
  out.action = rules::ActionName(v.action);
  out.priority = static_cast<int>(v.priority);
  out.categories = v.categories;
  out.explanation = v.explanation;
  for (const auto& m : v.matches) {
    StoredMatch sm;
    sm.rule_id = m.rule_id;
    sm.category = m.category;
    sm.description = m.description;
    sm.action = rules::ActionName(m.action);
    sm.priority = static_cast<int>(m.priority);
    sm.spans.assign(m.spans.begin(), m.spans.end());
    out.matches.push_back(std::move(sm));
  }
  // Shadow matches are kept as matches whose action is "shadow": rule
  // statistics (and the Rules view) then count them like any hit, with no
  // schema change, while the verdict's own action and categories ignore them.
  for (const auto& m : v.shadow_matches) {
    StoredMatch sm;
    sm.rule_id = m.rule_id;
    sm.category = m.category;
    sm.description = m.description;
    sm.action = kShadowAction;
    sm.priority = static_cast<int>(m.priority);
    sm.spans.assign(m.spans.begin(), m.spans.end());
    out.matches.push_back(std::move(sm));
  }
  return out;
}

rules::Comment ToRulesComment(const NewComment& c) {
  rules::Comment rc;
  rc.text = c.text;
  rc.platform = c.platform;
  rc.author.handle = c.author_handle;
  rc.author.account_age_days = c.author_account_age_days;
  rc.author.followers = c.author_followers;
  rc.author.first_comment = c.author_first_comment;
  rc.author.is_self = c.author_is_self;
  return rc;
}

Result<NewComment> ParseCommentLine(const std::string& line, const std::string& platform,
                                    const std::string& source, int line_number) {
  auto fail = [&](const std::string& field, const std::string& message) {
    return Error{{source, line_number, 0}, field, message};
  };
  size_t bad = utf8::FindInvalid(line);
  if (bad != std::string::npos)
    return fail("", "invalid UTF-8 at byte " + std::to_string(bad));
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return fail("", "not valid JSON");
  if (!j.is_object()) return fail("", "expected a JSON object");
  NewComment c;
  auto str = [&](const nlohmann::json& o, const char* key, std::string* out,
                 const std::string& prefix) -> std::optional<Error> {
    if (!o.contains(key) || o[key].is_null()) return std::nullopt;
    if (o[key].is_string()) *out = o[key].get<std::string>();
    else if (o[key].is_number_integer()) *out = std::to_string(o[key].get<int64_t>());
    else return fail(prefix + key, "field '" + prefix + key + "' must be a string");
    return std::nullopt;
  };
  auto num = [&](const nlohmann::json& o, const char* key,
                 std::optional<double>* out) -> std::optional<Error> {
    if (!o.contains(key) || o[key].is_null()) return std::nullopt;
    if (!o[key].is_number())
      return fail(std::string("author.") + key,
                  std::string("field 'author.") + key + "' must be a number");
    *out = o[key].get<double>();
    return std::nullopt;
  };
  if (!j.contains("text") || !j["text"].is_string())
    return fail("text", "missing string field 'text'");
  c.text = j["text"].get<std::string>();
  c.platform = platform;
  for (auto [key, out] : {std::pair{"remote_id", &c.remote_id}, {"account", &c.account},
                          {"parent", &c.parent}, {"root", &c.root}, {"parent_text", &c.parent_text},
                          {"platform", &c.platform}})
    if (auto e = str(j, key, out, "")) return *e;
  if (c.remote_id.empty()) {
    // `id` is the screen format's name for it.
    if (auto e = str(j, "id", &c.remote_id, "")) return *e;
  }
  if (c.remote_id.empty()) return fail("remote_id", "missing field 'remote_id'");
  if (c.platform.empty()) return fail("platform", "no platform: give --platform or 'platform'");
  if (j.contains("author") && !j["author"].is_null()) {
    const auto& a = j["author"];
    if (!a.is_object()) return fail("author", "field 'author' must be an object");
    if (auto e = str(a, "handle", &c.author_handle, "author.")) return *e;
    if (auto e = str(a, "id", &c.author_id, "author.")) return *e;
    if (auto e = num(a, "account_age_days", &c.author_account_age_days)) return *e;
    if (auto e = num(a, "followers", &c.author_followers)) return *e;
    if (a.contains("first_comment") && !a["first_comment"].is_null()) {
      if (!a["first_comment"].is_boolean())
        return fail("author.first_comment", "field 'author.first_comment' must be true or false");
      c.author_first_comment = a["first_comment"].get<bool>();
    }
    if (a.contains("is_self") && !a["is_self"].is_null()) {
      if (!a["is_self"].is_boolean())
        return fail("author.is_self", "field 'author.is_self' must be true or false");
      c.author_is_self = a["is_self"].get<bool>();
    }
  }
  if (j.contains("received_at_ms")) {
    if (!j["received_at_ms"].is_number_integer())
      return fail("received_at_ms", "field 'received_at_ms' must be an integer");
    c.received_ms = j["received_at_ms"].get<int64_t>();
  }
  return c;
}

Result<IngestResult> ScreenAndStore(Store& store, const rules::RuleSet& rules,
                                    const NewComment& c, StoredVerdict* verdict_out) {
  StoredVerdict v = FromRules(rules.Screen(ToRulesComment(c)));
  auto r = store.Ingest(c, v);
  if (verdict_out) *verdict_out = std::move(v);
  return r;
}

}  // namespace aasr::store
