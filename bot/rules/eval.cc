#include "bot/rules/eval.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "bot/util/utf8.h"

namespace aasr::rules {
namespace {

int Severity(Action a) {
  switch (a) {
    case Action::kHide: return 2;
    case Action::kReview: return 1;
    case Action::kAllow: return 0;
  }
  return 0;
}

bool Flagged(const Verdict& v) { return v.action != Action::kAllow; }

EvalCase MakeCase(const EvalItem& item, const Verdict& v) {
  EvalCase c;
  c.id = item.id;
  c.source = item.source;
  c.text = item.comment.text;
  c.category = item.category;
  c.kind = item.kind;
  c.action = ActionName(v.action);
  c.primary = PrimaryCategory(v);
  c.explanation = v.explanation;
  for (const RuleMatch& m : v.shadow_matches) c.shadow_rules.push_back(m.rule_id);
  return c;
}

std::string Percent(const Ratio& r) {
  const std::optional<double> rate = r.rate();
  char buf[64];
  if (!rate) {
    std::snprintf(buf, sizeof buf, "%lld/%lld      -", static_cast<long long>(r.hit),
                  static_cast<long long>(r.of));
  } else {
    std::snprintf(buf, sizeof buf, "%lld/%lld %6.1f%%", static_cast<long long>(r.hit),
                  static_cast<long long>(r.of), *rate * 100.0);
  }
  return buf;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

nlohmann::ordered_json RatioJson(const Ratio& r) {
  nlohmann::ordered_json j;
  j["hit"] = r.hit;
  j["of"] = r.of;
  const std::optional<double> rate = r.rate();
  j["rate"] = rate ? nlohmann::ordered_json(*rate) : nlohmann::ordered_json(nullptr);
  return j;
}

nlohmann::ordered_json RatioMapJson(const std::map<std::string, Ratio>& m) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, r] : m) j[k.empty() ? "(none)" : k] = RatioJson(r);
  return j;
}

nlohmann::ordered_json CasesJson(const std::vector<EvalCase>& cases) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const EvalCase& c : cases) {
    nlohmann::ordered_json o;
    o["id"] = c.id;
    o["source"] = c.source;
    o["category"] = c.category;
    o["kind"] = c.kind;
    o["text"] = c.text;
    o["action"] = c.action;
    o["primary_category"] = c.primary;
    o["explanation"] = c.explanation;
    if (!c.shadow_rules.empty()) o["shadow"] = c.shadow_rules;
    j.push_back(o);
  }
  return j;
}

// One line per case: where it is, what was expected, what the rules said.
void ListCases(std::ostringstream& out, const char* title, const std::vector<EvalCase>& cases) {
  out << title << " (" << cases.size() << ")\n";
  for (const EvalCase& c : cases) {
    out << "  " << c.source;
    if (!c.id.empty()) out << " " << c.id;
    out << " [" << (c.category.empty() ? "-" : c.category) << ", " << (c.kind.empty() ? "-" : c.kind)
        << "]: ";
    std::string text = c.text;
    std::replace(text.begin(), text.end(), '\n', ' ');
    out << text << "\n    " << c.explanation << "\n";
  }
}

}  // namespace

