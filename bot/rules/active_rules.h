// ActiveRules: the rule set in force, replaced only by one that loaded cleanly.
//
// The daemon screens with current() from any thread while Reload() runs on
// another. A reload that finds any error returns those errors and leaves the
// previous set in force: a broken edit never disables moderation.
#pragma once

#include <mutex>
#include <string>

#include "bot/rules/rules.h"

namespace aasr::rules {

class ActiveRules {
 public:
  explicit ActiveRules(std::string dir) : dir_(std::move(dir)) {}

  // Loads dir; on success swaps it in. Thread safe.
  Errors Reload();
  // The set in force (null until a first successful Reload). Thread safe.
  RuleSetPtr current() const;
  const std::string& dir() const { return dir_; }

 private:
  const std::string dir_;
  mutable std::mutex mu_;
  RuleSetPtr current_;
};

}  // namespace aasr::rules
