// Screening: one RE2::Set pass per view finds candidate patterns; only rules
// that use a candidate (or that can hold without any term) are evaluated,
// and only their patterns are run singly to locate spans.
//
// Two ways to evaluate a candidate rule, with the same verdicts (tested on
// the shipped rules over the development and bench corpora):
//  - the reference (Screen with Evaluation::kReference) evaluates each term
//    and `near` condition exactly, on original spans, and locates every allow
//    pattern of the rule;
//  - the fast path (the default) first asks each term and `near` condition a
//    cheaper question whose "no" implies the exact "no": does it hold on the
//    canonical view alone, ignoring `allow`? That needs neither the byte maps
//    (for ASCII text the canonical view is built without them) nor the allow
//    patterns. Common words ("you", "my") make many rules candidates, and most
//    of them fail here. Only when the answer is "maybe" does the exact
//    condition run, and then only allow patterns the set found are located:
//    a pattern the set did not find cannot match (the set's patterns are a
//    superset of the locators; see SqueezedTermRegex).
#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <optional>

#include "bot/rules/features.h"
#include "bot/rules/normalize.h"
#include "bot/rules/rule_set_internal.h"

namespace aasr::rules {
namespace {

// RE2's DFA for a few thousand alternations needs room; past this budget
// Set::Match reports an error and we fall back to evaluating every rule.
constexpr int64_t kSetMemoryBudget = int64_t{1} << 30;

std::unique_ptr<RE2::Set> MakeSet(bool case_sensitive) {
  RE2::Options options;
  options.set_case_sensitive(case_sensitive);
  options.set_log_errors(false);
  options.set_max_mem(kSetMemoryBudget);
  return std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
}

// Per-comment state: the views, which patterns hit, their located spans.
class Screening {
 public:
  Screening(const RuleSet::Impl& impl, const Comment& comment, RuleSet::Evaluation mode)
      : impl_(impl), comment_(comment), fast_(mode == RuleSet::Evaluation::kFast) {
    // Most comments match nothing: screen ASCII text without byte maps and
    // build the mapped views only if a pattern hits (see Views()).
    if (IsAsciiText(comment.text)) {
      canonical_ascii_ = CanonicalAsciiText(comment.text);
      squeezed_ = SqueezeLetters(*canonical_ascii_);
      // Numbers spelled out or spaced are joined for the literal set (step 2b).
      if (impl.literal_set && HasSpacedNumber(comment.text)) {
        literal_owned_ = LiteralAsciiText(comment.text);
        literal_ = literal_owned_;
      } else {
        literal_ = comment.text;  // the literal set is case-insensitive
      }
    } else {
      views_ = Normalize(comment.text);
      squeezed_ = SqueezeLetters(views_->canonical.text);
      literal_ = views_->literal.text;
    }
    thread_local std::vector<char> hit;  // per pattern; reset after each comment
    hit.resize(impl.patterns.size(), 0);
    hit_ = &hit;
    thread_local std::vector<int> slot;  // per pattern: 1 + its index in located_, or 0
    slot.resize(impl.patterns.size(), 0);
    slot_ = &slot;
  }
  ~Screening() {
    for (const int p : hits_) (*hit_)[p] = 0;
    for (const Located& l : located_) (*slot_)[l.pattern] = 0;
  }

  // Marks candidate patterns; returns false if a set could not run.
  bool FindCandidates() {
    thread_local std::vector<int> found;
    bool ok = true;
    auto run = [&](const RE2::Set* set, const std::vector<int>& ids, std::string_view text) {
      if (!set) return;
      found.clear();
      RE2::Set::ErrorInfo info{};
      if (!set->Match(re2::StringPiece(text.data(), text.size()), &found, &info) &&
          info.kind != RE2::Set::kNoError) {
        ok = false;
      }
      for (const int i : found) Hit(ids[i]);
    };
    run(impl_.canonical_set.get(), impl_.canonical_ids, squeezed_);
    run(impl_.literal_set.get(), impl_.literal_ids, literal_);
    if (!ok) {  // the set could not run: every pattern is a candidate, Locate confirms
      for (size_t p = 0; p < impl_.patterns.size(); ++p) Hit(static_cast<int>(p));
    }
    return ok;
  }

