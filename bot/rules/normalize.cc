#include "bot/rules/normalize.h"

#include <utf8proc.h>

#include <algorithm>

#include "bot/util/utf8.h"

namespace aasr::rules {
namespace {

// One decoded code point of a MappedText and the original range it covers.
struct CodePoint {
  char32_t cp;
  size_t pos;  // byte offset in the MappedText
  size_t len;
  uint32_t orig_begin;
  uint32_t orig_end;
};

// Decodes every code point of a MappedText whose text is valid UTF-8 (true
// after RemoveFormatCharacters).
std::vector<CodePoint> Decode(const MappedText& in) {
  std::vector<CodePoint> cps;
  cps.reserve(in.text.size());
  size_t pos = 0;
  while (pos < in.text.size()) {
    char32_t cp;
    size_t len;
    if (!utf8::Decode(in.text, pos, &cp, &len)) cp = ' ';  // defensive; not reached
    cps.push_back({cp, pos, len, in.begin[pos], in.end[pos + len - 1]});
    pos += len;
  }
  return cps;
}

class Builder {
 public:
  explicit Builder(size_t reserve) {
    out_.text.reserve(reserve);
    out_.begin.reserve(reserve);
    out_.end.reserve(reserve);
  }
  void Add(char32_t cp, uint32_t ob, uint32_t oe) {
    const size_t before = out_.text.size();
    utf8::Append(cp, &out_.text);
    out_.begin.resize(out_.text.size(), ob);
    out_.end.resize(out_.text.size(), oe);
    last_cp_start_ = before;
  }
  // Widens the original range of the last added code point to reach oe.
  void ExtendLast(uint32_t oe) {
    for (size_t i = last_cp_start_; i < out_.text.size(); ++i) out_.end[i] = oe;
  }
  MappedText Take() { return std::move(out_); }

