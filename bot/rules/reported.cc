#include "bot/rules/reported.h"

#include <algorithm>

#include "bot/rules/contractions.h"
#include "bot/util/utf8.h"

namespace aasr::rules {
namespace {

struct Char {
  char32_t cp;
  uint32_t begin, end;
};

std::vector<Char> Chars(std::string_view text) {
  std::vector<Char> out;
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = static_cast<unsigned char>(text[pos]);
    size_t len = 1;
    if (cp >= 0x80 && !utf8::Decode(text, pos, &cp, &len)) {
      cp = 0xFFFD;
      len = 1;
    }
    out.push_back({cp, static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + len)});
    pos += len;
  }
  return out;
}

// Part of a word: ASCII letters and digits, and every non-ASCII code point
// that is not a quote or space (accented and non-Latin letters, emoji).
bool WordChar(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  switch (c) {
    case 0x2018: case 0x2019: case 0x201C: case 0x201D: case 0x201E: case 0xAB: case 0xBB:
    case 0x2039: case 0x203A: case 0xA0: case 0x2026: case 0x2014: case 0x2013:
      return false;
    default:
      return true;
  }
}

bool SingleQuote(char32_t c) { return c == '\'' || c == 0x2018 || c == 0x2019; }

// Pairs of one family: `opens(i)` / `closes(i)` decide at character i.
template <typename Opens, typename Closes>
void Pair(const std::vector<Char>& chars, Opens opens, Closes closes, std::vector<ByteRange>* out) {
  bool open = false;
  uint32_t start = 0;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (open && closes(i)) {
      if (chars[i].begin > start) out->push_back({start, chars[i].begin});
      open = false;
    } else if (!open && opens(i)) {
      open = true;
      start = chars[i].end;
    }
  }
}

}  // namespace

std::vector<ByteRange> QuotedRanges(std::string_view original) {
  const std::vector<Char> c = Chars(original);
  std::vector<ByteRange> out;
  auto is = [&](size_t i, std::initializer_list<char32_t> set) {
    return std::find(set.begin(), set.end(), c[i].cp) != set.end();
  };
  // Double quotes: straight ones pair with each other; curly and low ones
  // among themselves (people mix “…“ and „…“ and ”…”).
  Pair(c, [&](size_t i) { return c[i].cp == '"'; }, [&](size_t i) { return c[i].cp == '"'; }, &out);
  Pair(c, [&](size_t i) { return is(i, {0x201C, 0x201D, 0x201E}); },
       [&](size_t i) { return is(i, {0x201C, 0x201D, 0x201E}); }, &out);
  Pair(c, [&](size_t i) { return c[i].cp == 0xAB; }, [&](size_t i) { return c[i].cp == 0xBB; }, &out);
  Pair(c, [&](size_t i) { return c[i].cp == 0x2039; }, [&](size_t i) { return c[i].cp == 0x203A; }, &out);
  // Single quotes: open at a word's start, close at a word's end, so that
  // apostrophes inside or after a word never open one.
  auto word_before = [&](size_t i) { return i > 0 && WordChar(c[i - 1].cp); };
  auto word_after = [&](size_t i) { return i + 1 < c.size() && WordChar(c[i + 1].cp); };
  auto space_before = [&](size_t i) {
    return i == 0 || c[i - 1].cp == ' ' || c[i - 1].cp == '\n' || c[i - 1].cp == '\t';
  };
  Pair(c, [&](size_t i) { return SingleQuote(c[i].cp) && !word_before(i) && word_after(i); },
       [&](size_t i) { return (c[i].cp == '\'' || c[i].cp == 0x2019) && !space_before(i) && !word_after(i); },
       &out);
  std::sort(out.begin(), out.end());
  return out;
}

static bool ParseLeadInImpl(std::string_view term, LeadIn* out, std::vector<LeadIn>* forms) {
  std::string text(term);
  bool prefix = false;
  if (text.size() > 1 && text.back() == '*') {
    prefix = true;
    text.pop_back();
  }
  if (text.find_first_of("*{}") != std::string::npos) return false;
  // Word by word: normalizing "i m a proud" whole would join the single
  // letters into "ima", while a comment's "I'm a proud" keeps them apart.
  LeadIn lead;
  lead.prefix_last = prefix;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t sp = text.find_first_of(" \t", pos);
    if (sp == std::string::npos) sp = text.size();
    const std::string canon = CanonicalTerm(text.substr(pos, sp - pos));
    size_t w = 0;
    while (w < canon.size()) {
      size_t end = canon.find(' ', w);
      if (end == std::string::npos) end = canon.size();
      lead.words.push_back(canon.substr(w, end - w));
      w = end + 1;
    }
    pos = sp + 1;
  }
  if (lead.words.empty()) return false;
  if (forms != nullptr) {
    // Every contracted form ("i am a proud": "i m a proud", "im a proud",
    // "ima proud"), as terms match them (contractions.h).
    std::string joined;
    for (const std::string& w : lead.words) joined += (joined.empty() ? "" : " ") + w;
    std::vector<std::string> variants = {""};
    for (const std::vector<std::string>& piece : ContractionPieces(joined)) {
      std::vector<std::string> next;
      for (const std::string& v : variants)
        for (const std::string& f : piece) next.push_back(v.empty() ? f : v + " " + f);
      variants = std::move(next);
    }
    for (const std::string& v : variants) {
      LeadIn form;
      form.prefix_last = prefix;
      size_t w = 0;
      while (w < v.size()) {
        size_t end = v.find(' ', w);
        if (end == std::string::npos) end = v.size();
        form.words.push_back(SqueezeLetters(v.substr(w, end - w)));
        w = end + 1;
      }
      forms->push_back(std::move(form));
    }
  }
  for (std::string& w : lead.words) w = SqueezeLetters(w);
  *out = std::move(lead);
  return true;
}