  std::vector<int> CandidateRules() const {
    std::vector<int> rules = impl_.always_evaluate;
    for (const int p : hits_) {
      rules.insert(rules.end(), impl_.rules_by_pattern[p].begin(), impl_.rules_by_pattern[p].end());
    }
    std::sort(rules.begin(), rules.end());
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
    return rules;
  }

  // True if the rule holds; its spans are appended to *spans.
  bool Evaluate(const Rule& rule, std::vector<Span>* spans) {
    current_allow_.reset();
    return Eval(rule, rule.root, spans);
  }

 private:
  bool Eval(const Rule& rule, const Condition& c, std::vector<Span>* spans) {
    switch (c.kind) {
      case Condition::Kind::kAll: {
        std::vector<Span> collected;
        for (const Condition& child : c.children) {
          if (!Eval(rule, child, spans ? &collected : nullptr)) return false;
        }
        if (spans) spans->insert(spans->end(), collected.begin(), collected.end());
        return true;
      }
      case Condition::Kind::kAny: {
        bool any = false;
        for (const Condition& child : c.children) any = Eval(rule, child, spans) || any;
        return any;
      }
      case Condition::Kind::kNot:
        return !Eval(rule, c.children.front(), nullptr);
      case Condition::Kind::kTerms:
        return EvalTerms(rule, c, spans);
      case Condition::Kind::kCompare:
        return EvalCompare(c);
      case Condition::Kind::kDomains:
        return EvalDomains(c);
      case Condition::Kind::kNear:
        return EvalNear(rule, c, spans);
      case Condition::Kind::kHandles:
        return EvalHandles(c);
    }
    return false;
  }

 public:
  // True when every span lies inside reported speech as `spec` defines it.
  bool AllReported(const ReportedSpec& spec, const std::vector<Span>& spans) {
    if (spans.empty()) return false;
    std::vector<ByteRange> ranges;
    if (spec.options.quotes) {
      if (!quoted_) quoted_ = QuotedRanges(comment_.text);
      ranges = *quoted_;
    }
    if (!spec.options.lead_ins.empty()) {
      const std::vector<ByteRange> after =
          LeadInRanges(Views().canonical, comment_.text, spec.options.lead_ins, spec.options.within);
      ranges.insert(ranges.end(), after.begin(), after.end());
    }
    return AllInside(spans, ranges);
  }

 private:
  bool Allowed(const Rule& rule, const Span& s) {
    const std::vector<Span>& allowed = AllowSpans(rule);
    if (std::any_of(allowed.begin(), allowed.end(),
                    [&](const Span& a) { return a.first <= s.first && s.second <= a.second; })) {
      return true;
    }
    for (const Rule::ScopedAllow& scoped : rule.scoped_allow) {
      if (fast_ && !(*hit_)[scoped.pattern]) continue;  // the set did not find it: it cannot match
      for (const Span& a : Locate(scoped.pattern)) {
        if (WordsApart(a, s) <= scoped.within) return true;
      }
    }
    return false;
  }

  // Words of the canonical view lying wholly between two original spans
  // (-1 when they overlap), for scoped allow terms.
  int WordsApart(const Span& x, const Span& y) {
    const Span& first = x.first <= y.first ? x : y;
    const Span& second = x.first <= y.first ? y : x;
    if (second.first < first.second) return -1;
    const MappedText& canonical = Views().canonical;
    const std::string& t = canonical.text;
    int words = 0;
    for (size_t i = 0; i < t.size();) {
      if (t[i] == ' ') {  // words are counted as `near` counts them
        ++i;
        continue;
      }
      size_t j = i;
      while (j < t.size() && t[j] != ' ') ++j;
      const auto [ob, oe] = canonical.ToOriginal(i, j);
      if (ob >= first.second && oe <= second.first) ++words;
      if (ob >= second.first) break;
      i = j;
    }
    return words;
  }

  // A located part of a `near` group: where it is in the canonical view (to
  // count the words between parts) and in the original (to report it).
  struct Part {
    uint32_t b, e;  // canonical view bytes
    Span span;
  };

