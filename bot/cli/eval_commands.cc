// `aasr-bot rules eval`: score a rule set on labeled corpus files (or on the
// moderators' own decisions in the store). The scoring is bot/rules/eval.h;
// this file only gathers the items and turns thresholds into an exit code.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/rules/eval.h"
#include "bot/store/backtest.h"
#include "bot/store/ingest.h"

namespace aasr::cli {
namespace {

namespace fs = std::filesystem;

struct EvalOptions {
  std::vector<std::string> corpus;  // files, or directories of *.jsonl
  std::string rules_dir;
  bool json = false, list = false;
  std::string from_db, since = "90d";
  // Threshold name -> limit, filled from the options that were given.
  std::map<std::string, double> limits;
};

// A directory stands for its own *.jsonl files (not its subdirectories: a
// corpus folder may keep a held-out split beside the tuning files, and
// nobody should read that by accident).
bool ExpandCorpus(const std::vector<std::string>& paths, std::vector<std::string>* files) {
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".jsonl") found.push_back(e.path().string());
      }
      if (ec) {
        std::cerr << p << ": cannot read directory: " << ec.message() << "\n";
        return false;
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) std::cerr << p << ": warning: no *.jsonl files\n";
      files->insert(files->end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files->push_back(p);
    } else {
      std::cerr << p << ": no such corpus file or directory\n";
      return false;
    }
  }
  return true;
}

// Same ordering as rules::PrimaryCategory, over what the store kept.
std::string StoredPrimaryCategory(const store::StoredVerdict& v) {
  auto severity = [](const std::string& a) { return a == "hide" ? 2 : a == "review" ? 1 : 0; };
  const store::StoredMatch* best = nullptr;
  for (const auto& m : v.matches) {
    if (m.action == store::kShadowAction) continue;  // never shaped the verdict
    if (!best || severity(m.action) > severity(best->action) ||
        (severity(m.action) == severity(best->action) && m.priority > best->priority)) {
      best = &m;
    }
  }
  if (best) return best->category;
  return v.categories.empty() ? "" : v.categories.front();
}

// Decided items of the store as a corpus: removed = flag, approved = pass.
// Open and escalated items are not decided yet and are left out. The expected
// category is the stored verdict's primary category (what the rules said when
// the comment arrived and a moderator then confirmed by removing it); kind is
// the platform, so recall per platform shows up in the per-kind lines.
bool CorpusFromDb(const std::string& path, const std::string& since, std::vector<rules::EvalItem>* items,
                  int64_t* skipped_open) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    std::cerr << path << ": no such database\n";
    return false;
  }
  Result<int64_t> span = store::ParseSince(since);
  if (!span.ok()) {
    std::cerr << FormatErrors(span.errors());
    return false;
  }
  store::StorePtr st = OpenStoreOrReport(path);
  if (!st) return false;
  const int64_t since_ms = SystemClock().NowMs() - span.value();
  bool ok = true;
  Status s = st->ForEachComment(since_ms, [&](const store::StoredComment& c, const std::optional<store::Item>& item) {
    if (!item) return true;  // never queued: no moderator looked at it
    if (item->state != store::ItemState::kRemoved && item->state != store::ItemState::kApproved) {
      ++*skipped_open;
      return true;
    }
    rules::EvalItem e;
    e.id = c.platform + ":" + c.remote_id;
    e.source = path + "#" + std::to_string(c.id);
    e.comment = store::ToRulesComment(c);
    e.expect_flag = item->state == store::ItemState::kRemoved;
    e.kind = c.platform;
    auto verdict = st->GetVerdict(c.id);
    if (!verdict.ok()) {
      std::cerr << FormatErrors(verdict.errors());
      ok = false;
      return false;
    }
    if (verdict.value()) e.category = StoredPrimaryCategory(*verdict.value());
    items->push_back(std::move(e));
    return true;
  });
  if (!s.ok()) {
    std::cerr << FormatErrors(s.errors());
    return false;
  }
  return ok;
}