 private:
  MappedText out_;
  size_t last_cp_start_ = 0;
};

utf8proc_category_t Category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

bool IsLetter(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  const auto c = Category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

bool IsDigit(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  const auto c = Category(cp);
  return c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO;
}

bool IsMark(char32_t cp) {
  if (cp < 0x80) return false;
  const auto c = Category(cp);
  return c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME;
}

bool IsWordChar(char32_t cp) { return IsLetter(cp) || IsDigit(cp) || IsMark(cp); }

bool IsCombining(char32_t cp) {
  return cp >= 0x300 && utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class != 0;
}

// Groups a code point with the combining marks that follow it, so that
// composition sees "e" + U+0301 together. Calls fn(first, last_exclusive).
template <typename Fn>
void ForEachCluster(const std::vector<CodePoint>& cps, Fn fn) {
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i + 1;
    while (j < cps.size() && IsCombining(cps[j].cp)) ++j;
    fn(i, j);
    i = j;
  }
}

// Maps a cluster through utf8proc with the given decomposition options, drops
// code points `drop` selects, recomposes, and appends the result mapped to the
// cluster's original range.
template <typename Drop>
void MapCluster(const std::vector<CodePoint>& cps, size_t first, size_t last, int options,
                Drop drop, Builder* out) {
  utf8proc_int32_t buf[64];
  utf8proc_ssize_t n = 0;
  for (size_t k = first; k < last; ++k) {
    int boundclass = 0;
    utf8proc_ssize_t got = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(cps[k].cp), buf + n, 64 - n,
        static_cast<utf8proc_option_t>(options), &boundclass);
    if (got < 0 || n + got > 64) {  // absurdly long cluster: keep it as is
      for (size_t m = first; m < last; ++m) out->Add(cps[m].cp, cps[m].orig_begin, cps[m].orig_end);
      return;
    }
    n += got;
  }
  utf8proc_ssize_t kept = 0;
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    if (!drop(static_cast<char32_t>(buf[k]))) buf[kept++] = buf[k];
  }
  kept = utf8proc_normalize_utf32(buf, kept, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  const uint32_t ob = cps[first].orig_begin;
  const uint32_t oe = cps[last - 1].orig_end;
  for (utf8proc_ssize_t k = 0; k < kept; ++k) out->Add(static_cast<char32_t>(buf[k]), ob, oe);
}

bool IsInvisibleFormat(char32_t cp) {
  if (cp < 0x80) return false;
  if (cp == 0x034F) return true;                                 // combining grapheme joiner
  if (cp >= 0xFE00 && cp <= 0xFE0F) return true;                 // variation selectors
  if (cp >= 0xE0100 && cp <= 0xE01EF) return true;               // variation selectors supplement
  if (cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0) return true;  // Hangul fillers
  return Category(cp) == UTF8PROC_CATEGORY_CF;  // ZWSP, ZWJ, soft hyphen, bidi controls, ...
}

// Latin look-alikes among Cyrillic, Greek and Armenian lowercase letters (the
// text is case folded before this step, so capitals have become these).
// Strong ones look Latin in lowercase too; weak ones only as capitals (Н, В),
// so they are folded only inside a word that also has Latin letters.
struct LookAlike {
  char32_t latin = 0;
  bool strong = false;
};

LookAlike LatinLookAlike(char32_t cp) {
  switch (cp) {
    // Cyrillic, strong
    case 0x0430: return {'a', true};  case 0x0441: return {'c', true};  case 0x0501: return {'d', true};
    case 0x0435: return {'e', true};  case 0x04BB: return {'h', true};  case 0x0456: return {'i', true};
    case 0x0458: return {'j', true};  case 0x04CF: return {'l', true};  case 0x043E: return {'o', true};
    case 0x0440: return {'p', true};  case 0x051B: return {'q', true};  case 0x0455: return {'s', true};
    case 0x0443: return {'y', true};  case 0x051D: return {'w', true};  case 0x0445: return {'x', true};
    case 0x0451: return {'e', true};  case 0x0457: return {'i', true};
    // Cyrillic, weak
    case 0x0432: return {'b', false}; case 0x044C: return {'b', false}; case 0x043D: return {'h', false};
    case 0x043A: return {'k', false}; case 0x043C: return {'m', false}; case 0x0433: return {'r', false};
    case 0x0442: return {'t', false}; case 0x045E: return {'y', false}; case 0x043F: return {'n', false};
    case 0x0438: return {'u', false};
    // Greek
    case 0x03BF: return {'o', true};  case 0x03C1: return {'p', true};  case 0x03B1: return {'a', false};
    case 0x03B2: return {'b', false}; case 0x03B5: return {'e', false}; case 0x03B7: return {'n', false};
    case 0x03B9: return {'i', false}; case 0x03BA: return {'k', false}; case 0x03BD: return {'v', false};
    case 0x03C4: return {'t', false}; case 0x03C5: return {'u', false}; case 0x03C7: return {'x', false};
    case 0x03B3: return {'y', false}; case 0x03C9: return {'w', false}; case 0x03C2: return {'s', false};
    case 0x03BC: return {'u', false};
    // Armenian
    case 0x0585: return {'o', true};  case 0x0578: return {'n', true};  case 0x057D: return {'u', true};
    case 0x0570: return {'h', true};  case 0x0584: return {'p', true};
    // Latin letters that read as ASCII ones
    case 0x0131: return {'i', true};  case 0x0261: return {'g', true};  case 0x0251: return {'a', true};
    default: return {};
  }
}

bool IsLatinLetter(char32_t cp) {
  return (cp < 0x80 && IsLetter(cp)) || (cp >= 0xC0 && cp < 0x250 && IsLetter(cp) && cp != 0xD7 && cp != 0xF7);
}

char32_t LeetLetter(char32_t cp) {
  switch (cp) {
    case '4': return 'a';
    case '3': return 'e';
    case '1': return 'i';
    case '0': return 'o';
    case '5': return 's';
    case '7': return 't';
    default: return 0;
  }
}

bool IsLeetSymbol(char32_t cp) { return cp == '@' || cp == '!' || cp == '$'; }

}  // namespace

