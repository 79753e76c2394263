// The status the review page's Status view renders (GET /api/status), and
// helpers for whoever provides it (the daemon; `aasr-bot serve`).
//
// The JSON shape is documented in bot/review/README.md ("Status"). The page
// reads every field defensively: a provider may leave out what it does not
// know (plain `serve` has no accounts and no reload history).
// Thread safety: the functions are pure.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/rules/rules.h"
#include "bot/util/error.h"

namespace aasr::review {

// The build's version (the CMake project version).
std::string BuildVersion();

// Errors as the Status view's `reload.errors`:
// [{"file","line","column","subject","message"}].
nlohmann::json ErrorsToStatusJson(const Errors& errors);

// What /api/status answers when no provider is set: mode, version, rules
// (count, dir when known), no accounts, no reload errors.
nlohmann::json MinimalStatus(const std::string& mode, const rules::RuleSetPtr& rules,
                             const std::string& rules_dir, int64_t started_at_ms);

}  // namespace aasr::review