int RulesEval(const EvalOptions& o, const rules::AuthorReader& read_author) {
  if (o.corpus.empty() && o.from_db.empty()) {
    std::cerr << "rules eval: give corpus files (or directories), or --from-db FILE\n";
    return 2;
  }
  rules::RuleSetPtr rule_set = LoadRulesOrReport(o.rules_dir.empty() ? DefaultRulesDirectory() : o.rules_dir);
  if (!rule_set) return 2;

  std::vector<std::string> files;
  if (!ExpandCorpus(o.corpus, &files)) return 2;
  std::vector<rules::EvalItem> items;
  std::vector<std::string> malformed;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << file << ": cannot read\n";
      return 2;
    }
    std::string line, error;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::optional<rules::EvalItem> item = rules::ParseCorpusLine(line, read_author, &error);
      if (!item) {
        if (error.empty()) continue;  // blank line
        // Reported at once and in the report; the rest of the corpus still counts.
        const std::string message = file + ": line " + std::to_string(number) + ": " + error;
        std::cerr << message << "\n";
        malformed.push_back(message);
        continue;
      }
      item->source = file + ":" + std::to_string(number);
      items.push_back(std::move(*item));
    }
  }
  if (!o.from_db.empty()) {
    int64_t open = 0;
    if (!CorpusFromDb(o.from_db, o.since, &items, &open)) return 2;
    files.push_back("db:" + o.from_db);
    if (open > 0) std::cerr << o.from_db << ": " << open << " undecided item(s) left out\n";
  }

  rules::EvalReport report = rules::Evaluate(*rule_set, items);
  report.files = files;
  report.malformed = malformed;
  std::vector<rules::Threshold> thresholds;
  for (const auto& [name, limit] : o.limits) thresholds.push_back({name, limit});
  const std::vector<rules::ThresholdResult> checked = rules::CheckThresholds(report, thresholds);
  if (o.json) {
    std::cout << rules::ReportToJson(report, checked, o.list)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << rules::FormatReport(report, checked, o.list);
  }
  const bool ok = std::all_of(checked.begin(), checked.end(), [](const auto& t) { return t.ok; });
  if (o.json && !ok) {  // stdout is the JSON object; CI logs still say why
    for (const auto& t : checked) {
      if (!t.ok) std::cerr << "threshold " << t.name << " " << t.limit << ": FAILED\n";
    }
  }
  return ok ? 0 : 1;
}

}  // namespace

void RegisterRulesEval(CLI::App& rules_cmd, int* exit_code, rules::AuthorReader read_author) {
  auto* eval = rules_cmd.add_subcommand(
      "eval", "score the rules on a labeled corpus (jsonl): recall, false positives, crisis, categories");
  auto o = std::make_shared<EvalOptions>();
  eval->add_option("corpus", o->corpus, "corpus .jsonl files, or directories of them");
  eval->add_option("--rules", o->rules_dir, "rules directory (default: the shipped rules/)");
  eval->add_flag("--json", o->json, "one JSON object instead of the text report");
  eval->add_flag("--list", o->list, "list every miss, false positive and wrong category with its explanation");
  eval->add_option("--from-db", o->from_db,
                   "also use the moderators' decisions in this database (removed = flag, approved = pass)");
  eval->add_option("--since", o->since, "with --from-db: how far back, 90d, 12h, 30m or all")->capture_default_str();
  // Each threshold is an option; only those given are checked.
  static const std::vector<std::pair<const char*, const char*>> kThresholds = {
      {"min-recall", "exit 1 if overall recall is below (0..1)"},
      {"min-crisis-recall", "exit 1 if crisis recall is below (0..1)"},
      {"max-fpr", "exit 1 if the false-positive rate is above (0..1)"},
      {"max-hidden-pass", "exit 1 if more must-pass items are hidden"},
      {"max-crisis-hidden", "exit 1 if more crisis items are hidden"},
      {"min-category", "exit 1 if the share of catches with the expected primary category is below (0..1)"},
      {"max-malformed", "exit 1 if more corpus lines are malformed"},
  };
  auto values = std::make_shared<std::map<std::string, double>>();
  std::vector<std::pair<std::string, CLI::Option*>> given;
  for (const auto& [name, help] : kThresholds) {
    CLI::Option* opt = eval->add_option(std::string("--") + name, (*values)[name], help);
    given.emplace_back(name, opt);
  }
  eval->callback([=] {
    for (const auto& [name, opt] : given) {
      if (opt->count() > 0) o->limits[name] = values->at(name);
    }
    *exit_code = RulesEval(*o, read_author);
  });
}

}  // namespace aasr::cli