MappedText MappedText::Identity(std::string_view original) {
  MappedText t;
  t.text.assign(original.data(), original.size());
  t.begin.resize(original.size());
  t.end.resize(original.size());
  // Each byte of a multi-byte character maps to the whole character.
  size_t pos = 0;
  while (pos < original.size()) {
    char32_t cp;
    size_t len;
    utf8::Decode(original, pos, &cp, &len);  // invalid: len 1, mapped alone
    for (size_t k = 0; k < len; ++k) {
      t.begin[pos + k] = static_cast<uint32_t>(pos);
      t.end[pos + k] = static_cast<uint32_t>(pos + len);
    }
    pos += len;
  }
  return t;
}

MappedText RemoveFormatCharacters(const MappedText& in) {
  Builder out(in.text.size());
  size_t pos = 0;
  while (pos < in.text.size()) {
    char32_t cp;
    size_t len;
    const bool valid = utf8::Decode(in.text, pos, &cp, &len);
    const uint32_t ob = in.begin[pos];
    const uint32_t oe = in.end[pos + len - 1];
    if (!valid) {
      out.Add(' ', ob, oe);
    } else if (!IsInvisibleFormat(cp)) {
      out.Add(cp, ob, oe);
    }
    pos += len;
  }
  return out.Take();
}

MappedText FoldCompatibilityAndCase(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  Builder out(in.text.size());
  ForEachCluster(cps, [&](size_t first, size_t last) {
    if (last == first + 1 && cps[first].cp < 0x80) {
      const char32_t c = cps[first].cp;
      out.Add(c >= 'A' && c <= 'Z' ? c + 32 : c, cps[first].orig_begin, cps[first].orig_end);
      return;
    }
    MapCluster(cps, first, last, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD,
               [](char32_t) { return false; }, &out);
  });
  return out.Take();
}

MappedText StripDiacritics(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  Builder out(in.text.size());
  ForEachCluster(cps, [&](size_t first, size_t last) {
    if (last == first + 1 && cps[first].cp < 0x80) {
      out.Add(cps[first].cp, cps[first].orig_begin, cps[first].orig_end);
      return;
    }
    MapCluster(cps, first, last, UTF8PROC_DECOMPOSE,
               [](char32_t cp) { return Category(cp) == UTF8PROC_CATEGORY_MN; }, &out);
  });
  return out.Take();
}

MappedText FoldHomoglyphs(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  Builder out(in.text.size());
  size_t i = 0;
  while (i < cps.size()) {
    if (!IsLetter(cps[i].cp)) {
      out.Add(cps[i].cp, cps[i].orig_begin, cps[i].orig_end);
      ++i;
      continue;
    }
    size_t j = i;
    size_t letters = 0, lookalikes = 0, strong = 0;
    bool latin = false;
    while (j < cps.size() && (IsLetter(cps[j].cp) || IsMark(cps[j].cp))) {
      if (IsLetter(cps[j].cp)) {
        ++letters;
        const LookAlike l = LatinLookAlike(cps[j].cp);
        if (IsLatinLetter(cps[j].cp)) {
          latin = true;
        } else if (l.latin) {
          ++lookalikes;
          if (l.strong) ++strong;
        }
      }
      ++j;
    }
    // Mixed-script words are disguises; so is a word made only of letters that
    // look Latin even in lowercase. A Russian or Greek word nearly always has a
    // letter with no strong Latin twin, so it is left alone.
    const bool fold = lookalikes > 0 && (latin || strong == letters);
    for (size_t k = i; k < j; ++k) {
      const char32_t latin_cp = fold && !IsLatinLetter(cps[k].cp) ? LatinLookAlike(cps[k].cp).latin : 0;
      out.Add(latin_cp ? latin_cp : cps[k].cp, cps[k].orig_begin, cps[k].orig_end);
    }
    i = j;
  }
  return out.Take();
}

