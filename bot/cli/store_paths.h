// Defaults shared by the store and review subcommands: where the database
// and the rules live when the user does not say.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "bot/rules/rules.h"
#include "bot/store/sqlite_store.h"
#include "aasr/build_paths.h"

namespace aasr::cli {

// The embedded database of a checkout: var/aasr.db (var/ is git-ignored).
inline std::string DefaultDbPath() { return "var/aasr.db"; }

// "rules" in the working directory, else the source tree's shipped rules.
inline std::string DefaultRulesDirectory() {
  std::error_code ec;
  if (std::filesystem::is_directory("rules", ec)) return "rules";
  return AASR_SOURCE_DIR "/rules";
}

// Opens (creating its folder if needed) or reports on stderr and returns null.
store::StorePtr OpenStoreOrReport(const std::string& path);
rules::RuleSetPtr LoadRulesOrReport(const std::string& dir);

}  // namespace aasr::cli
