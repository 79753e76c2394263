#include "bot/review/status.h"

#include "bot/util/version.h"

namespace aasr::review {

std::string BuildVersion() { return kVersion; }

nlohmann::json ErrorsToStatusJson(const Errors& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const Error& e : errors)
    out.push_back({{"file", e.where.file},
                   {"line", e.where.line},
                   {"column", e.where.column},
                   {"subject", e.subject},
                   {"message", e.message}});
  return out;
}

nlohmann::json MinimalStatus(const std::string& mode, const rules::RuleSetPtr& rules,
                             const std::string& rules_dir, int64_t started_at_ms) {
  nlohmann::json r{{"count", rules ? static_cast<int64_t>(rules->rule_count()) : 0},
                   {"loaded", rules != nullptr}};
  if (!rules_dir.empty()) r["dir"] = rules_dir;
  nlohmann::json s{{"mode", mode},
                   {"version", BuildVersion()},
                   {"accounts", nlohmann::json::array()},
                   {"reload", {{"errors", nlohmann::json::array()}}},
                   {"rules", r}};
  if (started_at_ms > 0) s["started_at_ms"] = started_at_ms;
  return s;
}

}  // namespace aasr::review
