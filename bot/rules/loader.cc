// Turns rule files (YAML) and list files into a compiled RuleSet, collecting
// every problem with its file:line:column instead of stopping at the first.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "bot/rules/contractions.h"
#include "bot/rules/normalize.h"
#include "bot/rules/rule_set_internal.h"
#include "bot/util/yaml.h"

namespace aasr::rules {
namespace {

const std::vector<std::string> kBuiltinCategories = {"harassment", "hate",   "threat", "privacy",
                                                     "spam",       "crisis", "sexual"};
const std::vector<std::string> kFileKeys = {"categories", "lists", "rules"};
const std::vector<std::string> kRuleKeys = {"id",       "category", "description", "action",
                                            "priority", "allow",    "examples",
                                            "reported", "mode"};
const std::vector<std::string> kTermKeys = {"words", "phrases", "lists", "regex", "min_matches"};
const std::vector<std::string> kCompareKeys = {
    "author.account_age_days", "author.followers", "author.first_comment", "links.count",
    "mentions.count",          "caps_ratio",       "length",
    "author.is_self"};
const std::vector<std::string> kOtherConditionKeys = {"all", "any", "not", "links.domains",
                                                      "near", "author.handle"};
// The widest gap a phrase may hold ({gap:N}) and the widest proximity
// (near: within): beyond that, words are no longer "near" each other, and the
// prefilter's automaton would grow for nothing.
constexpr int kMaxGap = 10;
constexpr int kMaxWithin = 20;
constexpr size_t kMaxNearGroups = 5;

std::vector<std::string> ConditionKeys() {
  std::vector<std::string> keys = kTermKeys;
  keys.insert(keys.end(), kCompareKeys.begin(), kCompareKeys.end());
  keys.insert(keys.end(), kOtherConditionKeys.begin(), kOtherConditionKeys.end());
  return keys;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A term as written, with where it was written.
struct TermSource {
  std::string text;
  Location where;
};

struct ListDef {
  std::vector<TermSource> terms;
  Location where;
};

class Loader {
 public:
  Result<RuleSetPtr> Build(const std::vector<SourceText>& files, const std::vector<ListFile>& lists) {
    impl_ = std::make_unique<RuleSet::Impl>();
    categories_ = kBuiltinCategories;
    std::vector<std::pair<const SourceText*, YAML::Node>> docs;
    for (const SourceText& f : files) {
      impl_->sources.push_back(f.name);
      Result<YAML::Node> doc = yaml::LoadString(f.text, f.name);
      if (!doc.ok()) {
        Append(doc.errors());
        continue;
      }
      docs.emplace_back(&f, doc.value());
    }
    for (const ListFile& lf : lists) {
      impl_->sources.push_back(lf.path);
      ReadListFile(lf);
    }
    // Categories and lists first: any file's rules may use any file's lists.
    for (auto& [file, doc] : docs) ReadHeader(file->name, doc);
    for (auto& [file, doc] : docs) ReadRules(file->name, doc);
    if (impl_->rules.empty() && errors_.empty()) {
      errors_.push_back(Error{{files.empty() ? "" : files.front().name, 0, 0}, "",
                              "no rules found"});
    }
    if (errors_.empty()) {
      Append(impl_->Compile(Location{files.empty() ? "" : files.front().name, 0, 0}));
    }
    if (!errors_.empty()) return errors_;
    return RuleSetFactory::Make(std::move(impl_));
  }

 private:
  void Append(const Errors& e) { errors_.insert(errors_.end(), e.begin(), e.end()); }
  void Fail(const YAML::Node& at, const std::string& file, const std::string& msg,
            const std::string& subject = "") {
    errors_.push_back(yaml::ErrorAt(at, file, msg, subject));
  }

  void ReadListFile(const ListFile& lf) {
    ListDef def;
    def.where = {lf.path, 1, 1};
    std::istringstream in(lf.text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const size_t hash = line.find('#');
      if (hash != std::string::npos) line.erase(hash);
      const size_t b = line.find_first_not_of(" \t\r");
      if (b == std::string::npos) continue;
      const size_t e = line.find_last_not_of(" \t\r");
      def.terms.push_back({line.substr(b, e - b + 1), {lf.path, number, static_cast<int>(b) + 1}});
    }
    AddList(lf.name, std::move(def));
  }

  void AddList(const std::string& name, ListDef def) {
    auto it = lists_.find(name);
    if (it != lists_.end()) {
      const Location& first = it->second.where;
      errors_.push_back(Error{def.where, "list " + name,
                              "list '" + name + "' is defined twice (first at " + first.file + ":" +
                                  std::to_string(first.line) + ")"});
      return;
    }
    lists_.emplace(name, std::move(def));
  }

  void ReadHeader(const std::string& file, const YAML::Node& doc) {
    if (!doc.IsMap()) {
      if (!doc.IsNull()) Fail(doc, file, "a rule file is a map with 'rules:' (and optionally 'lists:', 'categories:')");
      return;
    }
    yaml::CheckKeys(doc, kFileKeys, file, "", &errors_);
    if (const YAML::Node cats = doc["categories"]) {
      if (!cats.IsSequence()) {
        Fail(cats, file, "'categories' must be a list of names");
      } else {
        for (const YAML::Node& c : cats) {
          if (!c.IsScalar() || c.Scalar().empty()) {
            Fail(c, file, "a category is a non-empty name");
          } else if (!Contains(categories_, c.Scalar())) {
            categories_.push_back(c.Scalar());
          }
        }
      }
    }
    if (const YAML::Node lists = doc["lists"]) {
      if (!lists.IsMap()) {
        Fail(lists, file, "'lists' must map list names to lists of terms");
        return;
      }
      for (const auto& kv : lists) {
        ListDef def;
        def.where = yaml::Where(kv.first, file);
        ReadTermSources(kv.second, file, "list " + kv.first.Scalar(), &def.terms);
        AddList(kv.first.Scalar(), std::move(def));
      }
    }
  }

  // A string or a sequence of strings.
  void ReadTermSources(const YAML::Node& node, const std::string& file, const std::string& subject,
                       std::vector<TermSource>* out) {
    auto one = [&](const YAML::Node& n) {
      if (!n.IsScalar()) {
        Fail(n, file, "a term must be text", subject);
        return;
      }
      out->push_back({n.Scalar(), yaml::Where(n, file)});
    };
    if (node.IsSequence()) {
      for (const YAML::Node& n : node) one(n);
    } else {
      one(node);
    }
  }

  void ReadRules(const std::string& file, const YAML::Node& doc) {
    if (!doc.IsMap()) return;
    const YAML::Node rules = doc["rules"];
    if (!rules) return;
    if (!rules.IsSequence()) {
      Fail(rules, file, "'rules' must be a list of rules");
      return;
    }
    for (const YAML::Node& node : rules) ReadRule(file, node);
  }

  void ReadRule(const std::string& file, const YAML::Node& node) {
    if (!node.IsMap()) {
      Fail(node, file, "a rule is a map with id, category, description, action and conditions");
      return;
    }
    const size_t errors_before = errors_.size();
    Rule rule;
    rule.where = yaml::Where(node, file);
    std::string subject;
    if (const YAML::Node id = node["id"]; !id) {
      Fail(node, file, "rule has no 'id'");
    } else if (yaml::ReadString(id, file, "", "id", &rule.id, &errors_)) {
      subject = "rule " + rule.id;
      const bool valid = !rule.id.empty() && std::all_of(rule.id.begin(), rule.id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
      });
      if (!valid) Fail(id, file, "an id uses only letters, digits, '.', '-' and '_'", subject);
      auto seen = ids_.find(rule.id);
      if (seen != ids_.end()) {
        Fail(id, file,
             "duplicate id (first defined at " + seen->second.file + ":" + std::to_string(seen->second.line) + ")",
             subject);
      } else {
        ids_.emplace(rule.id, rule.where);
      }
    }
    std::vector<std::string> known = kRuleKeys;
    const std::vector<std::string> cond_keys = ConditionKeys();
    known.insert(known.end(), cond_keys.begin(), cond_keys.end());
    yaml::CheckKeys(node, known, file, subject, &errors_);

    if (const YAML::Node c = node["category"]; !c) {
      Fail(node, file, "rule has no 'category'", subject);
    } else if (yaml::ReadString(c, file, subject, "category", &rule.category, &errors_) &&
               !Contains(categories_, rule.category)) {
      std::string msg = "unknown category '" + rule.category + "'";
      const std::string hint = yaml::DidYouMean(rule.category, categories_);
      msg += hint.empty() ? " (declare it under 'categories:')" : " (did you mean '" + hint + "'?)";
      Fail(c, file, msg, subject);
    }
    if (const YAML::Node d = node["description"]; !d) {
      Fail(node, file, "rule has no 'description'", subject);
    } else {
      yaml::ReadString(d, file, subject, "description", &rule.description, &errors_);
    }
    if (const YAML::Node a = node["action"]; !a) {
      Fail(node, file, "rule has no 'action' (allow, review or hide)", subject);
    } else {
      std::string action;
      if (yaml::ReadString(a, file, subject, "action", &action, &errors_)) {
        if (action == "allow") rule.action = Action::kAllow;
        else if (action == "review") rule.action = Action::kReview;
        else if (action == "hide") rule.action = Action::kHide;
        else {
          const std::string hint = yaml::DidYouMean(action, {"allow", "review", "hide"});
          Fail(a, file, "unknown action '" + action + "' (allow, review or hide" +
                            (hint.empty() ? "" : "; did you mean '" + hint + "'?") + ")", subject);
        }
      }
    }
    if (const YAML::Node p = node["priority"]) {
      std::string prio;
      if (yaml::ReadString(p, file, subject, "priority", &prio, &errors_)) {
        if (prio == "low") rule.priority = Priority::kLow;
        else if (prio == "normal") rule.priority = Priority::kNormal;
        else if (prio == "high") rule.priority = Priority::kHigh;
        else if (prio == "urgent") rule.priority = Priority::kUrgent;
        else Fail(p, file, "unknown priority '" + prio + "' (low, normal, high or urgent)", subject);
      }
    }
    if (const YAML::Node m = node["mode"]) {
      std::string mode;
      if (yaml::ReadString(m, file, subject, "mode", &mode, &errors_)) {
        if (mode == "shadow") rule.shadow = true;
        else if (mode != "live") {
          const std::string hint = yaml::DidYouMean(mode, {"live", "shadow"});
          Fail(m, file, "unknown mode '" + mode + "' (live or shadow" +
                            (hint.empty() ? "" : "; did you mean '" + hint + "'?") + ")", subject);
        }
      }
    }
    if (rule.category == "crisis" && rule.action == Action::kHide) {
      Fail(node["action"], file,
           "a crisis rule must not hide: a person in crisis needs a human answer (use review, urgent)",
           subject);
    }

    std::vector<std::pair<YAML::Node, YAML::Node>> conditions;
    for (const auto& kv : node) {
      if (Contains(cond_keys, kv.first.Scalar())) conditions.emplace_back(kv.first, kv.second);
    }
    if (conditions.empty()) {
      Fail(node, file, "rule has no conditions (words, phrases, lists, regex, all, any, not, ...)", subject);
    } else {
      rule.root = ReadConditionMap(file, subject, node, conditions);
    }
    if (const YAML::Node allow = node["allow"]) ReadAllow(file, subject, allow, &rule);
    if (const YAML::Node rep = node["reported"]) rule.reported = ReadReported(file, subject, rep);
    if (const YAML::Node ex = node["examples"]) ReadExamples(file, subject, ex, &rule);
    rule.needs_term_hit = NeedsTermHit(rule.root);
    OrderByCost(&rule.root);
    if (errors_.size() == errors_before) impl_->rules.push_back(std::move(rule));
  }

  // Within `all`, cheap tests go first so that a false one spares the rest:
  // author facts, then terms (already found by the set), then text features.
  static int Cost(const Condition& c) {
    switch (c.kind) {
      case Condition::Kind::kCompare:
        return c.field == Field::kAccountAgeDays || c.field == Field::kFollowers || c.field == Field::kFirstComment ||
                       c.field == Field::kIsSelf
                   ? 0
                   : 2;
      case Condition::Kind::kHandles: return 0;
      case Condition::Kind::kTerms: return 1;
      case Condition::Kind::kNear: return 1;
      case Condition::Kind::kDomains: return 2;
      default: {  // all, any, not: as costly as their costliest part
        int cost = 0;
        for (const Condition& child : c.children) cost = std::max(cost, Cost(child));
        return cost;
      }
    }
  }
  static void OrderByCost(Condition* c) {
    for (Condition& child : c->children) OrderByCost(&child);
    if (c->kind == Condition::Kind::kAll) {
      std::stable_sort(c->children.begin(), c->children.end(),
                       [](const Condition& a, const Condition& b) { return Cost(a) < Cost(b); });
    }
  }

  static bool NeedsTermHit(const Condition& c) {
    switch (c.kind) {
      case Condition::Kind::kTerms:
      case Condition::Kind::kNear: return true;
      case Condition::Kind::kAll:
        return std::any_of(c.children.begin(), c.children.end(), NeedsTermHit);
      case Condition::Kind::kAny:
        return !c.children.empty() && std::all_of(c.children.begin(), c.children.end(), NeedsTermHit);
      default: return false;
    }
  }

  Condition ReadCondition(const std::string& file, const std::string& subject, const YAML::Node& node) {
    if (!node.IsMap()) {
      Fail(node, file, "a condition is a map such as {words: [...]}", subject);
      return {};
    }
    std::vector<std::pair<YAML::Node, YAML::Node>> entries;
    const std::vector<std::string> keys = ConditionKeys();
    yaml::CheckKeys(node, keys, file, subject, &errors_);
    for (const auto& kv : node) {
      if (Contains(keys, kv.first.Scalar())) entries.emplace_back(kv.first, kv.second);
    }
    if (entries.empty()) {
      Fail(node, file, "empty condition", subject);
      return {};
    }
    return ReadConditionMap(file, subject, node, entries);
  }

  // Several keys of one map: all must hold. Term keys form one condition.
  Condition ReadConditionMap(const std::string& file, const std::string& subject, const YAML::Node& at,
                             const std::vector<std::pair<YAML::Node, YAML::Node>>& entries) {
    Condition all;
    all.kind = Condition::Kind::kAll;
    Condition terms;
    terms.kind = Condition::Kind::kTerms;
    bool has_terms = false;
    std::optional<YAML::Node> min_node;
    for (const auto& [key_node, value] : entries) {
      const std::string key = key_node.Scalar();
      if (key == "words" || key == "phrases") {
        has_terms = true;
        std::vector<TermSource> sources;
        ReadTermSources(value, file, subject, &sources);
        for (const TermSource& t : sources) {
          const int id = AddTermPattern(t, subject, /*allow_refs=*/true);
          if (id >= 0) terms.patterns.push_back(id);
        }
      } else if (key == "lists") {
        has_terms = true;
        std::vector<TermSource> names;
        ReadTermSources(value, file, subject, &names);
        for (const TermSource& n : names) {
          auto it = lists_.find(n.text);
          if (it == lists_.end()) {
            errors_.push_back(Error{n.where, subject, UnknownListMessage(n.text)});
            continue;
          }
          for (const int id : ListPatterns(n.text, subject)) terms.patterns.push_back(id);
        }
      } else if (key == "regex") {
        has_terms = true;
        std::vector<TermSource> sources;
        ReadTermSources(value, file, subject, &sources);
        for (const TermSource& t : sources) {
          const int id = AddRegexPattern(t, subject);
          if (id >= 0) terms.patterns.push_back(id);
        }
      } else if (key == "min_matches") {
        min_node = value;
      } else if (key == "all" || key == "any") {
        Condition group;
        group.kind = key == "all" ? Condition::Kind::kAll : Condition::Kind::kAny;
        if (!value.IsSequence() || value.size() == 0) {
          Fail(value, file, "'" + key + "' takes a non-empty list of conditions", subject);
        } else {
          for (const YAML::Node& child : value) group.children.push_back(ReadCondition(file, subject, child));
        }
        all.children.push_back(std::move(group));
      } else if (key == "not") {
        Condition negation;
        negation.kind = Condition::Kind::kNot;
        if (value.IsSequence()) {
          Condition inner;
          inner.kind = Condition::Kind::kAll;
          for (const YAML::Node& child : value) inner.children.push_back(ReadCondition(file, subject, child));
          negation.children.push_back(std::move(inner));
        } else {
          negation.children.push_back(ReadCondition(file, subject, value));
        }
        all.children.push_back(std::move(negation));
      } else if (key == "links.domains") {
        all.children.push_back(ReadDomains(file, subject, value));
      } else if (key == "near") {
        all.children.push_back(ReadNear(file, subject, value));
      } else if (key == "author.handle") {
        all.children.push_back(ReadHandles(file, subject, value));
      } else if (Contains(kCompareKeys, key)) {
        all.children.push_back(ReadCompare(file, subject, key, value));
      }
    }
    if (min_node) {
      if (!has_terms) {
        Fail(*min_node, file, "'min_matches' needs words, phrases, lists or regex in the same condition", subject);
      } else {
        try {
          terms.min_matches = min_node->as<int>();
          if (terms.min_matches < 1) throw YAML::Exception(min_node->Mark(), "");
        } catch (const YAML::Exception&) {
          Fail(*min_node, file, "'min_matches' must be a whole number of at least 1", subject);
        }
      }
    }
    if (has_terms) all.children.insert(all.children.begin(), std::move(terms));
    (void)at;
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  std::string UnknownListMessage(const std::string& name) {
    std::vector<std::string> names;
    for (const auto& kv : lists_) names.push_back(kv.first);
    const std::string hint = yaml::DidYouMean(name, names);
    return "unknown list '" + name + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
  }

  std::vector<int> ListPatterns(const std::string& name, const std::string& subject) {
    auto cached = list_patterns_.find(name);
    if (cached != list_patterns_.end()) return cached->second;
    std::vector<int> ids;
    for (const TermSource& t : lists_.at(name).terms) {
      const int id = AddTermPattern(t, subject, /*allow_refs=*/false);
      if (id >= 0) ids.push_back(id);
    }
    list_patterns_[name] = ids;
    return ids;
  }

  // A term's two regexes on the canonical view, without the surrounding
  // spaces: `exact` lets each letter match a run of itself ("k+i+l+l+");
  // `prefilter` is the squeezed form ("kil") that the RE2::Set runs over the
  // squeezed text. Every exact match is also a prefilter match, and the set's
  // program stays small, so loading stays fast.
  struct TermRegex {
    std::string exact, prefilter;
  };

  // Returns false (with an error) if the term cannot match anything.
  bool TermCore(const TermSource& t, const std::string& subject, bool allow_refs, TermRegex* core) {
    std::string text = t.text;
    // A trailing `~` (before or after a trailing `*`): a doubled letter may be single.
    TermOptions options;
    if (text.size() > 1 && text.back() == '~') {
      options.single_doubles = true;
      text.pop_back();
    }
    const bool wild_start = !text.empty() && text.front() == '*';
    const bool wild_end = text.size() > 1 && text.back() == '*';
    if (wild_start) text.erase(0, 1);
    if (wild_end) text.pop_back();
    if (!options.single_doubles && text.size() > 1 && text.back() == '~') {
      options.single_doubles = true;
      text.pop_back();
    }
    if (text.find('~') != std::string::npos) {
      errors_.push_back(Error{t.where, subject, "'~' (a doubled letter may be written once) goes only at the end of a term: '" + t.text + "'"});
      return false;
    }
    if (options.single_doubles && text.find('{') == std::string::npos && !HasDoubledLetter(CanonicalTerm(text))) {
      errors_.push_back(Error{t.where, subject, "term '" + t.text + "' has no doubled letter for '~' to make single"});
      return false;
    }
    if (text.find('*') != std::string::npos) {
      errors_.push_back(Error{t.where, subject, "'*' is a wildcard only at the start or end of a term: '" + t.text + "'"});
      return false;
    }
    TermRegex out;
    auto append = [&](const std::string& exact, const std::string& prefilter) {
      out.exact += exact;
      out.prefilter += prefilter;
    };
    // Words of a term are separated in the comment by a space or by masking
    // placeholders ("self-harm" is "self*harm"), as in RepeatTolerantRegex.
    const std::string space = "(?: |\\*+)";
    auto ends_with_space = [&] {
      return out.exact.size() >= space.size() && out.exact.compare(out.exact.size() - space.size(), space.size(), space) == 0;
    };
    auto space_if_needed = [&] {
      if (!out.exact.empty() && !ends_with_space()) append(space, space);
    };
    size_t pos = 0;
    bool any_literal = false;
    bool gap_last = false;  // a gap must be followed by a part
    while (pos <= text.size()) {
      const size_t open = text.find('{', pos);
      const std::string segment = text.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
      const std::string canon = CanonicalTerm(segment);
      if (!canon.empty()) {
        // Contractions: "i am" also matches "i'm", "im" ... (contractions.h).
        for (const std::vector<std::string>& forms : ContractionPieces(canon)) {
          space_if_needed();
          if (forms.size() == 1) {
            append(RepeatTolerantRegex(forms[0], options), SqueezedTermRegex(forms[0], options));
            continue;
          }
          std::string exact, prefilter;
          for (const std::string& form : forms) {
            exact += (exact.empty() ? "" : "|") + RepeatTolerantRegex(form, options);
            prefilter += (prefilter.empty() ? "" : "|") + SqueezedTermRegex(form, options);
          }
          append("(?:" + exact + ")", "(?:" + prefilter + ")");
        }
        any_literal = true;
        gap_last = false;
      }
      if (open == std::string::npos) break;
      const size_t close = text.find('}', open);
      if (close == std::string::npos) {
        errors_.push_back(Error{t.where, subject, "'{' without '}' in term '" + t.text + "'"});
        return false;
      }
      const std::string name = text.substr(open + 1, close - open - 1);
      if (name.rfind("gap:", 0) == 0) {
        // {gap:N}: 0 to N arbitrary words; {gap:M-N}: M to N. The canonical
        // text has exactly one space between words, so a gap word is " [^ ]+"
        // and the next part brings its own leading space.
        int lo = 0, hi = 0;
        if (!ParseGap(name.substr(4), &lo, &hi)) {
          errors_.push_back(Error{t.where, subject,
                                  "'{" + name + "}': a gap is {gap:N} or {gap:M-N} with M <= N <= " +
                                      std::to_string(kMaxGap) + " words"});
          return false;
        }
        if (out.exact.empty()) {
          errors_.push_back(Error{t.where, subject, "a gap goes between two parts of a phrase: '" + t.text + "'"});
          return false;
        }
        while (!out.exact.empty() && out.exact.back() == ' ') {
          out.exact.pop_back();
          out.prefilter.pop_back();
        }
        const std::string gap = "(?: [^ ]+){" + std::to_string(lo) + "," + std::to_string(hi) + "}";
        append(gap, gap);
        gap_last = true;
        pos = close + 1;
        continue;
      }
      if (!allow_refs) {
        errors_.push_back(Error{t.where, subject, "a list term cannot refer to another list: '" + t.text + "'"});
        return false;
      }
      if (lists_.find(name) == lists_.end()) {
        errors_.push_back(Error{t.where, subject, UnknownListMessage(name)});
        return false;
      }
      TermRegex alternatives;
      for (const TermSource& member : lists_.at(name).terms) {
        TermRegex member_core;
        if (!TermCore(member, subject, false, &member_core)) return false;
        // `~` on the referring term applies to the list's terms too.
        if (options.single_doubles && member.text.back() != '~') {
          TermSource relaxed = member;
          relaxed.text += '~';
          if (HasDoubledLetter(CanonicalTerm(member.text))) TermCore(relaxed, subject, false, &member_core);
        }
        if (!alternatives.exact.empty()) {
          alternatives.exact += '|';
          alternatives.prefilter += '|';
        }
        alternatives.exact += member_core.exact;
        alternatives.prefilter += member_core.prefilter;
      }
      space_if_needed();
      append("(?:" + alternatives.exact + ")", "(?:" + alternatives.prefilter + ")");
      any_literal = true;
      gap_last = false;
      pos = close + 1;
      if (pos < text.size() && text[pos] != ' ') append(space, space);
    }
    while (ends_with_space()) {
      out.exact.resize(out.exact.size() - space.size());
      out.prefilter.resize(out.prefilter.size() - space.size());
    }
    if (!any_literal) {
      errors_.push_back(Error{t.where, subject,
                              "term '" + t.text + "' has no letters or digits, so it can never match"});
      return false;
    }
    if (gap_last) {
      errors_.push_back(Error{t.where, subject, "a gap goes between two parts of a phrase: '" + t.text + "'"});
      return false;
    }
    const std::string before = wild_start ? "[^ *]*" : "", after = wild_end ? "[^ *]*" : "";
    core->exact = before + out.exact + after;
    core->prefilter = before + out.prefilter + after;
    return true;
  }

  // "3" -> 0..3, "1-3" -> 1..3; false unless 0 <= lo <= hi <= kMaxGap, hi >= 1.
  static bool ParseGap(const std::string& s, int* lo, int* hi) {
    auto number = [](const std::string& n, int* out) {
      if (n.empty() || n.size() > 2 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
      *out = std::stoi(n);
      return true;
    };
    const size_t dash = s.find('-');
    if (dash == std::string::npos) {
      *lo = 0;
      if (!number(s, hi)) return false;
    } else if (!number(s.substr(0, dash), lo) || !number(s.substr(dash + 1), hi)) {
      return false;
    }
    return *lo <= *hi && *hi >= 1 && *hi <= kMaxGap;
  }

  int AddTermPattern(const TermSource& t, const std::string& subject, bool allow_refs) {
    TermRegex core;
    if (!TermCore(t, subject, allow_refs, &core)) return -1;
    const std::string edge = kWordEdges;  // a space, or a masking placeholder
    const int id = Intern(View::kCanonical, edge + core.prefilter + edge, edge + "(" + core.exact + ")" + edge);
    MarkSimpleWord(t.text, &impl_->patterns[id]);
    return id;
  }

  // A term that is one word of ASCII letters (no wildcard, list, gap or
  // contraction) can be located by looking its squeezed form up among the
  // comment's words (Pattern::simple_word).
  static void MarkSimpleWord(std::string text, Pattern* p) {
    bool single_doubles = false;
    if (text.size() > 1 && text.back() == '~') {
      single_doubles = true;
      text.pop_back();
    }
    if (text.find_first_of("*{}~") != std::string::npos) return;
    const std::string canon = CanonicalTerm(text);
    if (canon.empty() || !std::all_of(canon.begin(), canon.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return;
    const std::vector<std::vector<std::string>> pieces = ContractionPieces(canon);
    if (pieces.size() != 1 || pieces[0].size() != 1) return;
    std::string squeezed;
    std::vector<uint8_t> runs;
    for (const char c : canon) {
      if (!squeezed.empty() && squeezed.back() == c) {
        if (!single_doubles && runs.back() < 255) ++runs.back();
        continue;
      }
      squeezed += c;
      runs.push_back(1);
    }
    p->simple_word = std::move(squeezed);
    p->simple_runs = std::move(runs);
  }

  int AddRegexPattern(const TermSource& t, const std::string& subject) {
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    RE2 probe(t.text, options);
    if (!probe.ok()) {
      errors_.push_back(Error{t.where, subject, "invalid regex '" + t.text + "': " + probe.error()});
      return -1;
    }
    return Intern(View::kLiteral, t.text, "(" + t.text + ")");
  }

  int Intern(View view, const std::string& regex, const std::string& locate) {
    // Two terms may share a prefilter ("coon", "con") but not a locator.
    const std::string key = (view == View::kCanonical ? "c:" : "l:") + locate;
    auto it = pattern_ids_.find(key);
    if (it != pattern_ids_.end()) return it->second;
    // Validity was checked (regex) or is guaranteed (quoted terms); the
    // RE2::Set reports anything left when the set is compiled.
    Pattern p;
    p.view = view;
    p.regex = regex;
    p.locate_regex = locate;
    const int id = static_cast<int>(impl_->patterns.size());
    impl_->patterns.push_back(std::move(p));
    pattern_ids_.emplace(key, id);
    return id;
  }

  Condition ReadCompare(const std::string& file, const std::string& subject, const std::string& key,
                        const YAML::Node& value) {
    Condition c;
    c.kind = Condition::Kind::kCompare;
    static const std::map<std::string, Field> kFields = {
        {"author.account_age_days", Field::kAccountAgeDays}, {"author.followers", Field::kFollowers},
        {"author.first_comment", Field::kFirstComment},      {"links.count", Field::kLinksCount},
        {"mentions.count", Field::kMentionsCount},           {"caps_ratio", Field::kCapsRatio},
        {"length", Field::kLength},
        {"author.is_self", Field::kIsSelf}};
    c.field = kFields.at(key);
    if (!value.IsScalar()) {
      Fail(value, file, "'" + key + "' takes a comparison such as \"< 7\"", subject);
      return c;
    }
    const std::string s = value.Scalar();
    if (c.field == Field::kFirstComment || c.field == Field::kIsSelf) {
      if (s != "true" && s != "false") Fail(value, file, "'" + key + "' is true or false", subject);
      c.op = CompareOp::kEq;
      c.value = s == "true" ? 1 : 0;
      return c;
    }
    size_t pos = s.find_first_not_of(' ');
    if (pos == std::string::npos) pos = s.size();
    static const std::vector<std::pair<std::string, CompareOp>> kOps = {
        {"<=", CompareOp::kLe}, {">=", CompareOp::kGe}, {"==", CompareOp::kEq}, {"!=", CompareOp::kNe},
        {"<", CompareOp::kLt},  {">", CompareOp::kGt}};
    c.op = CompareOp::kEq;
    for (const auto& [text, op] : kOps) {
      if (s.compare(pos, text.size(), text) == 0) {
        c.op = op;
        pos += text.size();
        break;
      }
    }
    const std::string number = s.substr(pos);
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    const bool trailing_ok = end && std::all_of(static_cast<const char*>(end), number.c_str() + number.size(), [](char ch) { return ch == ' '; });
    if (number.find_first_not_of(' ') == std::string::npos || !trailing_ok || !std::isfinite(v)) {
      Fail(value, file, "bad comparison '" + s + "' for '" + key + "' (write e.g. \"< 7\", \">= 0.5\" or 3)", subject);
      return c;
    }
    if (c.field == Field::kCapsRatio && (v < 0 || v > 1)) {
      Fail(value, file, "'caps_ratio' compares with a share between 0 and 1", subject);
    }
    c.value = v;
    return c;
  }

  // The entries of `{in: X}` or `{not_in: X}`, X a list name or an inline
  // sequence; false (with a located error) for an unknown list name.
  bool ReadInOrNotIn(const YAML::Node& value, bool in, const std::string& file, const std::string& subject,
                     std::vector<TermSource>* sources) {
    const YAML::Node list = in ? value["in"] : value["not_in"];
    if (!list.IsScalar()) {
      ReadTermSources(list, file, subject, sources);
      return true;
    }
    auto it = lists_.find(list.Scalar());
    if (it == lists_.end()) {
      Fail(list, file, UnknownListMessage(list.Scalar()), subject);
      return false;
    }
    *sources = it->second.terms;
    return true;
  }

  Condition ReadDomains(const std::string& file, const std::string& subject, const YAML::Node& value) {
    Condition c;
    c.kind = Condition::Kind::kDomains;
    if (!value.IsMap() || value.size() != 1 || (!value["in"] && !value["not_in"])) {
      Fail(value, file, "'links.domains' takes {in: [...]} or {not_in: [...]}", subject);
      return c;
    }
    c.domains_in = static_cast<bool>(value["in"]);
    std::vector<TermSource> sources;
    if (!ReadInOrNotIn(value, c.domains_in, file, subject, &sources)) return c;
    for (TermSource& t : sources) {
      std::string d = t.text;
      std::transform(d.begin(), d.end(), d.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (d.rfind("www.", 0) == 0) d.erase(0, 4);
      if (d.empty() || d.find_first_of(" /:") != std::string::npos) {
        errors_.push_back(Error{t.where, subject, "'" + t.text + "' is not a domain name"});
        continue;
      }
      c.domains.push_back(d);
    }
    return c;
  }

  // near: {terms: [[a, b], [c*, "{list}"]], within: N, ordered: true}
  Condition ReadNear(const std::string& file, const std::string& subject, const YAML::Node& value) {
    Condition c;
    c.kind = Condition::Kind::kNear;
    if (!value.IsMap()) {
      Fail(value, file, "'near' takes {terms: [[...], [...]], within: N} (and optionally ordered: true)", subject);
      return c;
    }
    yaml::CheckKeys(value, {"terms", "within", "ordered"}, file, subject, &errors_);
    const YAML::Node terms = value["terms"];
    if (!terms || !terms.IsSequence() || terms.size() < 2 || terms.size() > kMaxNearGroups) {
      Fail(terms ? terms : value, file,
           "'near' needs 'terms': a list of 2 to " + std::to_string(kMaxNearGroups) +
               " groups, each a term or a list of terms",
           subject);
    } else {
      for (const YAML::Node& group : terms) {
        std::vector<TermSource> sources;
        ReadTermSources(group, file, subject, &sources);
        std::vector<int> ids;
        for (const TermSource& t : sources) {
          const int id = AddTermPattern(t, subject, /*allow_refs=*/true);
          if (id >= 0) ids.push_back(id);
        }
        if (sources.empty()) Fail(group, file, "an empty group of terms can never match", subject);
        c.patterns.insert(c.patterns.end(), ids.begin(), ids.end());
        c.groups.push_back(std::move(ids));
      }
    }
    if (const YAML::Node w = value["within"]; !w) {
      Fail(value, file, "'near' needs 'within': the most words allowed between two parts", subject);
    } else {
      try {
        c.within = w.as<int>();
        if (c.within < 0 || c.within > kMaxWithin) throw YAML::Exception(w.Mark(), "");
      } catch (const YAML::Exception&) {
        Fail(w, file, "'within' is a whole number of words from 0 to " + std::to_string(kMaxWithin), subject);
      }
    }
    if (const YAML::Node o = value["ordered"]) {
      if (!o.IsScalar() || (o.Scalar() != "true" && o.Scalar() != "false")) {
        Fail(o, file, "'ordered' is true or false", subject);
      } else {
        c.ordered = o.Scalar() == "true";
      }
    }
    return c;
  }

  // author.handle: {in: LIST} / {not_in: [...]}
  Condition ReadHandles(const std::string& file, const std::string& subject, const YAML::Node& value) {
    Condition c;
    c.kind = Condition::Kind::kHandles;
    if (!value.IsMap() || value.size() != 1 || (!value["in"] && !value["not_in"])) {
      if (value.IsMap()) yaml::CheckKeys(value, {"in", "not_in"}, file, subject, &errors_);
      Fail(value, file, "'author.handle' takes {in: LIST} or {not_in: LIST} (a list name or [...])", subject);
      return c;
    }
    c.handles_in = static_cast<bool>(value["in"]);
    std::vector<TermSource> sources;
    if (!ReadInOrNotIn(value, c.handles_in, file, subject, &sources)) return c;
    for (const TermSource& t : sources) {
      const std::string h = NormalizeHandle(t.text);
      const bool domain_only = h.rfind("*@", 0) == 0;
      if (h.empty() || h.find_first_of(" \t/") != std::string::npos ||
          (h.find('*') != std::string::npos && !domain_only) || (domain_only && h.size() == 2)) {
        errors_.push_back(Error{t.where, subject,
                                "'" + t.text + "' is not a handle (write name, @name, @name@domain or *@domain)"});
        continue;
      }
      c.handles.push_back(h);
    }
    return c;
  }

  // reported: allow | review | {action:, priority:, within:, quotes:, lead_ins: [...]}
  std::optional<ReportedSpec> ReadReported(const std::string& file, const std::string& subject,
                                           const YAML::Node& value) {
    ReportedSpec spec;
    auto read_action = [&](const YAML::Node& a) {
      const std::string s = a.IsScalar() ? a.Scalar() : "";
      if (s == "review") spec.action = Action::kReview;
      else if (s == "allow") spec.action = Action::kAllow;
      else if (s == "hide")
        Fail(a, file, "reported speech is at most reviewed: 'reported' takes review or allow, not hide", subject);
      else {
        const std::string hint = yaml::DidYouMean(s, {"review", "allow"});
        Fail(a, file, "'reported' action is review or allow" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"),
             subject);
      }
    };
    std::vector<std::string> lead_in_lists = {"reporting_verbs"};
    if (value.IsScalar()) {
      read_action(value);
    } else if (value.IsMap()) {
      yaml::CheckKeys(value, {"action", "priority", "within", "quotes", "lead_ins"}, file, subject, &errors_);
      if (const YAML::Node a = value["action"]) read_action(a);
      if (const YAML::Node p = value["priority"]) {
        const std::string prio = p.IsScalar() ? p.Scalar() : "";
        if (prio == "low") spec.priority = Priority::kLow;
        else if (prio == "normal") spec.priority = Priority::kNormal;
        else if (prio == "high") spec.priority = Priority::kHigh;
        else if (prio == "urgent") spec.priority = Priority::kUrgent;
        else Fail(p, file, "unknown priority '" + prio + "' (low, normal, high or urgent)", subject);
      }
      if (const YAML::Node w = value["within"]) {
        try {
          spec.options.within = w.as<int>();
          if (spec.options.within < 0 || spec.options.within > kMaxWithin) throw YAML::Exception(w.Mark(), "");
        } catch (const YAML::Exception&) {
          Fail(w, file, "'within' is a whole number of words from 0 to " + std::to_string(kMaxWithin), subject);
        }
      }
      if (const YAML::Node q = value["quotes"]) {
        if (!q.IsScalar() || (q.Scalar() != "true" && q.Scalar() != "false")) Fail(q, file, "'quotes' is true or false", subject);
        else spec.options.quotes = q.Scalar() == "true";
      }
      if (const YAML::Node l = value["lead_ins"]) {
        std::vector<TermSource> names;
        ReadTermSources(l, file, subject, &names);
        lead_in_lists.clear();
        for (const TermSource& n : names) {
          if (n.text != "reporting_verbs" && lists_.find(n.text) == lists_.end()) {
            errors_.push_back(Error{n.where, subject, UnknownListMessage(n.text)});
            continue;
          }
          lead_in_lists.push_back(n.text);
        }
      }
    } else {
      Fail(value, file, "'reported' takes review, allow or {action:, priority:, within:, quotes:, lead_ins:}", subject);
      return std::nullopt;
    }
    for (const std::string& name : lead_in_lists) {
      std::vector<TermSource> terms;
      if (name == "reporting_verbs") {
        // Built in, extended by a list of the same name.
        for (const std::string& v : DefaultReportingVerbs()) terms.push_back({v, Location{}});
      }
      if (auto it = lists_.find(name); it != lists_.end()) {
        terms.insert(terms.end(), it->second.terms.begin(), it->second.terms.end());
      }
      for (const TermSource& t : terms) {
        std::vector<LeadIn> forms;
        if (!ParseLeadInForms(t.text, &forms)) {
          errors_.push_back(Error{t.where, subject,
                                  "lead-in '" + t.text + "' must be words, optionally ending in '*' (no lists or gaps)"});
          continue;
        }
        for (LeadIn& lead : forms) spec.options.lead_ins.push_back(std::move(lead));
      }
    }
    return spec;
  }

  // allow: [term, ...] (a match lying inside a term is neutralised), where an
  // entry may also be {terms: [...], within: N} (a match with a term at most
  // N words from it is neutralised), or allow: {terms: [...], within: N}.
  void ReadAllow(const std::string& file, const std::string& subject, const YAML::Node& allow, Rule* rule) {
    auto scoped = [&](const YAML::Node& m) {
      yaml::CheckKeys(m, {"terms", "within"}, file, subject, &errors_);
      const YAML::Node terms_node = m["terms"], w = m["within"];
      if (!terms_node || !w) {
        Fail(m, file, "a scoped allow is {terms: [...], within: N}: the terms, and the most words between one and the match", subject);
        return;
      }
      int within = 0;
      try {
        within = w.as<int>();
        if (within < 0 || within > kMaxWithin) throw YAML::Exception(w.Mark(), "");
      } catch (const YAML::Exception&) {
        Fail(w, file, "'within' is a whole number of words from 0 to " + std::to_string(kMaxWithin), subject);
        return;
      }
      std::vector<TermSource> terms;
      ReadTermSources(terms_node, file, subject, &terms);
      for (const TermSource& t : terms) {
        const int id = AddTermPattern(t, subject, /*allow_refs=*/true);
        if (id >= 0) rule->scoped_allow.push_back({id, within});
      }
    };
    if (allow.IsMap()) {
      scoped(allow);
      return;
    }
    std::vector<TermSource> terms;
    if (allow.IsSequence()) {
      for (const YAML::Node& n : allow) {
        if (n.IsMap()) {
          scoped(n);
        } else {
          ReadTermSources(n, file, subject, &terms);
        }
      }
    } else {
      ReadTermSources(allow, file, subject, &terms);
    }
    for (const TermSource& t : terms) {
      const int id = AddTermPattern(t, subject, /*allow_refs=*/true);
      if (id >= 0) rule->allow_patterns.push_back(id);
    }
  }

  void ReadExamples(const std::string& file, const std::string& subject, const YAML::Node& node, Rule* rule) {
    if (!node.IsMap()) {
      Fail(node, file, "'examples' is a map with 'flag:' and/or 'pass:' lists", subject);
      return;
    }
    yaml::CheckKeys(node, {"flag", "pass"}, file, subject, &errors_);
    for (const char* kind : {"flag", "pass"}) {
      const YAML::Node list = node[kind];
      if (!list) continue;
      if (!list.IsSequence()) {
        Fail(list, file, std::string("'") + kind + "' is a list of example comments", subject);
        continue;
      }
      for (const YAML::Node& item : list) {
        Example ex;
        ex.should_flag = std::string(kind) == "flag";
        ex.where = yaml::Where(item, file);
        if (item.IsScalar()) {
          ex.comment.text = item.Scalar();
        } else if (item.IsMap()) {
          yaml::CheckKeys(item, {"text", "author", "platform"}, file, subject, &errors_);
          if (!item["text"] || !item["text"].IsScalar()) {
            Fail(item, file, "an example needs 'text'", subject);
            continue;
          }
          ex.comment.text = item["text"].Scalar();
          if (item["platform"]) ex.comment.platform = item["platform"].Scalar();
          if (const YAML::Node a = item["author"]) ReadExampleAuthor(file, subject, a, &ex.comment.author);
        } else {
          Fail(item, file, "an example is a text or {text:, author:}", subject);
          continue;
        }
        rule->examples.push_back(std::move(ex));
      }
    }
  }

  void ReadExampleAuthor(const std::string& file, const std::string& subject, const YAML::Node& a, Author* author) {
    if (!a.IsMap()) {
      Fail(a, file, "'author' is a map", subject);
      return;
    }
    yaml::CheckKeys(a, {"handle", "account_age_days", "followers", "first_comment", "is_self"}, file, subject,
                    &errors_);
    try {
      if (a["handle"]) author->handle = a["handle"].Scalar();
      if (a["account_age_days"]) author->account_age_days = a["account_age_days"].as<double>();
      if (a["followers"]) author->followers = a["followers"].as<double>();
      if (a["first_comment"]) author->first_comment = a["first_comment"].as<bool>();
      if (a["is_self"]) author->is_self = a["is_self"].as<bool>();
    } catch (const YAML::Exception& e) {
      Fail(a, file, "bad author field in example: " + e.msg, subject);
    }
  }

  std::unique_ptr<RuleSet::Impl> impl_;
  Errors errors_;
  std::vector<std::string> categories_;
  std::map<std::string, ListDef> lists_;
  std::map<std::string, std::vector<int>> list_patterns_;
  std::map<std::string, int> pattern_ids_;
  std::map<std::string, Location> ids_;
};

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace

Result<RuleSetPtr> BuildRuleSet(const std::vector<SourceText>& rule_files, const std::vector<ListFile>& list_files) {
  return Loader().Build(rule_files, list_files);
}

Result<RuleSetPtr> RuleSet::LoadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error{{dir, 0, 0}, "", "not a directory"};
  std::vector<std::string> rule_paths, list_paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) rule_paths.push_back(entry.path().string());
  }
  const fs::path lists_dir = fs::path(dir) / "lists";
  if (fs::is_directory(lists_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(lists_dir, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".txt") list_paths.push_back(entry.path().string());
    }
  }
  std::sort(rule_paths.begin(), rule_paths.end());
  std::sort(list_paths.begin(), list_paths.end());
  Errors errors;
  std::vector<SourceText> files;
  for (const std::string& p : rule_paths) {
    SourceText s{p, ""};
    if (!ReadWholeFile(p, &s.text)) errors.push_back(Error{{p, 0, 0}, "", "cannot read file"});
    files.push_back(std::move(s));
  }
  std::vector<ListFile> lists;
  for (const std::string& p : list_paths) {
    ListFile l{fs::path(p).stem().string(), p, ""};
    if (!ReadWholeFile(p, &l.text)) errors.push_back(Error{{p, 0, 0}, "", "cannot read file"});
    lists.push_back(std::move(l));
  }
  if (!errors.empty()) return errors;
  if (files.empty()) return Error{{dir, 0, 0}, "", "no rule files (*.yaml) in this directory"};
  return BuildRuleSet(files, lists);
}

Result<RuleSetPtr> RuleSet::LoadString(const std::string& yaml_text, const std::string& name) {
  return BuildRuleSet({SourceText{name, yaml_text}}, {});
}

}  // namespace aasr::rules