  bool EvalNear(const Rule& rule, const Condition& c, std::vector<Span>* spans) {
    // Cheap first: every group needs a candidate from the set.
    for (const std::vector<int>& group : c.groups) {
      if (std::none_of(group.begin(), group.end(), [&](int p) { return (*hit_)[p] != 0; })) return false;
    }
    if (fast_ && !NearMayHold(c)) return false;
    std::vector<std::vector<Part>> parts(c.groups.size());
    for (size_t g = 0; g < c.groups.size(); ++g) {
      for (const int p : c.groups[g]) {
        if (!(*hit_)[p]) continue;
        const Located& l = LocateAll(p);
        const std::vector<Span>& original = Spans(l);
        for (size_t i = 0; i < original.size(); ++i) {
          if (!Allowed(rule, original[i])) parts[g].push_back({l.view[i].first, l.view[i].second, original[i]});
        }
      }
      if (parts[g].empty()) return false;
      std::sort(parts[g].begin(), parts[g].end(), [](const Part& x, const Part& y) { return x.b < y.b; });
    }
    const SearchResult result = SearchChains(c, parts);
    if (result.found.empty()) return false;
    if (spans) spans->insert(spans->end(), result.found.begin(), result.found.end());
    return true;
  }

  // The fast path's question for a `near` condition: is there a chain on the
  // canonical view when no part is allowed away? Allowing only removes parts,
  // and the chain test reads canonical positions alone, so "no" (after a
  // complete search) means the exact condition is false too.
  bool NearMayHold(const Condition& c) {
    std::vector<std::vector<Part>> parts(c.groups.size());
    for (size_t g = 0; g < c.groups.size(); ++g) {
      for (const int p : c.groups[g]) {
        if (!(*hit_)[p]) continue;
        const Located& l = LocateAll(p);
        for (const auto& [b, e] : l.view) parts[g].push_back({b, e, {}});
      }
      if (parts[g].empty()) return false;
      std::sort(parts[g].begin(), parts[g].end(), [](const Part& x, const Part& y) { return x.b < y.b; });
    }
    const SearchResult result = SearchChains(c, parts);
    return !result.found.empty() || result.exhausted;
  }

  struct SearchResult {
    std::vector<Span> found;  // every part of every complete chain
    bool exhausted = false;   // the step budget ran out (the search is incomplete)
  };

