// Rule files -> baseline regexes. See rules_bench_patterns.h.
//
// std::regex appears here and in rules_bench.cc ONLY because the benchmark's
// naive baseline is, by definition, std::regex. The project bans it
// everywhere else (bot/ uses RE2).
#include "bench/rules_bench_patterns.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <hs.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include "bot/rules/normalize.h"

namespace aasr::bench {
namespace {

namespace fs = std::filesystem;

using Lists = std::map<std::string, std::vector<std::string>>;

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The words of a literal segment: runs of ASCII letters/digits and non-ASCII
// bytes; everything else separates (as the engine's separator step does).
std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> words;
  std::string w;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlnum(c) || c >= 0x80) {
      w += ch;
    } else if (!w.empty()) {
      words.push_back(w);
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(w);
  return words;
}

// Body of a term without outer boundaries; "" if it has no words.
// `inner_wildcards`: a `*` becomes \w* (inside a list alternation) instead of
// dropping the boundary (at top level, which matches the same texts).
std::string TermBody(std::string text, const Lists& lists, bool expand_refs, bool inner_wildcards,
                     bool* wild_start, bool* wild_end) {
  *wild_start = !text.empty() && text.front() == '*';
  *wild_end = text.size() > 1 && text.back() == '*';
  if (*wild_start) text.erase(0, 1);
  if (*wild_end) text.pop_back();
  std::vector<std::string> pieces;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t open = text.find('{', pos);
    for (std::string& w : SplitWords(text.substr(pos, open == std::string::npos ? std::string::npos : open - pos))) {
      pieces.push_back(std::move(w));
    }
    if (open == std::string::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string::npos) return "";
    const auto list = lists.find(text.substr(open + 1, close - open - 1));
    if (!expand_refs || list == lists.end()) return "";
    std::string alternatives;
    for (const std::string& member : list->second) {
      bool ws = false, we = false;
      const std::string body = TermBody(member, lists, false, true, &ws, &we);
      if (body.empty()) continue;
      if (!alternatives.empty()) alternatives += '|';
      alternatives += body;
    }
    if (alternatives.empty()) return "";
    pieces.push_back("(?:" + alternatives + ")");
    pos = close + 1;
  }
  std::string body;
  for (const std::string& p : pieces) {
    if (!body.empty()) body += "\\W+";
    body += p;
  }
  if (body.empty()) return "";
  if (inner_wildcards) {
    if (*wild_start) body = "\\w*" + body;
    if (*wild_end) body += "\\w*";
  }
  return body;
}

std::string TermRegex(const std::string& term, const Lists& lists) {
  bool ws = false, we = false;
  const std::string body = TermBody(term, lists, true, false, &ws, &we);
  if (body.empty()) return "";
  // \b next to a non-ASCII byte never holds in either engine's byte mode.
  const bool ascii_front = IsAsciiAlnum(static_cast<unsigned char>(body.front())) || body.front() == '(';
  const bool ascii_back = IsAsciiAlnum(static_cast<unsigned char>(body.back())) || body.back() == ')';
  return std::string(!ws && ascii_front ? "\\b" : "") + body + (!we && ascii_back ? "\\b" : "");
}

// The engine's regex core for a term (mirrors TermCore in
// bot/rules/loader.cc): canonical words quoted, "{list}" as an alternation of
// the list's cores, "*" as [^ ]*. "" if the term has nothing to match.
std::string EngineCore(std::string text, const Lists& lists, bool allow_refs) {
  const bool wild_start = !text.empty() && text.front() == '*';
  const bool wild_end = text.size() > 1 && text.back() == '*';
  if (wild_start) text.erase(0, 1);
  if (wild_end) text.pop_back();
  std::string out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t open = text.find('{', pos);
    const std::string canon =
        rules::CanonicalTerm(text.substr(pos, open == std::string::npos ? std::string::npos : open - pos));
    if (!canon.empty()) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      out += RE2::QuoteMeta(rules::SqueezeLetters(canon));  // the set's prefilter form
    }
    if (open == std::string::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string::npos || !allow_refs) return "";
    const auto list = lists.find(text.substr(open + 1, close - open - 1));
    if (list == lists.end()) return "";
    std::string alternatives;
    for (const std::string& member : list->second) {
      const std::string core = EngineCore(member, lists, false);
      if (core.empty()) return "";
      if (!alternatives.empty()) alternatives += '|';
      alternatives += core;
    }
    if (!out.empty()) out += ' ';
    out += "(?:" + alternatives + ")";
    pos = close + 1;
    if (pos < text.size() && text[pos] != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty()) return "";
  return (wild_start ? "[^ ]*" : "") + out + (wild_end ? "[^ ]*" : "");
}

void AddEngineCanonical(const std::string& term, const Lists& lists, BaselinePatterns* out,
                        std::set<std::string>* seen) {
  const std::string core = EngineCore(term, lists, true);
  if (core.empty()) return;
  const std::string re = " " + core + " ";
  if (seen->insert(re).second) out->engine_canonical.push_back(re);
}