MappedText DecodeLeetspeak(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  Builder out(in.text.size());
  size_t i = 0;
  while (i < cps.size()) {
    const char32_t c = cps[i].cp;
    if (!(IsWordChar(c) || IsLeetSymbol(c))) {
      out.Add(c, cps[i].orig_begin, cps[i].orig_end);
      ++i;
      continue;
    }
    size_t j = i;
    bool has_letter = false;
    while (j < cps.size() && (IsWordChar(cps[j].cp) || IsLeetSymbol(cps[j].cp))) {
      has_letter = has_letter || IsLetter(cps[j].cp);
      ++j;
    }
    // Trailing '!' are punctuation, not letters.
    size_t body_end = j;
    while (body_end > i && cps[body_end - 1].cp == '!') --body_end;
    for (size_t k = i; k < j; ++k) {
      char32_t cp = cps[k].cp;
      if (has_letter && k < body_end) {
        if (cp == '$') cp = 's';
        else if (cp == '!') cp = 'i';
        else if (cp == '@' && k > i) cp = 'a';  // a leading @ is a mention
        else if (char32_t l = LeetLetter(cp)) cp = l;
      }
      out.Add(cp, cps[k].orig_begin, cps[k].orig_end);
    }
    i = j;
  }
  return out.Take();
}

MappedText CollapseSeparators(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  struct Word {
    size_t first, last;  // code point indexes [first, last)
  };
  std::vector<Word> words;
  for (size_t i = 0; i < cps.size();) {
    if (!IsWordChar(cps[i].cp)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && IsWordChar(cps[j].cp)) ++j;
    words.push_back({i, j});
    i = j;
  }
  auto single_letter = [&](const Word& w) { return w.last == w.first + 1 && IsLetter(cps[w.first].cp); };
  // The separator text between word k-1 and word k.
  auto separator = [&](size_t k) {
    return std::string_view(in.text).substr(cps[words[k - 1].last].pos,
                                            cps[words[k].first].pos - cps[words[k - 1].last].pos);
  };
  // joined[k]: word k is glued to word k-1. A run of >= 3 single letters with
  // the same separator throughout is one disguised word: "i.d.i.o.t f u c k"
  // is "idiot fuck", not "idiotfuck".
  std::vector<bool> joined(words.size(), false);
  for (size_t k = 0; k < words.size();) {
    size_t m = k;
    while (m < words.size() && single_letter(words[m]) &&
           (m < k + 2 || separator(m) == separator(k + 1))) {
      ++m;
    }
    if (m - k >= 3) {
      for (size_t q = k + 1; q < m; ++q) joined[q] = true;
    }
    k = (m == k) ? k + 1 : m;
  }

  Builder out(in.text.size() + 2);
  const uint32_t total_begin = cps.empty() ? 0 : cps.front().orig_begin;
  const uint32_t total_end = cps.empty() ? 0 : cps.back().orig_end;
  // A separator space maps to the separators it replaces (or to an empty range).
  auto add_space = [&](size_t from_cp, size_t to_cp, uint32_t empty_at) {
    if (from_cp < to_cp) out.Add(' ', cps[from_cp].orig_begin, cps[to_cp - 1].orig_end);
    else out.Add(' ', empty_at, empty_at);
  };
  add_space(0, words.empty() ? cps.size() : words[0].first, total_begin);
  for (size_t k = 0; k < words.size(); ++k) {
    if (k > 0 && !joined[k]) add_space(words[k - 1].last, words[k].first, cps[words[k].first].orig_begin);
    for (size_t q = words[k].first; q < words[k].last; ++q) out.Add(cps[q].cp, cps[q].orig_begin, cps[q].orig_end);
  }
  if (!words.empty()) add_space(words.back().last, cps.size(), total_end);
  return out.Take();
}

MappedText SqueezeRepeats(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  Builder out(in.text.size());
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i > 0 && cps[i].cp == cps[i - 1].cp && IsLetter(cps[i].cp)) {
      out.ExtendLast(cps[i].orig_end);
      continue;
    }
    out.Add(cps[i].cp, cps[i].orig_begin, cps[i].orig_end);
  }
  return out.Take();
}

Views Normalize(std::string_view original) {
  Views v;
  v.literal = FoldCompatibilityAndCase(RemoveFormatCharacters(MappedText::Identity(original)));
  v.canonical = SqueezeRepeats(CollapseSeparators(
      DecodeLeetspeak(FoldHomoglyphs(StripDiacritics(v.literal)))));
  return v;
}

std::string CanonicalTerm(std::string_view term) {
  std::string t = Normalize(term).canonical.text;
  const size_t b = t.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  const size_t e = t.find_last_not_of(' ');
  return t.substr(b, e - b + 1);
}

}  // namespace aasr::rules
