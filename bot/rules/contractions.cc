#include "bot/rules/contractions.h"

#include <algorithm>

namespace aasr::rules {
namespace {

// Forms that mean the same, in canonical text (an apostrophe is a word break:
// "don't" is "don t"). Kept to these three: each further one widens shipped
// rules written with one form ("i've seen" would match "I have seen", which
// the community writes every day), so one is added only with its rule's
// examples checked.
struct Contraction {
  std::vector<std::string> forms;
  // Three single letters with the same separator are joined into one word
  // ("i m a" -> "ima", "u r a" -> "ura"), so before "a" this form appears too.
  std::string joined_with_a;
};

const std::vector<Contraction>& Table() {
  static const std::vector<Contraction> kTable = {
      {{"i am", "i m", "im"}, "ima"},
      {{"you are", "you re", "youre", "u r", "ur", "u are", "you r"}, "ura"},
      {{"do not", "don t", "dont"}, ""},
  };
  return kTable;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t sp = s.find(' ', pos);
    const size_t end = sp == std::string_view::npos ? s.size() : sp;
    if (end > pos) out.emplace_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& words, size_t b, size_t e) {
  std::string out;
  for (size_t k = b; k < e; ++k) {
    if (!out.empty()) out += ' ';
    out += words[k];
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> ContractionPieces(std::string_view canonical_term) {
  const std::vector<std::string> words = Words(canonical_term);
  std::vector<std::vector<std::string>> pieces;
  size_t plain_from = 0;  // words not yet in a piece
  auto flush_plain = [&](size_t upto) {
    if (upto > plain_from) pieces.push_back({Join(words, plain_from, upto)});
  };
  for (size_t i = 0; i < words.size();) {
    // The longest form of any contraction that starts at word i.
    const Contraction* hit = nullptr;
    size_t hit_len = 0;
    bool with_a = false;
    for (const Contraction& c : Table()) {
      for (const std::string& form : c.forms) {
        const std::vector<std::string> fw = Words(form);
        if (fw.size() <= hit_len || i + fw.size() > words.size()) continue;
        if (!std::equal(fw.begin(), fw.end(), words.begin() + i)) continue;
        hit = &c;
        hit_len = fw.size();
        with_a = false;
      }
      if (!c.joined_with_a.empty() && words[i] == c.joined_with_a && hit_len < 1) {
        hit = &c;
        hit_len = 1;
        with_a = true;  // the term wrote the joined form itself
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    flush_plain(i);
    if (!with_a && !hit->joined_with_a.empty() && i + hit_len < words.size() && words[i + hit_len] == "a") {
      ++hit_len;  // "i am a": the joined form stands for the article too
      with_a = true;
    }
    std::vector<std::string> forms;
    const std::string own = Join(words, i, i + hit_len);
    forms.push_back(own);
    for (const std::string& form : hit->forms) {
      const std::string f = with_a ? form + " a" : form;
      if (std::find(forms.begin(), forms.end(), f) == forms.end()) forms.push_back(f);
    }
    if (with_a && std::find(forms.begin(), forms.end(), hit->joined_with_a) == forms.end()) {
      forms.push_back(hit->joined_with_a);
    }
    pieces.push_back(std::move(forms));
    i += hit_len;
    plain_from = i;
  }
  flush_plain(words.size());
  return pieces;
}

}  // namespace aasr::rules