std::optional<EvalItem> ParseCorpusLine(const std::string& raw, const AuthorReader& read_author,
                                        std::string* error) {
  error->clear();
  std::string line = raw;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.find_first_not_of(" \t") == std::string::npos) return std::nullopt;
  auto fail = [&](const std::string& message) {
    *error = message;
    return std::nullopt;
  };
  if (const size_t bad = utf8::FindInvalid(line); bad != std::string::npos)
    return fail("invalid UTF-8 at byte " + std::to_string(bad));
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("not valid JSON");
  if (!j.is_object()) return fail("expected a JSON object");
  EvalItem item;
  if (!j.contains("text") || !j["text"].is_string()) return fail("missing string field 'text'");
  item.comment.text = j["text"].get<std::string>();
  if (!j.contains("expect") || !j["expect"].is_string()) return fail("missing field 'expect' (\"flag\" or \"pass\")");
  const std::string expect = j["expect"].get<std::string>();
  if (expect != "flag" && expect != "pass")
    return fail("field 'expect' must be \"flag\" or \"pass\", got \"" + expect + "\"");
  item.expect_flag = expect == "flag";
  if (j.contains("id") && !j["id"].is_null()) {
    if (j["id"].is_string()) item.id = j["id"].get<std::string>();
    else if (j["id"].is_number_integer()) item.id = std::to_string(j["id"].get<int64_t>());
    else return fail("field 'id' must be a string or an integer");
  }
  for (auto [key, out] : {std::pair{"category", &item.category}, {"kind", &item.kind},
                          {"platform", &item.comment.platform}}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    if (!j[key].is_string()) return fail(std::string("field '") + key + "' must be a string");
    *out = j[key].get<std::string>();
  }
  // `author` means what it means to `screen`: handle, account_age_days,
  // followers, first_comment, is_self. A corpus never carries its own author
  // parser.
  if (j.contains("author") && !j["author"].is_null()) {
    std::string author_error;
    if (!read_author(j["author"], &item.comment.author, &author_error)) return fail(author_error);
  }
  return item;
}

std::string PrimaryCategory(const Verdict& v) {
  const RuleMatch* best = nullptr;
  for (const RuleMatch& m : v.matches) {
    // Strictly better only, so the first in match order wins ties.
    if (!best || Severity(m.action) > Severity(best->action) ||
        (Severity(m.action) == Severity(best->action) && m.priority > best->priority)) {
      best = &m;
    }
  }
  return best ? best->category : "";
}

EvalReport Evaluate(const RuleSet& rules, const std::vector<EvalItem>& items) {
  EvalReport r;
  // Every shadow rule gets a row, hits or not: a rule that never fires is news too.
  std::map<std::string, size_t> shadow_index;
  for (const std::string& id : rules.shadow_rule_ids()) {
    shadow_index[id] = r.shadow.size();
    r.shadow.push_back(ShadowRuleReport{id, "", 0, 0, 0, 0, 0});
  }
  for (const EvalItem& item : items) {
    const Verdict v = rules.Screen(item.comment);
    const bool flagged = Flagged(v);
    // A must-pass item's category is what a naive filter would mistake it
    // for ("this killed me" as crisis), so only must-flag items are persons
    // in crisis; a hidden must-pass item counts as hidden_pass instead.
    const bool crisis = item.category == "crisis" && item.expect_flag;
    ++r.items;
    if (crisis) {
      ++r.crisis_items;
      if (v.action == Action::kHide) ++r.crisis_hidden;
    }
    if (item.expect_flag) {
      ++r.flag_items;
      for (Ratio* ratio : {&r.recall, &r.recall_by_category[item.category], &r.recall_by_kind[item.kind]}) {
        ++ratio->of;
        ratio->hit += flagged;
      }
      if (crisis) {
        ++r.crisis_recall.of;
        r.crisis_recall.hit += flagged;
      }
      if (!flagged) {
        r.misses.push_back(MakeCase(item, v));
      } else if (!item.category.empty()) {
        const bool primary = PrimaryCategory(v) == item.category;
        const bool among =
            std::find(v.categories.begin(), v.categories.end(), item.category) != v.categories.end();
        ++r.category_primary.of;
        r.category_primary.hit += primary;
        ++r.category_among.of;
        r.category_among.hit += among;
        if (!primary) r.miscategorized.push_back(MakeCase(item, v));
      }
    } else {
      ++r.pass_items;
      for (Ratio* ratio : {&r.false_positives, &r.false_positives_by_kind[item.kind]}) {
        ++ratio->of;
        ratio->hit += flagged;
      }
      if (flagged) r.false_positive_cases.push_back(MakeCase(item, v));
      if (v.action == Action::kHide) ++r.hidden_pass;
    }
    bool shadow_adds = false;
    for (const RuleMatch& m : v.shadow_matches) {
      auto it = shadow_index.find(m.rule_id);
      if (it == shadow_index.end()) continue;
      ShadowRuleReport& s = r.shadow[it->second];
      s.category = m.category;
      ++s.hits;
      ++(item.expect_flag ? s.flag_hits : s.pass_hits);
      if (!flagged && m.action != Action::kAllow) {
        ++(item.expect_flag ? s.would_add_catches : s.would_add_false_positives);
        shadow_adds = true;
      }
    }
    if (shadow_adds) ++(item.expect_flag ? r.shadow_would_add_catches : r.shadow_would_add_false_positives);
  }
  return r;
}

