// Reported speech: the parts of a comment that repeat someone else's words
// ("the aide said 'you are a …'", "she called my son a …") rather than aim
// them. A rule with a `reported:` key (rules/README.md) softens its match
// when every span of it lies inside such a range.
//
//   std::vector<Span> q = QuotedRanges(text);               // inside quotes
//   Views v = Normalize(text);
//   std::vector<Span> r = LeadInRanges(v.canonical, text, lead_ins, 6);
//   bool reported = AllInside(spans, q) || AllInside(spans, r) ...
//
// Both functions return byte ranges of the ORIGINAL text, sorted. They are
// pure and thread safe. Detection is deliberately simple and predictable, so
// organizers can reason about it from the README: it never flags anything by
// itself, it only lets a rule's match be treated more gently.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/rules/normalize.h"

namespace aasr::rules {

using ByteRange = std::pair<uint32_t, uint32_t>;  // [begin, end) of the original

// The insides of quotations: "…", “…”, „…“, «…», ‹…›, '…', ‘…’. A double
// quote pairs with the next double quote of its family. A single quote opens
// only at the start of a word (after a space, punctuation or the start) and
// closes only at the end of one, so apostrophes ("don't", "kids' toys",
// "don’t") never open a quotation. An unclosed quotation covers nothing.
std::vector<ByteRange> QuotedRanges(std::string_view original);

// A lead-in such as a reporting verb: canonical words, squeezed
// (SqueezeLetters), the last one possibly a prefix ("llam*").
struct LeadIn {
  std::vector<std::string> words;
  bool prefix_last = false;
};

// Parses a lead-in as an organizer wrote it ("called", "told*", "referred to");
// returns false when it has no letters or digits, or a '*' or '{' other than a
// trailing '*'.
bool ParseLeadIn(std::string_view term, LeadIn* out);
// The same, with every contracted form of it (contractions.h): "i am a
// proud" gives "i am a proud", "i m a proud", "im a proud", "ima proud".
bool ParseLeadInForms(std::string_view term, std::vector<LeadIn>* out);

// The built-in reporting verbs (English and Spanish), as terms; a rule set
// extends them with a list named `reporting_verbs`.
const std::vector<std::string>& DefaultReportingVerbs();

// The words after each lead-in: up to `within` words following its last
// word, never past a sentence end (".", "!", "?" or ";" followed by a space,
// or a line break; an ellipsis ".." or "…" does not end a sentence).
// `canonical` is Normalize(original).canonical.
std::vector<ByteRange> LeadInRanges(const MappedText& canonical, std::string_view original,
                                    const std::vector<LeadIn>& lead_ins, int within);

// How a rule finds reported speech (its `reported:` key).
struct ReportedOptions {
  bool quotes = true;            // the insides of quotations count
  int within = 6;                // words after a lead-in that count
  std::vector<LeadIn> lead_ins;  // default: the reporting verbs
};

// True when `spans` is not empty and each span lies wholly inside one range.
bool AllInside(const std::vector<ByteRange>& spans, const std::vector<ByteRange>& ranges);

}  // namespace aasr::rules
