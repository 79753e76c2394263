// Contractions and run-together forms in terms: a term written "i am" also
// matches "i'm", "i’m", "i m", "im" and, before "a", "ima"; "you are" also
// matches "you're", "u r", "ur"; "do not" also "don't", "dont" (the table is
// in contractions.cc and rules/README.md).
//
// Done on the term, not on the comment: the comment's canonical text keeps
// every word where the person wrote it, so spans stay on the original text
// and no other rule sees a changed word ("ur" stays "ur" for a rule about
// "your"). Which form of a term was written does not matter either: "i'm a",
// "im a" and "i am a" in a rule are the same term.
//
//   ContractionPieces("i am a proud mom")
//     == {{"i am a", "i m a", "im a", "ima"}, {"proud mom"}}
//
// Pure and thread safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aasr::rules {

// A canonical term (CanonicalTerm) cut into consecutive pieces, each the
// list of canonical forms it may take in a comment, the term's own form
// first. A piece with one form is the term's words as written (no
// contraction in it). Words are separated by one space within a form; the
// pieces follow one another with a word break between them.
std::vector<std::vector<std::string>> ContractionPieces(std::string_view canonical_term);

}  // namespace aasr::rules