  // Every chain of one part per group, in group order when `ordered` (else in
  // any order), consecutive parts at most c.within words apart. Each group's
  // parts are sorted by position.
  SearchResult SearchChains(const Condition& c, const std::vector<std::vector<Part>>& parts) {
    const std::string_view canonical = CanonicalText();
    // Words strictly between a part ending at `e` and one starting at `b`:
    // the canonical view has exactly one space between words.
    auto words_between = [&](uint32_t e, uint32_t b) {
      return static_cast<int>(std::count(canonical.begin() + e, canonical.begin() + b, ' ')) - 1;
    };
    std::vector<size_t> order(c.groups.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::vector<Span> found;
    std::vector<const Part*> chain;
    int budget = 20000;  // search steps per condition: a pathological comment stays cheap
    // Depth-first over chains of parts in `order`; every complete chain's
    // parts are reported.
    std::function<void(size_t)> extend = [&](size_t depth) {
      if (depth == order.size()) {
        for (const Part* p : chain) found.push_back(p->span);
        return;
      }
      for (const Part& next : parts[order[depth]]) {
        if (--budget < 0) return;
        if (depth > 0) {
          const Part* prev = chain.back();
          if (next.b < prev->e) continue;  // overlaps or comes before
          if (words_between(prev->e, next.b) > c.within) break;  // sorted: the rest are farther
        }
        chain.push_back(&next);
        extend(depth + 1);
        chain.pop_back();
      }
    };
    do {
      extend(0);
    } while (!c.ordered && budget > 0 && std::next_permutation(order.begin(), order.end()));
    return SearchResult{std::move(found), budget < 0};
  }

  bool EvalHandles(const Condition& c) {
    if (comment_.author.handle.empty()) return false;  // unknown: never flag by guess
    const std::string h = NormalizeHandle(comment_.author.handle);
    const size_t at = h.find('@');
    const bool listed = std::any_of(c.handles.begin(), c.handles.end(), [&](const std::string& entry) {
      if (entry.rfind("*@", 0) == 0) return at != std::string::npos && h.compare(at, std::string::npos, entry, 1) == 0;
      return h == entry;
    });
    return listed == c.handles_in;
  }

  bool EvalTerms(const Rule& rule, const Condition& c, std::vector<Span>* spans) {
    if (fast_ && !TermsMayHold(c)) return false;
    std::vector<Span> found;
    for (const int p : c.patterns) {
      if (!(*hit_)[p]) continue;
      const std::vector<Span>& located = Locate(p);
      found.insert(found.end(), located.begin(), located.end());
    }
    if (found.empty()) return false;
    found.erase(std::remove_if(found.begin(), found.end(), [&](const Span& s) { return Allowed(rule, s); }),
                found.end());
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    if (static_cast<int>(found.size()) < c.min_matches) return false;
    if (spans) spans->insert(spans->end(), found.begin(), found.end());
    return true;
  }

  // The fast path's question for a term condition: are there min_matches
  // distinct matches on the canonical view, none allowed away? Distinct view
  // matches are at least as many as the distinct original spans they map to,
  // and allowing only removes matches, so "no" means the exact "no".
  bool TermsMayHold(const Condition& c) {
    thread_local std::vector<std::pair<uint32_t, uint32_t>> found;
    found.clear();
    for (const int p : c.patterns) {
      if (!(*hit_)[p]) continue;
      const Located& l = LocateAll(p);
      found.insert(found.end(), l.view.begin(), l.view.end());
      // Matches of one pattern are distinct already: one alone may settle it.
      if (static_cast<int>(l.view.size()) >= c.min_matches) return true;
    }
    if (static_cast<int>(found.size()) < c.min_matches) return false;
    // Matches of different patterns on one view may coincide; distinct ones
    // of different views cannot be compared, so count per view.
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return static_cast<int>(found.size()) >= c.min_matches || MixedViews(c);
  }

  bool MixedViews(const Condition& c) const {
    bool canonical = false, literal = false;
    for (const int p : c.patterns) {
      (impl_.patterns[p].view == View::kCanonical ? canonical : literal) = true;
    }
    return canonical && literal;
  }

  const std::vector<Span>& AllowSpans(const Rule& rule) {
    if (!current_allow_) {
      current_allow_.emplace();
      for (const int p : rule.allow_patterns) {
        if (fast_ && !(*hit_)[p]) continue;  // the set did not find it: it cannot match
        const std::vector<Span>& s = Locate(p);
        current_allow_->insert(current_allow_->end(), s.begin(), s.end());
      }
    }
    return *current_allow_;
  }

  struct Located {
    int pattern;
    std::vector<std::pair<uint32_t, uint32_t>> view;  // every match, in the view's bytes
    mutable std::optional<std::vector<Span>> spans;  // the same matches in original bytes, once asked for
  };

  // Every match of pattern p, as original byte spans.
  const std::vector<Span>& Locate(int p) { return Spans(LocateAll(p)); }

  // The original spans of located matches: the view's byte maps are built
  // (for ASCII text) only when a match must be reported or compared.
  const std::vector<Span>& Spans(const Located& l) {
    if (!l.spans) {
      const Pattern& pattern = impl_.patterns[l.pattern];
      const MappedText& view = pattern.view == View::kCanonical ? Views().canonical : Views().literal;
      l.spans.emplace();
      l.spans->reserve(l.view.size());
      for (const auto& [b, e] : l.view) l.spans->push_back(view.ToOriginal(b, e));
    }
    return *l.spans;
  }

  // The canonical view's text: for ASCII text, without the maps.
  std::string_view CanonicalText() {
    if (!views_ && canonical_ascii_) return *canonical_ascii_;
    return Views().canonical.text;
  }

  // Every match of pattern p in its view (no maps needed for canonical patterns).
  const Located& LocateAll(int p) {
    // A candidate pattern is often asked for by several rules: located once.
    if (const int slot = (*slot_)[p]; slot != 0) return located_[slot - 1];
    Located& located = located_.emplace_back(Located{p, {}, std::nullopt});
    (*slot_)[p] = static_cast<int>(located_.size());
    const Pattern& pattern = impl_.patterns[p];
    const bool canonical = pattern.view == View::kCanonical;
    const std::string_view view_text = canonical ? CanonicalText() : std::string_view(Views().literal.text);
    const re2::StringPiece text(view_text.data(), view_text.size());
    size_t pos = 0;
    re2::StringPiece whole;
    if (fast_ && canonical && !pattern.simple_word.empty() && WordsOnly()) {
      LocateWord(pattern, &located.view);
      return located;
    }
    const RE2& locate = pattern.Locator();
    // The locator's one group is the whole match less the edge byte on each
    // side (canonical: kWordEdges, one byte each) or the whole match
    // (literal), so only the match is asked for: RE2 then finds it with its
    // DFAs alone, without a submatch engine.
    while (pos <= text.size() && locate.Match(text, pos, text.size(), RE2::UNANCHORED, &whole, 1)) {
      const size_t match_begin = static_cast<size_t>(whole.data() - text.data());
      const size_t match_end = match_begin + whole.size();
      const size_t b = canonical ? match_begin + 1 : match_begin;
      const size_t e = canonical ? match_end - 1 : match_end;
      if (e > b) located.view.emplace_back(static_cast<uint32_t>(b), static_cast<uint32_t>(e));
      // Canonical matches end on the separator space, which the next word's
      // match needs as its leading space.
      size_t next = pattern.view == View::kCanonical && match_end > e ? e : match_end;
      if (next <= pos) next = pos + 1;
      pos = next;
    }
    return located;
  }

  // The fast path's word index: every word of the canonical view made only of
  // ASCII letters, by the hash of its squeezed form. Only when the view has
  // no masking placeholder, so words are exactly the runs between spaces.
  struct Word {
    uint64_t hash;
    uint32_t b, e;
    bool operator<(const Word& o) const { return hash != o.hash ? hash < o.hash : b < o.b; }
  };
  static uint64_t Fnv(uint64_t h, unsigned char c) { return (h ^ c) * 0x100000001b3ULL; }
  static constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ULL;

  bool WordsOnly() {
    if (!words_only_) words_only_ = CanonicalText().find(kMask) == std::string_view::npos;
    return *words_only_;
  }

  // Every word that the pattern's locator would match, in text order: a word
  // that squeezes to simple_word with each letter run at least as long.
  void LocateWord(const Pattern& pattern, std::vector<std::pair<uint32_t, uint32_t>>* out) {
    const std::string_view text = CanonicalText();
    if (!word_index_) {
      word_index_.emplace();
      size_t i = 0;
      while (i < text.size()) {
        if (text[i] == ' ') {
          ++i;
          continue;
        }
        const size_t b = i;
        uint64_t h = kFnvBasis;
        bool letters = true;
        char last = 0;
        for (; i < text.size() && text[i] != ' '; ++i) {
          const char c = text[i];
          if (c < 'a' || c > 'z') letters = false;
          if (c != last) h = Fnv(h, static_cast<unsigned char>(c));
          last = c;
        }
        if (letters) word_index_->push_back({h, static_cast<uint32_t>(b), static_cast<uint32_t>(i)});
      }
      std::sort(word_index_->begin(), word_index_->end());
    }
    uint64_t h = kFnvBasis;
    for (const char c : pattern.simple_word) h = Fnv(h, static_cast<unsigned char>(c));
    auto it = std::lower_bound(word_index_->begin(), word_index_->end(), Word{h, 0, 0});
    for (; it != word_index_->end() && it->hash == h; ++it) {
      // Compare run by run: the same letters, each run at least as long.
      size_t k = 0, run = 0;
      uint32_t i = it->b;
      bool ok = true;
      while (i < it->e && ok) {
        uint32_t j = i;
        while (j < it->e && text[j] == text[i]) ++j;
        ok = run < pattern.simple_word.size() && text[i] == pattern.simple_word[run] &&
             j - i >= pattern.simple_runs[run];
        ++run;
        i = j;
      }
      k = run;
      if (ok && k == pattern.simple_word.size()) out->emplace_back(it->b, it->e);
    }
  }

  const rules::Views& Views() {
    if (!views_) views_ = Normalize(comment_.text);
    return *views_;
  }

  const TextFeatures& Features() {
    if (!features_) features_ = ComputeFeatures(comment_.text);
    return *features_;
  }
  const std::vector<std::string>& LinkDomains() {
    if (!links_) links_ = FindLinkDomains(comment_.text);
    return *links_;
  }

  bool EvalCompare(const Condition& c) {
    std::optional<double> v;
    switch (c.field) {
      case Field::kAccountAgeDays: v = comment_.author.account_age_days; break;
      case Field::kFollowers: v = comment_.author.followers; break;
      case Field::kFirstComment:
        if (comment_.author.first_comment) v = *comment_.author.first_comment ? 1 : 0;
        break;
      case Field::kLinksCount: v = static_cast<double>(LinkDomains().size()); break;
      case Field::kMentionsCount: v = Features().mentions; break;
      case Field::kCapsRatio: v = Features().caps_ratio; break;
      case Field::kLength: v = Features().length; break;
      case Field::kIsSelf:
        if (comment_.author.is_self) v = *comment_.author.is_self ? 1 : 0;
        break;
    }
    if (!v) return false;  // unknown: never flag by guess
    switch (c.op) {
      case CompareOp::kLt: return *v < c.value;
      case CompareOp::kLe: return *v <= c.value;
      case CompareOp::kGt: return *v > c.value;
      case CompareOp::kGe: return *v >= c.value;
      case CompareOp::kEq: return *v == c.value;
      case CompareOp::kNe: return *v != c.value;
    }
    return false;
  }

  bool EvalDomains(const Condition& c) {
    auto listed = [&](const std::string& host) {
      return std::any_of(c.domains.begin(), c.domains.end(), [&](const std::string& d) {
        return host == d || (host.size() > d.size() && host.compare(host.size() - d.size(), d.size(), d) == 0 &&
                             host[host.size() - d.size() - 1] == '.');
      });
    };
    for (const std::string& host : LinkDomains()) {
      if (listed(host) == c.domains_in) return true;
    }
    return false;
  }

  const RuleSet::Impl& impl_;
  const Comment& comment_;
  const bool fast_;
  std::optional<rules::Views> views_;
  std::optional<std::string> canonical_ascii_;  // the canonical view of ASCII text, without maps
  std::string squeezed_;    // canonical text with letter runs squeezed: the prefilter's input
  std::string literal_owned_;  // the literal view of ASCII text, built without maps
  std::string_view literal_;
  void Hit(int p) {
    if (!(*hit_)[p]) {
      (*hit_)[p] = 1;
      hits_.push_back(p);
    }
  }

  std::vector<char>* hit_;   // per pattern: a candidate for this comment
  std::vector<int>* slot_;   // per pattern: 1 + its index in located_, 0 if not located
  std::vector<int> hits_;    // the candidates, to reset hit_ cheaply
  // Spans of the patterns located so far. Few per comment, so a flat list.
  std::deque<Located> located_;
  std::optional<std::vector<ByteRange>> quoted_;
  std::optional<bool> words_only_;
  std::optional<std::vector<Word>> word_index_;
  std::optional<std::vector<Span>> current_allow_;
  std::optional<TextFeatures> features_;
  std::optional<std::vector<std::string>> links_;
};

std::vector<Span> MergeSpans(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end());
  std::vector<Span> merged;
  for (const Span& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, s.second);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

std::string Quote(const std::string& text, const Span& s) {
  std::string q = text.substr(s.first, s.second - s.first);
  for (char& c : q) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (q.size() > 40) {
    size_t cut = 40;
    while (cut > 0 && (static_cast<unsigned char>(q[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    q = q.substr(0, cut) + "…";
  }
  return "\"" + q + "\"";
}

// Shadow matches are named after the verdict so moderators and `rules eval
// --list` see what a watched rule would have said, clearly marked as inert.
std::string ExplainShadow(const Verdict& v) {
  if (v.shadow_matches.empty()) return "";
  std::string out = "; shadow (no effect):";
  for (const RuleMatch& m : v.shadow_matches) out += " " + m.rule_id + " [" + m.category + "]";
  return out;
}

std::string Explain(const Verdict& v, const std::string& text) {
  if (v.matches.empty()) return "allow: no rule matched" + ExplainShadow(v);
  std::string out = std::string(ActionName(v.action));
  if (v.action != Action::kAllow) out += std::string(" (") + PriorityName(v.priority) + ")";
  out += ": ";
  bool first = true;
  for (const RuleMatch& m : v.matches) {
    if (!first) out += "; ";
    first = false;
    out += m.rule_id + " [" + m.category + "] " + m.description;
    if (!m.spans.empty()) {
      out += " —";
      for (size_t i = 0; i < m.spans.size() && i < 3; ++i) out += " " + Quote(text, m.spans[i]);
      if (m.spans.size() > 3) out += " (+" + std::to_string(m.spans.size() - 3) + " more)";
    }
    if (v.action == Action::kAllow && m.action == Action::kAllow) out += " (explicit pass)";
    if (m.reported) out += " (reported speech)";
  }
  return out + ExplainShadow(v);
}

}  // namespace

Errors RuleSet::Impl::Compile(const Location& where) {
  Errors errors;
  canonical_set = MakeSet(true);
  literal_set = MakeSet(false);
  for (size_t p = 0; p < patterns.size(); ++p) {
    const bool canonical = patterns[p].view == View::kCanonical;
    std::string error;
    const int index = (canonical ? canonical_set : literal_set)->Add(patterns[p].regex, &error);
    if (index < 0) {
      errors.push_back(Error{where, "", "cannot add pattern '" + patterns[p].regex + "': " + error});
      continue;
    }
    (canonical ? canonical_ids : literal_ids).push_back(static_cast<int>(p));
  }
  if (canonical_ids.empty()) canonical_set.reset();
  if (literal_ids.empty()) literal_set.reset();
  if ((canonical_set && !canonical_set->Compile()) || (literal_set && !literal_set->Compile())) {
    errors.push_back(Error{where, "", "the rule set is too large to compile (RE2 ran out of memory)"});
  }
  needs_literal_view = literal_set != nullptr;
  rules_by_pattern.assign(patterns.size(), {});
  always_evaluate.clear();
  for (size_t r = 0; r < rules.size(); ++r) {
    if (!rules[r].needs_term_hit) always_evaluate.push_back(static_cast<int>(r));
    std::vector<const Condition*> stack = {&rules[r].root};
    while (!stack.empty()) {
      const Condition* c = stack.back();
      stack.pop_back();
      for (const int p : c->patterns) rules_by_pattern[p].push_back(static_cast<int>(r));
      for (const Condition& child : c->children) stack.push_back(&child);
    }
  }
  for (auto& list : rules_by_pattern) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return errors;
}

std::string NormalizeHandle(std::string_view handle) {
  size_t b = 0, e = handle.size();
  while (b < e && (handle[b] == ' ' || handle[b] == '\t')) ++b;
  while (e > b && (handle[e - 1] == ' ' || handle[e - 1] == '\t')) --e;
  if (b < e && handle[b] == '@') ++b;
  std::string out(handle.substr(b, e - b));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

size_t RuleSet::rule_count() const { return impl_->rules.size(); }

std::vector<std::string> RuleSet::rule_ids() const {
  std::vector<std::string> ids;
  for (const Rule& r : impl_->rules) ids.push_back(r.id);
  return ids;
}

std::vector<std::string> RuleSet::shadow_rule_ids() const {
  std::vector<std::string> ids;
  for (const Rule& r : impl_->rules) {
    if (r.shadow) ids.push_back(r.id);
  }
  return ids;
}

const std::vector<std::string>& RuleSet::source_files() const { return impl_->sources; }

Verdict RuleSet::Screen(const Comment& comment, Evaluation mode) const {
  Screening s(*impl_, comment, mode);
  s.FindCandidates();
  Verdict v;
  bool any_allow = false, any_hide = false;
  for (const int r : s.CandidateRules()) {
    const Rule& rule = impl_->rules[r];
    std::vector<Span> spans;
    if (!s.Evaluate(rule, &spans)) continue;
    RuleMatch m{rule.id, rule.category, rule.description, rule.action, rule.priority, MergeSpans(std::move(spans))};
    // Reported speech: the rule's `reported:` action and priority replace
    // its own when every part of the match repeats someone's words; with
    // `allow`, the match does not count at all (it is not an explicit pass).
    if (rule.reported && s.AllReported(*rule.reported, m.spans)) {
      if (rule.reported->action == Action::kAllow) continue;
      m.action = rule.reported->action;
      m.priority = rule.reported->priority;
      m.reported = true;
    }
    if (rule.shadow) {  // watched, never obeyed
      v.shadow_matches.push_back(std::move(m));
      continue;
    }
    any_allow = any_allow || m.action == Action::kAllow;
    any_hide = any_hide || m.action == Action::kHide;
    v.priority = std::max(v.priority, m.priority);
    if (std::find(v.categories.begin(), v.categories.end(), rule.category) == v.categories.end()) {
      v.categories.push_back(rule.category);
    }
    v.matches.push_back(std::move(m));
  }
  // A person in crisis is answered by a human, never silenced: a crisis match
  // turns a hide into review (the comment stays up and is queued).
  const bool crisis = std::find(v.categories.begin(), v.categories.end(), "crisis") != v.categories.end();
  // The organization's own posts and replies are never hidden (at most
  // reviewed): an action alert quoting a threat must stay up.
  const bool own = comment.author.is_self.value_or(false);
  if (v.matches.empty() || any_allow) v.action = Action::kAllow;
  else v.action = any_hide && !crisis && !own ? Action::kHide : Action::kReview;
  if (v.matches.empty()) v.priority = Priority::kLow;
  v.explanation = Explain(v, comment.text);
  if (any_hide && own && v.action == Action::kReview) v.explanation += " (our own account: never hidden)";
  return v;
}

size_t RuleSet::example_count() const {
  size_t n = 0;
  for (const Rule& r : impl_->rules) n += r.examples.size();
  return n;
}

Errors RuleSet::RunExamples() const {
  Errors failures;
  for (const Rule& rule : impl_->rules) {
    for (const Example& ex : rule.examples) {
      const Verdict v = Screen(ex.comment);
      const std::vector<RuleMatch>& own = rule.shadow ? v.shadow_matches : v.matches;
      const bool matched = std::any_of(own.begin(), own.end(),
                                       [&](const RuleMatch& m) { return m.rule_id == rule.id; });
      if (ex.should_flag && !matched) {
        failures.push_back(Error{ex.where, "rule " + rule.id,
                                 "example should match this rule but does not; verdict: " + v.explanation});
      } else if (!ex.should_flag && (matched || v.action != Action::kAllow)) {
        failures.push_back(Error{ex.where, "rule " + rule.id,
                                 std::string("example should pass but ") +
                                     (matched ? "this rule matched" : "the set flags it") + "; verdict: " + v.explanation});
      }
    }
  }
  return failures;
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kAllow: return "allow";
    case Action::kReview: return "review";
    case Action::kHide: return "hide";
  }
  return "allow";
}

const char* PriorityName(Priority p) {
  switch (p) {
    case Priority::kLow: return "low";
    case Priority::kNormal: return "normal";
    case Priority::kHigh: return "high";
    case Priority::kUrgent: return "urgent";
  }
  return "normal";
}

namespace {

// One match as the `screen` JSON shows it, live or shadow alike.
nlohmann::ordered_json MatchToJson(const RuleMatch& m) {
  nlohmann::ordered_json spans = nlohmann::ordered_json::array();
  for (const Span& s : m.spans) spans.push_back({s.first, s.second});
  nlohmann::ordered_json r;
  r["id"] = m.rule_id;
  r["category"] = m.category;
  r["spans"] = spans;
  if (m.reported) r["reported"] = true;
  return r;
}

}  // namespace

nlohmann::ordered_json VerdictToJson(const Verdict& v, const nlohmann::json& id) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!id.is_null()) j["id"] = id;
  j["action"] = ActionName(v.action);
  j["categories"] = v.categories;
  j["priority"] = PriorityName(v.priority);
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const RuleMatch& m : v.matches) rules.push_back(MatchToJson(m));
  j["rules"] = rules;
  if (!v.shadow_matches.empty()) {
    nlohmann::ordered_json shadow = nlohmann::ordered_json::array();
    for (const RuleMatch& m : v.shadow_matches) shadow.push_back(MatchToJson(m));
    j["shadow"] = shadow;
  }
  j["explanation"] = v.explanation;
  return j;
}

}  // namespace aasr::rules