bool ParseLeadIn(std::string_view term, LeadIn* out) { return ParseLeadInImpl(term, out, nullptr); }

bool ParseLeadInForms(std::string_view term, std::vector<LeadIn>* out) {
  LeadIn lead;
  return ParseLeadInImpl(term, &lead, out);
}

const std::vector<std::string>& DefaultReportingVerbs() {
  // Past and present forms people use to retell what someone said or wrote.
  // Not "say"/"tell" in the present first person ("I say you are …" is aimed).
  static const std::vector<std::string> kVerbs = {
      // English
      "said", "says", "called", "calls", "calling", "told", "tells", "wrote", "writes", "posted",
      "shouted", "yelled", "screamed", "whispered", "muttered", "texted", "messaged", "commented",
      "replied", "answered", "asked", "referred to", "labeled", "labelled", "named", "nicknamed",
      "quoted", "repeated", "claimed", "accused", "heard", "saying",
      // Spanish
      "dijo", "dijeron", "dice", "dicen", "decia", "decian", "llamo", "llamaron", "llama", "llaman",
      "llamaba", "llamaban", "grito", "gritaron", "escribio", "escribieron", "conto", "insulto",
      "le dijo", "me dijo", "nos dijo", "trato de"};
  return kVerbs;
}

std::vector<ByteRange> LeadInRanges(const MappedText& canonical, std::string_view original,
                                    const std::vector<LeadIn>& lead_ins, int within) {
  std::vector<ByteRange> out;
  if (lead_ins.empty() || within <= 0) return out;
  struct Word {
    size_t b, e;
    std::string squeezed;
  };
  std::vector<Word> words;
  const std::string& t = canonical.text;
  size_t pos = 0;
  while (pos < t.size()) {
    while (pos < t.size() && t[pos] == ' ') ++pos;
    if (pos >= t.size()) break;
    size_t e = t.find(' ', pos);
    if (e == std::string::npos) e = t.size();
    words.push_back({pos, e, SqueezeLetters(std::string_view(t).substr(pos, e - pos))});
    pos = e;
  }
  // A sentence ends between two words when the original text between them
  // has ".", "!", "?" or ";" followed by a space, or a line break.
  auto sentence_end_between = [&](size_t a, size_t b) {
    const uint32_t from = canonical.ToOriginal(words[a].b, words[a].e).second;
    const uint32_t to = canonical.ToOriginal(words[b].b, words[b].e).first;
    for (uint32_t i = from; i < to && i < original.size(); ++i) {
      const char ch = original[i];
      if (ch == '\n') return true;
      if (ch == '!' || ch == '?' || ch == ';') return true;
      if (ch == '.') {
        const bool dots = (i + 1 < original.size() && original[i + 1] == '.') || (i > from && original[i - 1] == '.');
        if (!dots) return true;
      }
    }
    return false;
  };
  for (size_t i = 0; i < words.size(); ++i) {
    for (const LeadIn& lead : lead_ins) {
      const size_t k = lead.words.size();
      if (k == 0 || i + k > words.size()) continue;
      bool match = true;
      for (size_t w = 0; w < k && match; ++w) {
        const std::string& have = words[i + w].squeezed;
        const std::string& want = lead.words[w];
        match = (w + 1 == k && lead.prefix_last) ? have.compare(0, want.size(), want) == 0 : have == want;
        if (match && w > 0) match = !sentence_end_between(i + w - 1, i + w);
      }
      if (!match) continue;
      const size_t first = i + k;
      size_t last = first;  // one past the last word covered
      while (last < words.size() && static_cast<int>(last - first) < within &&
             !sentence_end_between(last - 1, last)) {
        ++last;
      }
      if (last > first) {
        out.push_back({canonical.ToOriginal(words[first].b, words[first].e).first,
                       canonical.ToOriginal(words[last - 1].b, words[last - 1].e).second});
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool AllInside(const std::vector<ByteRange>& spans, const std::vector<ByteRange>& ranges) {
  if (spans.empty()) return false;
  return std::all_of(spans.begin(), spans.end(), [&](const ByteRange& s) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [&](const ByteRange& r) { return r.first <= s.first && s.second <= r.second; });
  });
}

}  // namespace aasr::rules
