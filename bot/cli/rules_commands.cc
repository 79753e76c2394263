// `aasr-bot rules check|test [DIR]` and `aasr-bot screen`.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/cli/commands.h"
#include "bot/comment/json.h"
#include "bot/rules/rules.h"
#include "bot/store/ingest.h"
#include "bot/util/utf8.h"
#include "aasr/build_paths.h"

namespace aasr::cli {
namespace {

using rules::RuleSet;
using rules::RuleSetPtr;

// "rules" in the working directory, else the source tree's shipped rules.
std::string DefaultRulesDir() {
  std::error_code ec;
  if (std::filesystem::is_directory("rules", ec)) return "rules";
  return AASR_SOURCE_DIR "/rules";
}

RuleSetPtr LoadOrReport(const std::string& dir) {
  Result<RuleSetPtr> loaded = RuleSet::LoadDirectory(dir);
  if (!loaded.ok()) {
    std::cerr << FormatErrors(loaded.errors());
    std::cerr << loaded.errors().size() << " error(s) in " << dir << "\n";
    return nullptr;
  }
  return loaded.value();
}

// The author object through the one comment codec (bot/comment/json.h), for
// `rules eval`: a wrong type is an error naming the field.
bool ReadAuthor(const nlohmann::json& j, rules::Author* a, std::string* error) {
  auto decoded = comment::Decode(nlohmann::json{{"author", j}});
  if (!decoded.ok()) {
    *error = decoded.errors().front().message;
    return false;
  }
  *a = store::ToRulesComment(store::FromComment(decoded.value(), "")).author;
  return true;
}

// Marks each span of text with «…» for the text format.
std::string MarkSpans(const std::string& text, const rules::Verdict& v) {
  std::vector<rules::Span> spans;
  for (const auto& m : v.matches) spans.insert(spans.end(), m.spans.begin(), m.spans.end());
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t pos = 0;
  for (const auto& s : spans) {
    if (s.first < pos) continue;  // overlaps an earlier mark
    out += text.substr(pos, s.first - pos) + "«" + text.substr(s.first, s.second - s.first) + "»";
    pos = s.second;
  }
  return out + text.substr(pos);
}

int Screen(const std::string& rules_dir, const std::string& format) {
  RuleSetPtr rules = LoadOrReport(rules_dir);
  if (!rules) return 2;
  std::ios::sync_with_stdio(false);
  std::string line;
  long number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t bad = utf8::FindInvalid(line);
    if (format == "text") {
      if (bad != std::string::npos) {
        std::cout << "line " << number << ": error: invalid UTF-8 at byte " << bad << "\n";
        continue;
      }
      rules::Comment c;
      c.text = line;
      const rules::Verdict v = rules->Screen(c);
      std::cout << number << " " << rules::ActionName(v.action) << ": " << MarkSpans(line, v) << "\n    "
                << v.explanation << "\n";
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto error = [&](const std::string& message) {
      std::cout << nlohmann::json{{"line", number}, {"error", message}}.dump() << "\n";
    };
    if (bad != std::string::npos) {
      error("invalid UTF-8 at byte " + std::to_string(bad));
      continue;
    }
    nlohmann::json in = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (in.is_discarded()) {
      error("not valid JSON");
      continue;
    }
    if (!in.is_object() || !in.contains("text") || !in["text"].is_string()) {
      error("expected an object with a string field 'text'");
      continue;
    }
    // The one comment codec; a field of the wrong type names itself.
    auto decoded = comment::Decode(in);
    if (!decoded.ok()) {
      error(decoded.errors().front().message);
      continue;
    }
    const rules::Comment c = store::ToRulesComment(store::FromComment(decoded.value(), ""));
    const nlohmann::json id = in.contains("id") ? in["id"] : nlohmann::json();
    std::cout << rules::VerdictToJson(rules->Screen(c), id).dump(-1, ' ', false,
                                                                  nlohmann::json::error_handler_t::replace)
              << "\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace

void RegisterRulesCommands(CLI::App& app, int* exit_code) {
  auto* rules_cmd = app.add_subcommand("rules", "check and test the Community Standards rules");
  rules_cmd->require_subcommand(1);

  auto* check = rules_cmd->add_subcommand("check", "load the rules and report every problem as file:line:column");
  auto check_dir = std::make_shared<std::string>();
  check->add_option("dir", *check_dir, "rules directory (default: the shipped rules/)");
  check->callback([=] {
    const std::string dir = check_dir->empty() ? DefaultRulesDir() : *check_dir;
    RuleSetPtr rules = LoadOrReport(dir);
    if (!rules) {
      *exit_code = 1;
      return;
    }
    std::cout << dir << ": " << rules->rule_count() << " rules, " << rules->example_count()
              << " examples, no errors\n";
  });

  auto* test = rules_cmd->add_subcommand("test", "run every rule's examples");
  auto test_dir = std::make_shared<std::string>();
  test->add_option("dir", *test_dir, "rules directory (default: the shipped rules/)");
  test->callback([=] {
    const std::string dir = test_dir->empty() ? DefaultRulesDir() : *test_dir;
    RuleSetPtr rules = LoadOrReport(dir);
    if (!rules) {
      *exit_code = 1;
      return;
    }
    const Errors failures = rules->RunExamples();
    std::cerr << FormatErrors(failures);
    const size_t total = rules->example_count();
    std::cout << (total - failures.size()) << " passed, " << failures.size() << " failed\n";
    *exit_code = failures.empty() ? 0 : 1;
  });

  RegisterRulesEval(*rules_cmd, exit_code, ReadAuthor);

  auto* screen = app.add_subcommand("screen", "screen comments from stdin against the rules");
  auto screen_rules = std::make_shared<std::string>();
  auto screen_format = std::make_shared<std::string>("jsonl");
  screen->add_option("--rules", *screen_rules, "rules directory (default: the shipped rules/)");
  screen->add_option("--format", *screen_format, "jsonl (one JSON object per line) or text (one comment per line)")
      ->check(CLI::IsMember({"jsonl", "text"}));
  screen->callback([=] {
    *exit_code = Screen(screen_rules->empty() ? DefaultRulesDir() : *screen_rules, *screen_format);
  });
}

}  // namespace aasr::cli
