// rules_bench: how fast aasr-bot screens comments, next to a naive std::regex
// loop (the floor) and raw Hyperscan (the ceiling), in one process, on one
// generated corpus, with one pattern set. `make bench` runs it.
//
//   build/bench/rules_bench [RULES_DIR] [--baseline BASELINE_DIR] [--engine-only]
//                                           (RULES_DIR default: the source tree's rules/)
//   build/bench/rules_bench --corpus-jsonl  (prints the corpus as `aasr-bot
//                                            screen` input, then exits)
//
// --baseline: a second rule directory (issue 10: the rules at 5725b3a, which
// `make bench` exports there with git archive) screened by the same engine on
// the same corpus with the same 2,000 generated rules, in the same interleaved
// loop; the JSON line then carries both throughputs and their ratio
// (engine_vs_baseline, wall; engine_vs_baseline_cpu, thread CPU time, the
// steadier figure on a busy machine).
// --engine-only: skips std::regex and Hyperscan (their figures are absent).
// --rule-costs: what each rule of RULES_DIR costs alone (loaded by itself with
// the lists, on every 4th comment, thread CPU time, fastest of 3, minus a set
// of one rule that never matches), most costly first, so a rule writer sees
// which rules to make cheaper. Printed before the JSON line.
//
// 1. Corpus: >= 10.5 MB of generated comments, 100-400 bytes each, ~4% planted
//    hits (half disguised), accents, emoji, Spanish, Cyrillic
//    (rules_bench_corpus.cc; fixed seeds, so every run screens the same bytes).
// 2. Rules: RULES_DIR's rule files and lists, plus 2,000 generated one-word
//    rules, copied to a temp directory and loaded with RuleSet::LoadDirectory
//    (compile_ms_2000_rules; the shipped set alone is timed too). If RULES_DIR
//    has no rule file or does not load, an embedded stand-in of ~100 typical
//    terms takes its place, and the output says so.
// 3. Engine: Screen() on every comment (normalization + matching + verdict).
// 4. std::regex: every baseline pattern (rules_bench_patterns.h) per comment,
//    on a sample spread over the corpus (a few seconds' worth), scaled.
// 5. Hyperscan: the same patterns in one database, hs_scan per comment, every
//    comment.
// Then where the engine's time goes (Normalize() vs Screen(), replicas of its
// RE2::Set passes, per-step normalizer costs), a table, and as the LAST line
// one JSON object with the headline figures. MB = 10^6 bytes; times are
// steady_clock wall time (thread CPU time is printed beside the main ones).
//
// On a shared machine, see the note above the interleaved loop in Run() for
// how preemption is kept out of the figures.
//
// std::regex is used here (and in rules_bench_patterns.cc) only because it is
// the naive baseline being measured; the project bans it everywhere else.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <hs.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <re2/set.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include "bench/rules_bench_corpus.h"
#include "bench/rules_bench_patterns.h"
#include "bot/rules/features.h"
#include "bot/rules/normalize.h"
#include "bot/rules/rules.h"
#include "aasr/build_paths.h"

#ifndef AASR_RULES_DIR
#define AASR_RULES_DIR "rules"
#endif

namespace aasr::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using rules::Action;
using rules::Comment;
using rules::RuleSetPtr;

constexpr size_t kCorpusBytes = 10'500'000;
constexpr size_t kGeneratedRules = 2000;
constexpr double kStdRegexSeconds = 5.0;       // time budget for the std::regex sample
constexpr size_t kStdRegexMaxBytes = 200'000;  // and its size cap
constexpr size_t kStdRegexCandidates = 800;    // evenly spaced comments, taken in shuffled order

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double Mb(size_t bytes) { return static_cast<double>(bytes) / 1e6; }

// CPU time of this thread. Wall time (steady_clock) is the figure reported;
// CPU time is shown next to it because the machine is shared: when the two
// differ a lot, the process waited for a core and the wall figures are noisy.
double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Stopwatch {
  Clock::time_point wall = Clock::now();
  double cpu = ThreadCpu();
  // Adds the time since the last call (or construction) to *wall_s, *cpu_s.
  void Lap(double* wall_s, double* cpu_s) {
    const auto now = Clock::now();
    const double c = ThreadCpu();
    *wall_s += std::chrono::duration<double>(now - wall).count();
    *cpu_s += c - cpu;
    wall = now;
    cpu = c;
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Keeps the optimizer from discarding work whose result is otherwise unused.
volatile size_t g_sink = 0;

Comment ToComment(const CorpusComment& c) {
  Comment out;
  out.text = c.text;
  if (c.has_author) {
    out.author.account_age_days = c.account_age_days;
    out.author.followers = c.followers;
    out.author.first_comment = c.first_comment;
  }
  out.platform = "bench";
  return out;
}

bool HasRuleFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) return true;
  }
  return false;
}

