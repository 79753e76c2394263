// Loaded: everything the daemon reads from files the organizers edit (the
// config, rules/, posts/, the schedules file), loaded and cross-checked as
// one unit, so that a reload is all or nothing.
//
//   Result<LoadedPtr> l = LoadAll(config_path, env);  // every error, located
//   Fingerprint f = Fingerprint::Of(l.value()->watched);  // cheap: stat() only
//   ... later: if (Fingerprint::Of(watched) != f) reload
//
// Promises: LoadAll returns every problem at once, each at file:line:column
// (config keys, rule files, graphics, templates, schedules, and schedules
// naming an account the config lacks or on another platform). A result is
// immutable and shared by the threads that use it.
// Thread safety: LoadAll and Fingerprint::Of are pure functions of the files.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/config/config.h"
#include "bot/outreach/composer.h"
#include "bot/outreach/graphics.h"
#include "bot/outreach/schedule.h"
#include "bot/rules/rules.h"
#include "bot/util/error.h"

namespace aasr::daemon {

// Files and folders whose changes trigger a reload.
struct Watched {
  std::string config_file;
  std::string rules_dir;
  std::string posts_dir;
  std::string schedules_file;  // may be empty
};

// (path -> size and modification time) of every watched file.
class Fingerprint {
 public:
  static Fingerprint Of(const Watched& w);
  bool operator==(const Fingerprint& o) const { return files_ == o.files_; }
  bool operator!=(const Fingerprint& o) const { return !(*this == o); }
  size_t file_count() const { return files_.size(); }

 private:
  std::map<std::string, std::pair<int64_t, int64_t>> files_;
};

struct Loaded {
  config::Config config;
  Watched watched;
  rules::RuleSetPtr rules;
  std::optional<outreach::ScheduleConfig> schedules;  // absent: no outreach
  outreach::GraphicsCatalog graphics;
  outreach::Templates templates;
};
using LoadedPtr = std::shared_ptr<const Loaded>;

Result<LoadedPtr> LoadAll(const std::string& config_path, const config::Env& env = config::ProcessEnv);

// "same" when the account's settings (including secrets) are unchanged.
bool SameAccount(const config::Account& a, const config::Account& b);

}  // namespace aasr::daemon