std::vector<ThresholdResult> CheckThresholds(const EvalReport& r, const std::vector<Threshold>& thresholds) {
  std::vector<ThresholdResult> out;
  for (const Threshold& t : thresholds) {
    ThresholdResult res{t.name, t.limit, std::nullopt, false};
    bool floor = true;  // min-*: value >= limit; max-*: value <= limit
    if (t.name == "min-recall") res.value = r.recall.rate();
    else if (t.name == "min-crisis-recall") res.value = r.crisis_recall.rate();
    else if (t.name == "min-category") res.value = r.category_primary.rate();
    else {
      floor = false;
      if (t.name == "max-fpr") res.value = r.false_positives.rate();
      else if (t.name == "max-hidden-pass") res.value = static_cast<double>(r.hidden_pass);
      else if (t.name == "max-crisis-hidden") res.value = static_cast<double>(r.crisis_hidden);
      else if (t.name == "max-malformed") res.value = static_cast<double>(r.malformed.size());
    }
    if (res.value) res.ok = floor ? *res.value >= t.limit : *res.value <= t.limit;
    out.push_back(res);
  }
  return out;
}

std::string FormatReport(const EvalReport& r, const std::vector<ThresholdResult>& thresholds, bool list) {
  std::ostringstream out;
  // Labels are padded to one column, wide enough for the longest kind.
  size_t width = 28;
  for (const auto* m : {&r.recall_by_category, &r.recall_by_kind, &r.false_positives_by_kind}) {
    for (const auto& kv : *m) width = std::max(width, kv.first.size() + 12);
  }
  out << "corpus: " << r.items << " items (" << r.flag_items << " must-flag, " << r.pass_items
      << " must-pass) from " << r.files.size() << " file(s); " << r.malformed.size() << " malformed line(s) skipped\n";
  out << Pad("recall", width) << Percent(r.recall) << "\n";
  for (const auto& [k, ratio] : r.recall_by_category)
    out << Pad("  category " + (k.empty() ? "(none)" : k), width) << Percent(ratio) << "\n";
  for (const auto& [k, ratio] : r.recall_by_kind)
    out << Pad("  kind " + (k.empty() ? "(none)" : k), width) << Percent(ratio) << "\n";
  out << Pad("false-positive rate", width) << Percent(r.false_positives) << "\n";
  for (const auto& [k, ratio] : r.false_positives_by_kind)
    out << Pad("  kind " + (k.empty() ? "(none)" : k), width) << Percent(ratio) << "\n";
  out << Pad("must-pass hidden", width) << r.hidden_pass << "\n";
  out << Pad("crisis recall", width) << Percent(r.crisis_recall) << "\n";
  out << Pad("crisis items hidden", width) << r.crisis_hidden << " of " << r.crisis_items
      << (r.crisis_hidden ? "  <-- a person in crisis would be silenced" : "") << "\n";
  out << Pad("category (primary)", width) << Percent(r.category_primary) << "\n";
  out << Pad("category (among verdict's)", width) << Percent(r.category_among) << "\n";
  if (!r.shadow.empty()) {
    out << "shadow rules (no effect on verdicts): would add " << r.shadow_would_add_catches << " catch(es), "
        << r.shadow_would_add_false_positives << " false positive(s)\n";
    for (const ShadowRuleReport& s : r.shadow) {
      out << "  " << s.rule_id << ": " << s.hits << " hit(s) (" << s.flag_hits << " must-flag, " << s.pass_hits
          << " must-pass); would add " << s.would_add_catches << " catch(es), " << s.would_add_false_positives
          << " false positive(s)\n";
    }
  }
  for (const std::string& m : r.malformed) out << "malformed: " << m << "\n";
  if (list) {
    ListCases(out, "misses", r.misses);
    ListCases(out, "false positives", r.false_positive_cases);
    ListCases(out, "wrong primary category", r.miscategorized);
  }
  for (const ThresholdResult& t : thresholds) {
    char buf[160];
    if (t.value) {
      std::snprintf(buf, sizeof buf, "threshold %s %g: %g %s\n", t.name.c_str(), t.limit, *t.value,
                    t.ok ? "ok" : "FAILED");
    } else {
      std::snprintf(buf, sizeof buf, "threshold %s %g: no items to measure, FAILED\n", t.name.c_str(), t.limit);
    }
    out << buf;
  }
  return out.str();
}