// Copies dir's rule files and lists/*.txt into to (created).
void CopyRules(const std::string& dir, const fs::path& to) {
  fs::create_directories(to / "lists");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "lists", ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") {
      fs::copy_file(e.path(), to / "lists" / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

struct Loaded {
  RuleSetPtr set;
  double median_ms = 0, min_ms = 0, median_cpu_ms = 0;
  std::string errors;
};

// LoadDirectory five times. The fastest is the figure (the machine is shared;
// see the interleaving note in Run), the median and CPU time are shown too.
Loaded TimeLoad(const fs::path& dir) {
  Loaded out;
  std::vector<double> ms, cpu_ms;
  for (int i = 0; i < 5; ++i) {
    Stopwatch w;
    Result<RuleSetPtr> r = rules::RuleSet::LoadDirectory(dir.string());
    double wall = 0, cpu = 0;
    w.Lap(&wall, &cpu);
    ms.push_back(wall * 1e3);
    cpu_ms.push_back(cpu * 1e3);
    if (!r.ok()) {
      out.errors = FormatErrors(r.errors());
      return out;
    }
    out.set = r.value();
  }
  out.median_ms = Median(ms);
  out.min_ms = *std::min_element(ms.begin(), ms.end());
  out.median_cpu_ms = Median(cpu_ms);
  return out;
}

// What screening a range of comments found, and how long it took.
struct ScreenRun {
  double seconds = 0;
  size_t bytes = 0, comments = 0;
  size_t by_action[3] = {0, 0, 0};
  double seconds_by_action[3] = {0, 0, 0};
  size_t planted = 0, planted_flagged = 0, clean = 0, clean_flagged = 0;
  size_t generated_planted = 0, generated_flagged = 0;
  std::map<std::string, size_t> clean_flagged_by_rule;  // rule id -> clean comments it flagged
  std::map<std::string, std::string> clean_example;     // rule id -> the text it flagged once
  std::vector<std::string> missed;                      // planted sentences let through
};

void ScreenIndexes(const rules::RuleSet& set, const std::vector<Comment>& comments, const Corpus& corpus,
                   const std::vector<size_t>& indexes, ScreenRun* run) {
  const auto t0 = Clock::now();
  for (const size_t i : indexes) {
    const auto c0 = Clock::now();
    const rules::Verdict v = set.Screen(comments[i]);
    const double s = Since(c0);
    const int a = static_cast<int>(v.action);
    ++run->by_action[a];
    run->seconds_by_action[a] += s;
    run->bytes += comments[i].text.size();
    const bool flagged = v.action != Action::kAllow;
    const Planted p = corpus.comments[i].planted;
    if (p == Planted::kNone) {
      ++run->clean;
      run->clean_flagged += flagged;
      if (flagged) {
        for (const rules::RuleMatch& m : v.matches) {
          if (m.action == Action::kAllow) continue;
          if (run->clean_flagged_by_rule[m.rule_id]++ == 0 && !m.spans.empty()) {
            const auto [b, e] = m.spans.front();
            run->clean_example[m.rule_id] = comments[i].text.substr(b, e - b);
          }
        }
      }
    } else {
      ++run->planted;
      run->planted_flagged += flagged;
      if (!flagged) run->missed.push_back(corpus.comments[i].planted_text);
      if (p == Planted::kGenerated) {
        ++run->generated_planted;
        run->generated_flagged += flagged;
      }
    }
    g_sink = g_sink + v.matches.size();
  }
  run->seconds += Since(t0);
  run->comments += indexes.size();
}

ScreenRun ScreenAll(const rules::RuleSet& set, const std::vector<Comment>& comments, const Corpus& corpus,
                    size_t limit) {
  ScreenRun run;
  std::vector<size_t> indexes(std::min(limit, comments.size()));
  for (size_t i = 0; i < indexes.size(); ++i) indexes[i] = i;
  ScreenIndexes(set, comments, corpus, indexes, &run);
  return run;
}

// One RE2::Set configured as bot/rules/matcher.cc configures its sets.
class SetReplica {
 public:
  SetReplica(const std::vector<std::string>& regexes, bool case_sensitive) {
    RE2::Options options;
    options.set_case_sensitive(case_sensitive);
    options.set_log_errors(false);
    options.set_max_mem(int64_t{1} << 30);
    set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (const std::string& re : regexes) {
      if (set_->Add(re, nullptr) < 0) ++rejected;
      else ++patterns;
    }
    if (patterns == 0 || !set_->Compile()) set_.reset();
  }
  void Pass(const std::vector<std::string>& texts, size_t begin, size_t end) {
    if (!set_) return;
    for (size_t i = begin; i < end; ++i) {
      found_.clear();
      set_->Match(texts[i], &found_);
      g_sink = g_sink + found_.size();
    }
  }
  size_t patterns = 0, rejected = 0;

 private:
  std::unique_ptr<RE2::Set> set_;
  std::vector<int> found_;
};

// ------------------------------------------------------------ Hyperscan ----

struct Hyperscan {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  ~Hyperscan() {
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
};

int CountMatch(unsigned int, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ++*static_cast<size_t*>(ctx);
  return 0;  // keep scanning: with SINGLEMATCH each pattern reports once
}

size_t HsCount(const Hyperscan& hs, const std::string& text) {
  size_t n = 0;
  hs_scan(hs.db, text.data(), static_cast<unsigned int>(text.size()), 0, hs.scratch, CountMatch, &n);
  return n;
}

// ------------------------------------------------------------ rule costs ----

struct RuleCost {
  std::string id, file;
  double us_per_comment = 0;  // CPU, above the floor
  size_t flagged = 0;         // sample comments it matched
};

// Each rule of dir alone: a directory holding dir's lists, the rule's file
// without its other rules (its inline lists and other keys kept), loaded and
// timed over `sample`. Rules that do not load alone are reported with -1.
std::vector<RuleCost> MeasureRuleCosts(const std::string& dir, const fs::path& tmp,
                                       const std::vector<Comment>& sample, double* floor_us) {
  auto time_set = [&](const rules::RuleSet& set, size_t* flagged) {
    double best = 1e30;
    for (int r = 0; r < 3; ++r) {
      size_t n = 0;
      const double c0 = ThreadCpu();
      for (const Comment& c : sample) {
        const rules::Verdict v = set.Screen(c);
        n += !v.matches.empty() || !v.shadow_matches.empty();
      }
      best = std::min(best, ThreadCpu() - c0);
      if (flagged) *flagged = n;
    }
    return best * 1e6 / static_cast<double>(sample.size());
  };
  {
    Result<RuleSetPtr> floor = rules::RuleSet::LoadString(
        "rules:\n  - id: bench.floor\n    category: spam\n    description: never matches\n"
        "    action: review\n    words: [qqzzxqqzzx]\n");
    *floor_us = floor.ok() ? time_set(*floor.value(), nullptr) : 0;
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<RuleCost> out;
  const fs::path one = tmp / "one-rule";
  for (const fs::path& f : files) {
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(f.string());
    } catch (const YAML::Exception&) {
      continue;
    }
    if (!doc["rules"] || !doc["rules"].IsSequence()) continue;
    for (const YAML::Node& rule : doc["rules"]) {
      RuleCost cost;
      cost.id = rule["id"] ? rule["id"].Scalar() : "?";
      cost.file = f.filename().string();
      fs::remove_all(one, ec);
      CopyRules(dir, one);
      for (const auto& e : fs::directory_iterator(one, ec)) {
        if (e.is_regular_file()) fs::remove(e.path(), ec);  // the rule files; lists/ stays
      }
      YAML::Node alone = YAML::Clone(doc);
      alone["rules"] = YAML::Node(YAML::NodeType::Sequence);
      alone["rules"].push_back(rule);
      YAML::Emitter emit;
      emit << alone;
      WriteFile(one / f.filename(), emit.c_str());
      Result<RuleSetPtr> set = rules::RuleSet::LoadDirectory(one.string());
      cost.us_per_comment = set.ok() ? std::max(0.0, time_set(*set.value(), &cost.flagged) - *floor_us) : -1;
      out.push_back(cost);
    }
  }
  fs::remove_all(one, ec);
  std::sort(out.begin(), out.end(),
            [](const RuleCost& a, const RuleCost& b) { return a.us_per_comment > b.us_per_comment; });
  return out;
}

// ---------------------------------------------------------------- output ----

void Row(const char* what, const std::string& value, const std::string& note = "") {
  std::printf("  %-46s %14s  %s\n", what, value.c_str(), note.c_str());
}

template <typename... Args>
std::string Fmt(const char* f, Args... args) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

// The corpus as `aasr-bot screen --format jsonl` input, to look at what the
// rules flag: {"id":"c123","text":…,"planted":"disguised","author":{…}}.
void PrintCorpusJsonl(const Corpus& corpus) {
  static const char* const kPlanted[] = {"none", "plain", "disguised", "generated"};
  for (size_t i = 0; i < corpus.comments.size(); ++i) {
    const CorpusComment& c = corpus.comments[i];
    nlohmann::ordered_json j;
    j["id"] = "c" + std::to_string(i);
    j["text"] = c.text;
    j["planted"] = kPlanted[static_cast<int>(c.planted)];
    if (c.has_author) {
      j["author"] = {{"account_age_days", c.account_age_days},
                     {"followers", c.followers},
                     {"first_comment", c.first_comment}};
    }
    std::printf("%s\n", j.dump().c_str());
  }
}

int Run(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--corpus-jsonl") {
    const std::vector<GeneratedWord> words = GenerateWords(kGeneratedRules);
    PrintCorpusJsonl(GenerateCorpus(kCorpusBytes, words));
    return 0;
  }
  std::string shipped_dir = AASR_RULES_DIR, baseline_dir;
  bool engine_only = false, rule_costs = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--baseline" && i + 1 < argc) {
      baseline_dir = argv[++i];
    } else if (arg == "--engine-only") {
      engine_only = true;
    } else if (arg == "--rule-costs") {
      rule_costs = true;
    } else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "rules_bench: unknown option '%s' (usage: rules_bench [RULES_DIR] [--baseline DIR] [--engine-only] [--rule-costs] | --corpus-jsonl)\n", arg.c_str());
      return 2;
    } else {
      shipped_dir = arg;
    }
  }
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();

  // ---- inputs
  auto t0 = Clock::now();
  const std::vector<GeneratedWord> words = GenerateWords(kGeneratedRules);
  const Corpus corpus = GenerateCorpus(kCorpusBytes, words);
  const double gen_s = Since(t0);
  std::vector<Comment> comments;
  comments.reserve(corpus.comments.size());
  size_t planted_count[4] = {0, 0, 0, 0};
  size_t min_len = SIZE_MAX, max_len = 0;
  for (const CorpusComment& c : corpus.comments) {
    comments.push_back(ToComment(c));
    ++planted_count[static_cast<int>(c.planted)];
    min_len = std::min(min_len, c.text.size());
    max_len = std::max(max_len, c.text.size());
  }

  // ---- rule directories (temp copies: shipped alone, shipped + generated)
  const fs::path tmp = fs::temp_directory_path() / ("aasr_rules_bench_" + std::to_string(::getpid()));
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{tmp};
  const fs::path shipped_copy = tmp / "shipped", combined = tmp / "combined";
  std::string rules_source = shipped_dir;
  std::string stand_in_reason;
  Loaded shipped;
  if (HasRuleFiles(shipped_dir)) {
    CopyRules(shipped_dir, shipped_copy);
    shipped = TimeLoad(shipped_copy);
    if (!shipped.set) {
      // The first few problems; `aasr-bot rules check` lists them all.
      stand_in_reason = "the shipped rules do not load (aasr-bot rules check " + shipped_dir + "):";
      size_t pos = 0;
      for (int n = 0; n < 5 && pos < shipped.errors.size(); ++n) {
        const size_t nl = shipped.errors.find('\n', pos);
        stand_in_reason += "\n      " + shipped.errors.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? shipped.errors.size() : nl + 1;
      }
      if (pos < shipped.errors.size()) stand_in_reason += "\n      ...";
    }
  } else {
    stand_in_reason = "no rule file (*.yaml) in " + shipped_dir;
  }
  if (!stand_in_reason.empty()) {
    std::error_code ec;
    fs::remove_all(shipped_copy, ec);
    fs::create_directories(shipped_copy / "lists");
    WriteFile(shipped_copy / "standin.yaml", kStandInRulesYaml);
    shipped = TimeLoad(shipped_copy);
    rules_source = "EMBEDDED STAND-IN (~100 typical terms)";
    if (!shipped.set) {
      std::fprintf(stderr, "rules_bench: the embedded stand-in rules do not load:\n%s\n", shipped.errors.c_str());
      return 1;
    }
  }
  CopyRules(shipped_copy.string(), combined);
  WriteFile(combined / "zz-rules-bench-generated.yaml", GeneratedRulesYaml(words));
  const Loaded all = TimeLoad(combined);
  if (!all.set) {
    std::fprintf(stderr, "rules_bench: the combined rule set does not load:\n%s\n", all.errors.c_str());
    return 1;
  }
  // The baseline: its rules with the same generated ones, loaded the same way.
  Loaded baseline;
  if (!baseline_dir.empty()) {
    if (!HasRuleFiles(baseline_dir)) {
      std::fprintf(stderr, "rules_bench: --baseline %s: no rule file (*.yaml)\n", baseline_dir.c_str());
      return 1;
    }
    const fs::path baseline_copy = tmp / "baseline";
    CopyRules(baseline_dir, baseline_copy);
    WriteFile(baseline_copy / "zz-rules-bench-generated.yaml", GeneratedRulesYaml(words));
    baseline = TimeLoad(baseline_copy);
    if (!baseline.set) {
      std::fprintf(stderr, "rules_bench: --baseline %s does not load:\n%s\n", baseline_dir.c_str(),
                   baseline.errors.c_str());
      return 1;
    }
  }

  // ---- baseline patterns: the same terms, as plain regexes
  BaselinePatterns patterns;
  AddRulePatterns(shipped_copy.string(), &patterns);
  AddGeneratedPatterns(words, &patterns);

  // ---- std::regex, then Hyperscan, from the same list. A pattern either
  // refuses is dropped from both baselines and noted in the table.
  t0 = Clock::now();
  std::vector<std::regex> regexes;
  regexes.reserve(patterns.regexes.size());
  for (size_t i = 0; i < patterns.regexes.size();) {
    try {
      regexes.emplace_back(patterns.regexes[i], std::regex::ECMAScript | std::regex::icase);
      ++i;
    } catch (const std::regex_error& e) {
      patterns.problems.push_back("'" + patterns.regexes[i] + "' dropped: std::regex: " + e.what());
      patterns.regexes.erase(patterns.regexes.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  const double std_compile_s = Since(t0);
  Hyperscan hs;
  t0 = Clock::now();
  for (; !engine_only;) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < patterns.regexes.size(); ++i) {
      exprs.push_back(patterns.regexes[i].c_str());
      flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* hs_err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                         HS_MODE_BLOCK, nullptr, &hs.db, &hs_err) == HS_SUCCESS) {
      break;
    }
    const int bad = hs_err ? hs_err->expression : -1;
    const std::string message = hs_err && hs_err->message ? hs_err->message : "?";
    hs_free_compile_error(hs_err);
    if (bad < 0 || static_cast<size_t>(bad) >= patterns.regexes.size()) {
      std::fprintf(stderr, "rules_bench: hs_compile_multi failed: %s\n", message.c_str());
      return 1;
    }
    patterns.problems.push_back("'" + patterns.regexes[static_cast<size_t>(bad)] + "' dropped: hyperscan: " + message);
    patterns.regexes.erase(patterns.regexes.begin() + bad);
    regexes.erase(regexes.begin() + bad);
  }
  const double hs_compile_s = Since(t0);
  if (!engine_only && hs_alloc_scratch(hs.db, &hs.scratch) != HS_SUCCESS) {
    std::fprintf(stderr, "rules_bench: hs_alloc_scratch failed\n");
    return 1;
  }

  // ---- the normalizer's steps one by one (also yields the views the set
  // replicas run on)
  static const char* const kSteps[] = {"MappedText::Identity", "1 RemoveFormatCharacters",
                                       "2 FoldCompatibilityAndCase", "3 StripDiacritics",
                                       "4 FoldHomoglyphs", "5 DecodeLeetspeak",
                                       "6 CollapseSeparators"};
  double step_s[7] = {0};
  std::vector<std::string> canonical_texts, literal_texts;
  canonical_texts.reserve(comments.size());
  literal_texts.reserve(comments.size());
  for (const Comment& c : comments) {
    auto s0 = Clock::now();
    auto lap = [&](int i) {
      const auto now = Clock::now();
      step_s[i] += std::chrono::duration<double>(now - s0).count();
      s0 = now;
    };
    rules::MappedText t = rules::MappedText::Identity(c.text);
    lap(0);
    t = rules::RemoveFormatCharacters(t);
    lap(1);
    t = rules::FoldCompatibilityAndCase(t);
    lap(2);
    literal_texts.push_back(t.text);
    t = rules::StripDiacritics(t);
    lap(3);
    t = rules::FoldHomoglyphs(t);
    lap(4);
    t = rules::DecodeLeetspeak(t);
    lap(5);
    t = rules::CollapseSeparators(t);
    lap(6);
    canonical_texts.push_back(rules::SqueezeLetters(t.text));  // what the set runs over
  }
  // A replica of the engine's two RE2::Set passes (see BaselinePatterns):
  // every term pattern over the canonical view, every regex over the literal.
  SetReplica canonical_set(patterns.engine_canonical, true);
  SetReplica literal_set(patterns.engine_literal, false);

  // ---- every measurement over every comment, interleaved.
  // The machine is shared (2 cores, several people building), so a pass is
  // often preempted. The lanes run in alternating blocks of 2,000 comments,
  // three rounds after a warm-up (RE2 builds its DFAs lazily), and each
  // lane's figure is the sum over blocks of the block's fastest round: the
  // same filter for every lane, and it removes the time spent waiting for a
  // core. The plain median round is shown next to it. Short blocks (Hyperscan's)
  // escape preemption more often than long ones (the engine's), so under load
  // the filter, if anything, favours Hyperscan. Blocks are long enough that
  // each lane's caches refill in a small part of its block; Hyperscan is also
  // timed alone (contiguous passes) and the faster of the two is its figure.
  const size_t kWarm = 500;
  const ScreenRun warm = ScreenAll(*all.set, comments, corpus, kWarm);
  ScreenAll(*shipped.set, comments, corpus, kWarm);
  canonical_set.Pass(canonical_texts, 0, kWarm);
  literal_set.Pass(literal_texts, 0, kWarm);
  for (size_t i = 0; i < kWarm && !engine_only; ++i) g_sink = g_sink + HsCount(hs, comments[i].text);
  if (baseline.set) ScreenAll(*baseline.set, comments, corpus, kWarm);
  constexpr int kRounds = 3;
  constexpr size_t kBlock = 2000;
  const size_t blocks = (comments.size() + kBlock - 1) / kBlock;
  // Within a block, ASCII-only comments go first, then those with any
  // non-ASCII byte, so Screen and Normalize are also timed per kind.
  std::vector<std::vector<size_t>> block_ascii(blocks), block_other(blocks), block_all(blocks);
  size_t ascii_count = 0;
  for (size_t i = 0; i < comments.size(); ++i) {
    const std::string& t = comments[i].text;
    const bool ascii = std::all_of(t.begin(), t.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
    (ascii ? block_ascii : block_other)[i / kBlock].push_back(i);
    ascii_count += ascii;
  }
  for (size_t k = 0; k < blocks; ++k) {
    block_all[k] = block_ascii[k];
    block_all[k].insert(block_all[k].end(), block_other[k].begin(), block_other[k].end());
  }
  const size_t other_count = comments.size() - ascii_count;
  enum LaneId {
    kScreen, kScreenAscii, kScreenOther, kNormalize, kNormAscii, kNormOther,
    kCanonicalSet, kLiteralSet, kFeatures, kShipped, kHyperscan, kBaseline, kLanes
  };
  std::vector<double> wall[kLanes][kRounds], cpu[kLanes][kRounds];  // per block
  for (int l = 0; l < kLanes; ++l) {
    for (int r = 0; r < kRounds; ++r) wall[l][r].assign(blocks, 0), cpu[l][r].assign(blocks, 0);
  }
  ScreenRun engine, shipped_run, baseline_run;  // verdict statistics, from round 0
  size_t hs_matched = 0;
  for (int r = 0; r < kRounds; ++r) {
    ScreenRun discard;
    for (size_t b = 0; b < comments.size(); b += kBlock) {
      const size_t e = std::min(comments.size(), b + kBlock);
      const size_t k = b / kBlock;
      Stopwatch w;
      ScreenIndexes(*all.set, comments, corpus, block_ascii[k], r == 0 ? &engine : &discard);
      w.Lap(&wall[kScreenAscii][r][k], &cpu[kScreenAscii][r][k]);
      ScreenIndexes(*all.set, comments, corpus, block_other[k], r == 0 ? &engine : &discard);
      w.Lap(&wall[kScreenOther][r][k], &cpu[kScreenOther][r][k]);
      wall[kScreen][r][k] = wall[kScreenAscii][r][k] + wall[kScreenOther][r][k];
      cpu[kScreen][r][k] = cpu[kScreenAscii][r][k] + cpu[kScreenOther][r][k];
      for (const size_t i : block_ascii[k]) g_sink = g_sink + rules::Normalize(comments[i].text).canonical.text.size();
      w.Lap(&wall[kNormAscii][r][k], &cpu[kNormAscii][r][k]);
      for (const size_t i : block_other[k]) g_sink = g_sink + rules::Normalize(comments[i].text).canonical.text.size();
      w.Lap(&wall[kNormOther][r][k], &cpu[kNormOther][r][k]);
      wall[kNormalize][r][k] = wall[kNormAscii][r][k] + wall[kNormOther][r][k];
      cpu[kNormalize][r][k] = cpu[kNormAscii][r][k] + cpu[kNormOther][r][k];
      canonical_set.Pass(canonical_texts, b, e);
      w.Lap(&wall[kCanonicalSet][r][k], &cpu[kCanonicalSet][r][k]);
      literal_set.Pass(literal_texts, b, e);
      w.Lap(&wall[kLiteralSet][r][k], &cpu[kLiteralSet][r][k]);
      for (size_t i = b; i < e; ++i) g_sink = g_sink + rules::ComputeFeatures(comments[i].text).length + rules::FindLinkDomains(comments[i].text).size();
      w.Lap(&wall[kFeatures][r][k], &cpu[kFeatures][r][k]);
      ScreenIndexes(*shipped.set, comments, corpus, block_all[k], r == 0 ? &shipped_run : &discard);
      w.Lap(&wall[kShipped][r][k], &cpu[kShipped][r][k]);
      if (baseline.set) ScreenIndexes(*baseline.set, comments, corpus, block_all[k], r == 0 ? &baseline_run : &discard);
      w.Lap(&wall[kBaseline][r][k], &cpu[kBaseline][r][k]);
      size_t matched = 0;
      for (size_t i = b; i < e && !engine_only; ++i) matched += HsCount(hs, comments[i].text) > 0;
      w.Lap(&wall[kHyperscan][r][k], &cpu[kHyperscan][r][k]);
      if (r == 0) hs_matched += matched;
    }
  }
  double lane_s[kLanes], lane_cpu[kLanes], lane_median_s[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    lane_s[l] = lane_cpu[l] = 0;
    std::vector<double> totals(kRounds, 0);
    for (size_t k = 0; k < blocks; ++k) {
      double best = wall[l][0][k], best_cpu = cpu[l][0][k];
      for (int r = 0; r < kRounds; ++r) {
        best = std::min(best, wall[l][r][k]);
        best_cpu = std::min(best_cpu, cpu[l][r][k]);
        totals[r] += wall[l][r][k];
      }
      lane_s[l] += best;
      lane_cpu[l] += best_cpu;
    }
    lane_median_s[l] = Median(totals);
  }
  const double engine_s = lane_s[kScreen];
  const double engine_mb_s = Mb(corpus.bytes) / engine_s;
  const double engine_comments_s = static_cast<double>(comments.size()) / engine_s;
  // Hyperscan alone: three contiguous passes over the corpus, the fastest.
  double hs_alone_s = 1e30;
  for (int r = 0; r < kRounds && !engine_only; ++r) {
    const auto h0 = Clock::now();
    for (const Comment& c : comments) g_sink = g_sink + HsCount(hs, c.text);
    hs_alone_s = std::min(hs_alone_s, Since(h0));
  }
  const double hs_s = std::min(lane_s[kHyperscan], hs_alone_s);
  const double hs_mb_s = Mb(corpus.bytes) / hs_s;
  size_t hs_db_bytes = 0;
  if (!engine_only) hs_database_size(hs.db, &hs_db_bytes);
  // Per-comment fixed cost: a two-letter comment, combined set and shipped set.
  const size_t kTiny = 20000;
  Comment tiny;
  tiny.text = "ok";
  t0 = Clock::now();
  for (size_t i = 0; i < kTiny; ++i) g_sink = g_sink + all.set->Screen(tiny).matches.size();
  const double tiny_us = Since(t0) * 1e6 / kTiny;
  t0 = Clock::now();
  for (size_t i = 0; i < kTiny; ++i) g_sink = g_sink + shipped.set->Screen(tiny).matches.size();
  const double tiny_shipped_us = Since(t0) * 1e6 / kTiny;

  // ---- std::regex baseline, on a sample spread over the corpus
  // Candidates spread evenly over the corpus, in a fixed shuffled order, so
  // whatever prefix the time budget allows still spans the whole corpus.
  std::vector<size_t> candidates;
  const size_t stride = std::max<size_t>(1, comments.size() / kStdRegexCandidates);
  for (size_t i = 0; i < comments.size(); i += stride) candidates.push_back(i);
  Rng shuffle(0x5A3D1E);
  for (size_t k = candidates.size(); k > 1; --k) std::swap(candidates[k - 1], candidates[shuffle.Below(k)]);
  std::vector<size_t> sample;  // comment indexes
  std::vector<size_t> std_counts;
  size_t std_bytes = 0;
  // The same preemption filter as the other lanes: each comment is searched
  // in chunks of 100 patterns (a few ms each), every chunk twice, and the
  // faster run counts.
  constexpr size_t kStdChunk = 100;
  double std_s = 0, std_cpu_s = 0;
  t0 = Clock::now();
  for (const size_t i : candidates) {
    if (engine_only || std_bytes >= kStdRegexMaxBytes || (sample.size() >= 10 && Since(t0) > kStdRegexSeconds)) break;
    const std::string& text = comments[i].text;
    size_t hits = 0;
    for (size_t c = 0; c < regexes.size(); c += kStdChunk) {
      const size_t c_end = std::min(regexes.size(), c + kStdChunk);
      double best = 1e30, best_cpu = 1e30;
      for (int rep = 0; rep < 2; ++rep) {
        size_t h = 0;
        double wall_s = 0, cpu_s = 0;
        Stopwatch w;
        for (size_t p = c; p < c_end; ++p) h += std::regex_search(text, regexes[p]);
        w.Lap(&wall_s, &cpu_s);
        best = std::min(best, wall_s);
        best_cpu = std::min(best_cpu, cpu_s);
        if (rep == 0) hits += h;
      }
      std_s += best;
      std_cpu_s += best_cpu;
    }
    sample.push_back(i);
    std_counts.push_back(hits);
    std_bytes += text.size();
  }
  const double std_elapsed_s = Since(t0);
  const double std_mb_s = Mb(std_bytes) / std_s;
  size_t std_matched = 0;
  for (const size_t n : std_counts) std_matched += n > 0;

  // Do the two baselines agree on the sample? (They should: same patterns.)
  size_t agree = 0;
  for (size_t k = 0; k < sample.size(); ++k) agree += HsCount(hs, comments[sample[k]].text) == std_counts[k];

  // ---- table
  const double total_s = Since(start);
  const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf("aasr-bot rule engine benchmark (MB = 10^6 bytes; one process, one corpus, one pattern set)\n\n");
  std::printf("Corpus\n");
  Row("comments", std::to_string(corpus.comments.size()),
      Fmt("%.2f MB, ", Mb(corpus.bytes)) + std::to_string(min_len) + "-" + std::to_string(max_len) + " bytes each");
  Row("planted hits (plain / disguised / generated)",
      std::to_string(planted_count[1]) + "/" + std::to_string(planted_count[2]) + "/" +
          std::to_string(planted_count[3]),
      Fmt("%.1f%% of comments", 100.0 * (planted_count[1] + planted_count[2] + planted_count[3]) /
                                    static_cast<double>(corpus.comments.size())));
  Row("comments with non-ASCII text", std::to_string(corpus.non_ascii_comments),
      Fmt("%.1f%%", 100.0 * static_cast<double>(corpus.non_ascii_comments) / static_cast<double>(corpus.comments.size())));
  Row("generation time", Fmt("%.2f s", gen_s));
  std::printf("\nRules\n");
  Row("shipped rules source", "", rules_source);
  if (!stand_in_reason.empty()) std::printf("    stand-in because %s\n", stand_in_reason.c_str());
  Row("shipped rules", std::to_string(shipped.set->rule_count()));
  Row("combined rules (shipped + generated)", std::to_string(all.set->rule_count()));
  Row("load shipped only, fastest of 5", Fmt("%.1f ms", shipped.min_ms),
      Fmt("median %.1f ms, CPU %.1f ms", shipped.median_ms, shipped.median_cpu_ms));
  Row("load combined = compile_ms_2000_rules", Fmt("%.1f ms", all.min_ms),
      Fmt("fastest of 5; median %.1f ms, CPU %.1f ms; target < 200 ms", all.median_ms, all.median_cpu_ms));
  Row("baseline patterns (terms+regex+generated)",
      std::to_string(patterns.regexes.size()),
      std::to_string(patterns.from_terms) + " + " + std::to_string(patterns.from_regex) + " + " +
          std::to_string(patterns.from_generated));
  for (const std::string& p : patterns.problems) Row("  not in the baselines", "", p);

  std::printf("\nEngine: RuleSet::Screen on every comment (combined set)\n");
  const double per = 1e6 / static_cast<double>(comments.size());  // seconds -> us/comment
  Row("throughput", Fmt("%.2f MB/s", engine_mb_s), Fmt("%.0f comments/s", engine_comments_s));
  Row("time, fastest of 3 rounds per block", Fmt("%.2f s", engine_s),
      Fmt("%.1f us/comment; ", engine_s * per) + Fmt("median round %.2f s; ", lane_median_s[kScreen]) +
          Fmt("thread CPU %.2f s", lane_cpu[kScreen]));
  Row("first 500 comments (lazy DFA build)", Fmt("%.1f us/comment", 1e6 * warm.seconds / static_cast<double>(warm.comments)));
  static const char* const kActions[] = {"allow", "review", "hide"};
  for (int a = 0; a < 3; ++a) {
    const std::string name = std::string("verdict ") + kActions[a];
    Row(name.c_str(), std::to_string(engine.by_action[a]),
        engine.by_action[a] ? Fmt("%.1f us/comment", 1e6 * engine.seconds_by_action[a] /
                                                         static_cast<double>(engine.by_action[a]))
                            : "");
  }
  Row("planted comments flagged", std::to_string(engine.planted_flagged) + "/" + std::to_string(engine.planted),
      "generated-word plants: " + std::to_string(engine.generated_flagged) + "/" +
          std::to_string(engine.generated_planted));
  Row("clean comments flagged", std::to_string(engine.clean_flagged) + "/" + std::to_string(engine.clean),
      "false positives of the rule set, not of the engine");
  {
    std::vector<std::pair<size_t, std::string>> top;
    for (const auto& [id, n] : engine.clean_flagged_by_rule) top.emplace_back(n, id);
    std::sort(top.rbegin(), top.rend());
    for (size_t k = 0; k < top.size() && k < 6; ++k) {
      const std::string name = "  on clean text: " + top[k].second;
      Row(name.c_str(), std::to_string(top[k].first), "e.g. \"" + (engine.clean_example.count(top[k].second) ? engine.clean_example.at(top[k].second) : std::string()) + "\"");
    }
    std::vector<std::string> missed = engine.missed;
    std::sort(missed.begin(), missed.end());
    std::vector<std::pair<size_t, std::string>> by_count;
    for (size_t k = 0; k < missed.size();) {
      size_t m = k;
      while (m < missed.size() && missed[m] == missed[k]) ++m;
      by_count.emplace_back(m - k, missed[k]);
      k = m;
    }
    std::sort(by_count.rbegin(), by_count.rend());
    for (size_t k = 0; k < by_count.size() && k < 8; ++k) {
      Row(k == 0 ? "  planted but let through" : "", std::to_string(by_count[k].first) + "x",
          "\"" + by_count[k].second + "\"");
    }
  }

  std::printf("\nWhere the engine's time goes (same corpus, interleaved lanes, fastest of 3 rounds per block)\n");
  auto lane_row = [&](const char* name, int l, const std::string& extra) {
    Row(name, Fmt("%.2f s", lane_s[l]),
        Fmt("%5.1f us/comment, ", lane_s[l] * per) + Fmt("%3.0f%% of Screen; ", 100 * lane_s[l] / engine_s) +
            Fmt("CPU %.2f s", lane_cpu[l]) + extra);
  };
  lane_row("Screen(), combined set", kScreen, "");
  auto us_per = [](double seconds, size_t n) { return n ? seconds * 1e6 / static_cast<double>(n) : 0.0; };
  Row("  ASCII-only comments", std::to_string(ascii_count),
      Fmt("Screen %5.1f us/comment, ", us_per(lane_s[kScreenAscii], ascii_count)) +
          Fmt("Normalize %5.1f us/comment", us_per(lane_s[kNormAscii], ascii_count)));
  Row("  comments with non-ASCII bytes", std::to_string(other_count),
      Fmt("Screen %5.1f us/comment, ", us_per(lane_s[kScreenOther], other_count)) +
          Fmt("Normalize %5.1f us/comment", us_per(lane_s[kNormOther], other_count)));
  lane_row("  Normalize()", kNormalize, "");
  lane_row("  RE2::Set pass, canonical view (replica)", kCanonicalSet,
           "; " + std::to_string(canonical_set.patterns) + " term patterns" +
               (canonical_set.rejected ? ", " + std::to_string(canonical_set.rejected) + " rejected" : ""));
  lane_row("  RE2::Set pass, literal view (replica)", kLiteralSet,
           "; " + std::to_string(literal_set.patterns) + " regexes, case-insensitive" +
               (literal_set.rejected ? ", " + std::to_string(literal_set.rejected) + " rejected" : ""));
  const double rest = engine_s - lane_s[kNormalize] - lane_s[kCanonicalSet] - lane_s[kLiteralSet];
  Row("  rest: setup, locate, rules, verdict, explain", Fmt("%.2f s", rest),
      Fmt("%5.1f us/comment, ", rest * per) + Fmt("%3.0f%% of Screen (Screen - the three above)", 100 * rest / engine_s));
  Row("    of which fixed cost, Screen(\"ok\")", Fmt("%.1f us", tiny_us),
      Fmt("x comments = %.2f s, ", tiny_us * 1e-6 * static_cast<double>(comments.size())) +
          Fmt("%.0f%% of Screen; ", 100 * tiny_us * 1e-6 * static_cast<double>(comments.size()) / engine_s) +
          Fmt("shipped set alone: %.1f us", tiny_shipped_us));
  lane_row("    ComputeFeatures() (if a metadata rule runs)", kFeatures, "");
  lane_row("Screen(), shipped rules only", kShipped,
           Fmt("; %.2f MB/s", Mb(corpus.bytes) / lane_s[kShipped]));
  Row("  => the 2,000 generated rules cost", Fmt("%.2f s", engine_s - lane_s[kShipped]),
      Fmt("%5.1f us/comment", (engine_s - lane_s[kShipped]) * per));
  const double baseline_mb_s = baseline.set ? Mb(corpus.bytes) / lane_s[kBaseline] : 0;
  const double baseline_cpu_mb_s = baseline.set ? Mb(corpus.bytes) / lane_cpu[kBaseline] : 0;
  const double engine_cpu_mb_s = Mb(corpus.bytes) / lane_cpu[kScreen];
  if (baseline.set) {
    lane_row("Screen(), baseline rules + generated", kBaseline,
             Fmt("; %.2f MB/s (CPU: %.2f MB/s); ", baseline_mb_s, baseline_cpu_mb_s) + baseline_dir);
    Row("  => current / baseline throughput", Fmt("%.3f", engine_mb_s / baseline_mb_s),
        Fmt("CPU time: %.3f; issue 10 target >= 0.8; ", engine_cpu_mb_s / baseline_cpu_mb_s) +
            std::to_string(baseline.set->rule_count()) + " baseline rules, " +
            std::to_string(baseline_run.by_action[1] + baseline_run.by_action[2]) + " comments flagged");
  }
  double steps_total = 0;
  for (double x : step_s) steps_total += x;
  Row("Normalize's step functions one by one", Fmt("%.2f s", steps_total),
      Fmt("%5.1f us/comment (separate pass; the unfused reference path)", steps_total * per));
  for (int i = 0; i < 7; ++i) {
    const std::string name = std::string("  ") + kSteps[i];
    Row(name.c_str(), Fmt("%.2f s", step_s[i]),
        Fmt("%5.1f us/comment, ", step_s[i] * per) + Fmt("%3.0f%% of the steps", 100 * step_s[i] / steps_total));
  }

  if (!engine_only) {
  std::printf("\nBaselines (raw text: no normalization, no spans, no verdicts)\n");
  Row("std::regex, icase, pattern by pattern", Fmt("%.4f MB/s", std_mb_s),
      std::to_string(sample.size()) + " comments, " + Fmt("%.1f KB sample, ", std_bytes / 1e3) +
          Fmt("%.2f s (faster of 2 runs per chunk of 100 patterns; ", std_s) + Fmt("CPU %.2f s; ", std_cpu_s) +
          Fmt("%.1f s elapsed)", std_elapsed_s));
  Row("  compile", Fmt("%.0f ms", std_compile_s * 1e3),
      std::to_string(std_matched) + " sample comments matched");
  Row("Hyperscan, hs_compile_multi, every comment", Fmt("%.1f MB/s", hs_mb_s),
      Fmt("%.2f s, hs_scan per comment, the faster of:", hs_s));
  Row("  interleaved, fastest of 3 rounds per block", Fmt("%.2f s", lane_s[kHyperscan]),
      Fmt("median round %.2f s; ", lane_median_s[kHyperscan]) + Fmt("CPU %.2f s", lane_cpu[kHyperscan]));
  Row("  alone, fastest of 3 contiguous passes", Fmt("%.2f s", hs_alone_s));
  Row("  compile", Fmt("%.0f ms", hs_compile_s * 1e3),
      Fmt("database %.1f MB; ", Mb(hs_db_bytes)) + std::to_string(hs_matched) + " comments matched");
  Row("  agrees with std::regex on the sample", std::to_string(agree) + "/" + std::to_string(sample.size()),
      "comments with the same number of patterns matched");

  }
  const double ratio_std = engine_mb_s / std_mb_s;
  const double ratio_hs = engine_mb_s / hs_mb_s;
  std::printf("\nTargets (issues 2 and 10)\n");
  if (!engine_only) {
    Row("engine / std::regex", Fmt("%.0f x", ratio_std), ratio_std >= 500 ? "target >= 500: met" : "target >= 500: NOT met");
    Row("engine / Hyperscan", Fmt("%.3f", ratio_hs), ratio_hs >= 0.25 ? "target >= 0.25: met" : "target >= 0.25: NOT met");
  }
  if (baseline.set) {
    const double r = engine_mb_s / baseline_mb_s;
    Row("engine, current / baseline rules", Fmt("%.3f", r), r >= 0.8 ? "target >= 0.8: met" : "target >= 0.8: NOT met");
  }
  Row("compile, 2,000 rules + shipped", Fmt("%.1f ms", all.min_ms),
      all.min_ms < 200 ? "target < 200 ms: met" : "target < 200 ms: NOT met");
  Row("total run time", Fmt("%.1f s", total_s),
      Fmt("CPU %.1f s", cpu_s) + (cpu_s < 0.85 * total_s ? " (the machine was busy: figures are noisy)" : ""));
  std::printf("\n");
  if (rule_costs) {
    std::vector<Comment> sample;
    for (size_t i = 0; i < comments.size(); i += 4) sample.push_back(comments[i]);
    double floor_us = 0;
    const std::vector<RuleCost> costs = MeasureRuleCosts(shipped_copy.string(), tmp, sample, &floor_us);
    double sum = 0;
    for (const RuleCost& c : costs) sum += std::max(0.0, c.us_per_comment);
    std::printf("\nWhat each rule costs alone (%zu comments, every 4th; thread CPU, fastest of 3; "
                "above a one-rule set's %.1f us/comment; sum %.1f us/comment)\n",
                sample.size(), floor_us, sum);
    for (const RuleCost& c : costs) {
      Row(("  " + c.id).c_str(), c.us_per_comment < 0 ? "does not load alone" : Fmt("%.2f us/comment", c.us_per_comment),
          c.file + ", " + std::to_string(c.flagged) + " sample comments matched");
    }
    std::printf("\n");
  }
  // The headline figures, rounded as before; absent when not measured.
  // Numbers as printf writes them (%.3f ...), not as the nearest double prints.
  auto round_to = [](double v, double unit) {
    const int digits = unit >= 1 ? 0 : static_cast<int>(std::lround(-std::log10(unit)));
    return nlohmann::ordered_json::parse(Fmt("%.*f", digits, v));
  };
  nlohmann::ordered_json line;
  line["engine_mb_s"] = round_to(engine_mb_s, 1e-3);
  line["engine_comments_s"] = round_to(engine_comments_s, 0.1);
  if (!engine_only) {
    line["std_regex_mb_s"] = round_to(std_mb_s, 1e-5);
    line["hyperscan_mb_s"] = round_to(hs_mb_s, 1e-2);
    line["ratio_vs_std_regex"] = round_to(ratio_std, 0.1);
    line["ratio_vs_hyperscan"] = round_to(ratio_hs, 1e-4);
  }
  line["compile_ms_2000_rules"] = round_to(all.min_ms, 0.1);
  line["engine_cpu_mb_s"] = round_to(engine_cpu_mb_s, 1e-3);
  if (baseline.set) {
    line["baseline_rules"] = baseline_dir;
    line["baseline_engine_mb_s"] = round_to(baseline_mb_s, 1e-3);
    line["baseline_engine_cpu_mb_s"] = round_to(baseline_cpu_mb_s, 1e-3);
    line["engine_vs_baseline"] = round_to(engine_mb_s / baseline_mb_s, 1e-3);
    line["engine_vs_baseline_cpu"] = round_to(engine_cpu_mb_s / baseline_cpu_mb_s, 1e-3);
  }
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace aasr::bench

int main(int argc, char** argv) { return aasr::bench::Run(argc, argv); }