// True if both baselines accept the pattern; otherwise *why says which did not.
bool BothAccept(const std::string& re, std::string* why) {
  try {
    std::regex probe(re, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& e) {
    *why = std::string("std::regex: ") + e.what();
    return false;
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(re.c_str(), HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, nullptr, &db, &err) !=
      HS_SUCCESS) {
    *why = std::string("hyperscan: ") + (err && err->message ? err->message : "error");
    hs_free_compile_error(err);
    return false;
  }
  hs_free_database(db);
  return true;
}

void Scalars(const YAML::Node& n, std::vector<std::string>* out) {
  if (n.IsScalar()) out->push_back(n.as<std::string>());
  if (n.IsSequence()) {
    for (const YAML::Node& e : n) {
      if (e.IsScalar()) out->push_back(e.as<std::string>());
    }
  }
}

struct Collector {
  const Lists& lists;
  std::vector<std::string> terms, regexes, allow_terms;

  void Rule(const YAML::Node& rule) {
    if (rule.IsMap() && rule["allow"]) Scalars(rule["allow"], &allow_terms);
    Condition(rule);
  }

  void Condition(const YAML::Node& c) {
    if (c.IsSequence()) {
      for (const YAML::Node& e : c) Condition(e);
      return;
    }
    if (!c.IsMap()) return;
    for (const auto& kv : c) {
      const std::string key = kv.first.as<std::string>();
      if (key == "words" || key == "phrases") {
        Scalars(kv.second, &terms);
      } else if (key == "lists") {
        std::vector<std::string> names;
        Scalars(kv.second, &names);
        for (const std::string& name : names) {
          const auto l = lists.find(name);
          if (l != lists.end()) terms.insert(terms.end(), l->second.begin(), l->second.end());
        }
      } else if (key == "regex") {
        Scalars(kv.second, &regexes);
      } else if (key == "all" || key == "any" || key == "not") {
        Condition(kv.second);
      }
    }
  }
};

void Add(const std::string& re, BaselinePatterns* out, std::set<std::string>* seen, size_t* counter) {
  if (re.empty() || !seen->insert(re).second) return;
  out->regexes.push_back(re);
  ++*counter;
}

}  // namespace

void AddRulePatterns(const std::string& dir, BaselinePatterns* out) {
  std::vector<fs::path> files, list_files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "lists", ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") list_files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::sort(list_files.begin(), list_files.end());

  Lists lists;
  for (const fs::path& p : list_files) {
    std::ifstream in(p);
    std::string line;
    std::vector<std::string>& terms = lists[p.stem().string()];
    while (std::getline(in, line)) {
      const size_t hash = line.find('#');
      if (hash != std::string::npos) line.erase(hash);
      const size_t b = line.find_first_not_of(" \t\r");
      if (b == std::string::npos) continue;
      terms.push_back(line.substr(b, line.find_last_not_of(" \t\r") - b + 1));
    }
  }
  std::vector<YAML::Node> docs;
  for (const fs::path& p : files) {
    try {
      YAML::Node doc = YAML::LoadFile(p.string());
      if (doc["lists"] && doc["lists"].IsMap()) {
        for (const auto& kv : doc["lists"]) Scalars(kv.second, &lists[kv.first.as<std::string>()]);
      }
      docs.push_back(doc);
    } catch (const std::exception& e) {
      out->problems.push_back(p.string() + ": " + e.what());
    }
  }
  Collector c{lists, {}, {}, {}};
  for (const YAML::Node& doc : docs) {
    if (doc["rules"] && doc["rules"].IsSequence()) {
      for (const YAML::Node& rule : doc["rules"]) c.Rule(rule);
    }
  }
  std::set<std::string> engine_seen(out->engine_canonical.begin(), out->engine_canonical.end());
  for (const std::string& t : c.terms) AddEngineCanonical(t, lists, out, &engine_seen);
  for (const std::string& t : c.allow_terms) AddEngineCanonical(t, lists, out, &engine_seen);
  for (const std::string& r : c.regexes) {
    if (std::find(out->engine_literal.begin(), out->engine_literal.end(), r) == out->engine_literal.end()) {
      out->engine_literal.push_back(r);
    }
  }
  std::set<std::string> seen(out->regexes.begin(), out->regexes.end());
  for (const std::string& t : c.terms) {
    // Built from letters, digits, \W+, \b and (?:|) only, so both engines
    // accept it; rules_bench drops any Hyperscan still refuses, with a note.
    Add(TermRegex(t, lists), out, &seen, &out->from_terms);
  }
  for (const std::string& r : c.regexes) {
    std::string why;
    if (!BothAccept(r, &why)) {
      out->problems.push_back("regex '" + r + "' skipped: " + why);
      continue;
    }
    Add(r, out, &seen, &out->from_regex);
  }
}

void AddGeneratedPatterns(const std::vector<GeneratedWord>& words, BaselinePatterns* out) {
  std::set<std::string> seen(out->regexes.begin(), out->regexes.end());
  std::set<std::string> engine_seen(out->engine_canonical.begin(), out->engine_canonical.end());
  for (const GeneratedWord& g : words) {
    AddEngineCanonical((g.wild_start ? "*" : "") + g.word + (g.wild_end ? "*" : ""), {}, out, &engine_seen);
    Add(std::string(g.wild_start ? "" : "\\b") + g.word + (g.wild_end ? "" : "\\b"), out, &seen,
        &out->from_generated);
  }
}

}  // namespace aasr::bench