nlohmann::ordered_json ReportToJson(const EvalReport& r, const std::vector<ThresholdResult>& thresholds,
                                    bool list) {
  nlohmann::ordered_json j;
  j["files"] = r.files;
  j["items"] = r.items;
  j["flag_items"] = r.flag_items;
  j["pass_items"] = r.pass_items;
  j["malformed"] = r.malformed.size();
  j["malformed_lines"] = r.malformed;
  j["recall"] = RatioJson(r.recall);
  j["recall_by_category"] = RatioMapJson(r.recall_by_category);
  j["recall_by_kind"] = RatioMapJson(r.recall_by_kind);
  j["false_positive_rate"] = RatioJson(r.false_positives);
  j["false_positive_rate_by_kind"] = RatioMapJson(r.false_positives_by_kind);
  j["hidden_pass"] = r.hidden_pass;
  j["crisis"] = {{"recall", RatioJson(r.crisis_recall)}, {"items", r.crisis_items}, {"hidden", r.crisis_hidden}};
  j["category"] = {{"primary", RatioJson(r.category_primary)}, {"among", RatioJson(r.category_among)}};
  nlohmann::ordered_json shadow_rules = nlohmann::ordered_json::array();
  for (const ShadowRuleReport& s : r.shadow) {
    nlohmann::ordered_json o;
    o["id"] = s.rule_id;
    o["category"] = s.category;
    o["hits"] = s.hits;
    o["flag_hits"] = s.flag_hits;
    o["pass_hits"] = s.pass_hits;
    o["would_add_catches"] = s.would_add_catches;
    o["would_add_false_positives"] = s.would_add_false_positives;
    shadow_rules.push_back(o);
  }
  j["shadow"] = {{"rules", shadow_rules},
                 {"would_add_catches", r.shadow_would_add_catches},
                 {"would_add_false_positives", r.shadow_would_add_false_positives}};
  nlohmann::ordered_json th = nlohmann::ordered_json::array();
  for (const ThresholdResult& t : thresholds) {
    nlohmann::ordered_json o;
    o["name"] = t.name;
    o["limit"] = t.limit;
    o["value"] = t.value ? nlohmann::ordered_json(*t.value) : nlohmann::ordered_json(nullptr);
    o["ok"] = t.ok;
    th.push_back(o);
  }
  j["thresholds"] = th;
  j["ok"] = std::all_of(thresholds.begin(), thresholds.end(), [](const ThresholdResult& t) { return t.ok; });
  if (list) {
    j["misses"] = CasesJson(r.misses);
    j["false_positives"] = CasesJson(r.false_positive_cases);
    j["miscategorized"] = CasesJson(r.miscategorized);
  }
  return j;
}

}  // namespace aasr::rules
