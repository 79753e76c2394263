#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "bot/rules/active_rules.h"

using namespace aasr::rules;
namespace fs = std::filesystem;

TEST_CASE("a broken rule set never replaces a working one") {
  const fs::path dir = fs::temp_directory_path() / "aasr_active_rules_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "r.yaml") << "rules:\n  - {id: a, category: spam, description: d, action: review, words: [spamword]}\n";
  ActiveRules active(dir.string());
  CHECK(active.current() == nullptr);
  REQUIRE(active.Reload().empty());
  RuleSetPtr first = active.current();
  REQUIRE(first);

  std::ofstream(dir / "r.yaml") << "rules:\n  - {id: a, category: spam, description: d, action: review, regex: '(broken'}\n";
  const aasr::Errors errors = active.Reload();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.line == 2);
  CHECK(active.current() == first);  // still the working set

  Comment c;
  c.text = "buy spamword";
  CHECK(active.current()->Screen(c).action == Action::kReview);
  fs::remove_all(dir);
}
