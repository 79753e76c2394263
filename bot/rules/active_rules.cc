#include "bot/rules/active_rules.h"

namespace aasr::rules {

Errors ActiveRules::Reload() {
  Result<RuleSetPtr> loaded = RuleSet::LoadDirectory(dir_);
  if (!loaded.ok()) return loaded.errors();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = loaded.value();
  return {};
}

RuleSetPtr ActiveRules::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace aasr::rules
