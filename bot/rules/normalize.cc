#include "bot/rules/normalize.h"

#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstring>

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
    utf8::Append(cp, &out_.text);
    out_.begin.resize(out_.text.size(), ob);
    out_.end.resize(out_.text.size(), oe);
  }
  MappedText Take() { return std::move(out_); }

 private:
  MappedText out_;
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

// Maps a cluster (code points first..last of `at`) through utf8proc with the
// given decomposition options, drops code points `drop` selects, recomposes,
// and calls add(cp, orig_begin, orig_end) with the cluster's original range.
template <typename At, typename Drop, typename Add>
void MapCluster(At at, size_t first, size_t last, int options, Drop drop, Add add) {
  utf8proc_int32_t buf[64];
  utf8proc_ssize_t n = 0;
  for (size_t k = first; k < last; ++k) {
    int boundclass = 0;
    utf8proc_ssize_t got = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(at(k).cp), buf + n, 64 - n,
        static_cast<utf8proc_option_t>(options), &boundclass);
    if (got < 0 || n + got > 64) {  // absurdly long cluster: keep it as is
      for (size_t m = first; m < last; ++m) add(at(m).cp, at(m).orig_begin, at(m).orig_end);
      return;
    }
    n += got;
  }
  utf8proc_ssize_t kept = 0;
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    if (!drop(static_cast<char32_t>(buf[k]))) buf[kept++] = buf[k];
  }
  kept = utf8proc_normalize_utf32(buf, kept, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  const uint32_t ob = at(first).orig_begin;
  const uint32_t oe = at(last - 1).orig_end;
  for (utf8proc_ssize_t k = 0; k < kept; ++k) add(static_cast<char32_t>(buf[k]), ob, oe);
}

constexpr int kFoldOptions = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD;
constexpr int kStripOptions = UTF8PROC_DECOMPOSE;
bool NeverDrop(char32_t) { return false; }
bool IsNonspacingMark(char32_t cp) { return cp >= 0x300 && Category(cp) == UTF8PROC_CATEGORY_MN; }

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

// The separator of a contraction: "I'm", "I’ll".
inline bool IsApostrophe(std::string_view separator) {
  return separator == "'" || separator == "\u2019";
}

// Step 4's decision for a run [first, last) of letters and marks: fold its
// look-alikes to Latin? Mixed-script words are disguises; so is a word made
// only of letters that look Latin even in lowercase. A Russian or Greek word
// nearly always has a letter with no strong Latin twin, so it is left alone.
template <typename CpAt>
bool IsDisguisedRun(CpAt cp_at, size_t first, size_t last) {
  size_t letters = 0, lookalikes = 0, strong = 0;
  bool latin = false;
  for (size_t k = first; k < last; ++k) {
    const char32_t cp = cp_at(k);
    if (!IsLetter(cp)) continue;
    ++letters;
    const LookAlike l = LatinLookAlike(cp);
    if (IsLatinLetter(cp)) latin = true;
    if (l.latin) {  // dotless i is both Latin and a look-alike
      ++lookalikes;
      if (l.strong) ++strong;
    }
  }
  return lookalikes > 0 && (latin || strong == letters);
}

// Step 5 for the code point at k of a token [begin, end) whose trailing '!'
// start at body_end: its letter if it is leetspeak, else itself.
inline char32_t DecodeLeetAt(char32_t cp, size_t k, size_t begin, size_t body_end, bool has_letter) {
  if (!has_letter || k >= body_end) return cp;
  if (cp == '$') return 's';
  if (cp == '!') return 'i';
  if (cp == '@') return k > begin ? 'a' : cp;  // a leading @ is a mention
  if (const char32_t l = LeetLetter(cp)) return l;
  return cp;
}

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
    MapCluster([&](size_t k) -> const CodePoint& { return cps[k]; }, first, last, kFoldOptions, NeverDrop,
               [&](char32_t cp, uint32_t b, uint32_t e) { out.Add(cp, b, e); });
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
    MapCluster([&](size_t k) -> const CodePoint& { return cps[k]; }, first, last, kStripOptions, IsNonspacingMark,
               [&](char32_t cp, uint32_t b, uint32_t e) { out.Add(cp, b, e); });
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
    while (j < cps.size() && (IsLetter(cps[j].cp) || IsMark(cps[j].cp))) ++j;
    const bool fold = IsDisguisedRun([&](size_t k) { return cps[k].cp; }, i, j);
    for (size_t k = i; k < j; ++k) {
      const char32_t latin_cp = fold ? LatinLookAlike(cps[k].cp).latin : 0;
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
      out.Add(DecodeLeetAt(cps[k].cp, k, i, body_end, has_letter), cps[k].orig_begin, cps[k].orig_end);
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
  // The separator text between word k-1 and word k.
  auto separator = [&](size_t k) {
    return std::string_view(in.text).substr(cps[words[k - 1].last].pos,
                                            cps[words[k].first].pos - cps[words[k - 1].last].pos);
  };
  // A one-letter word that may join a spelled-out run; not the start of a
  // contraction ("K Y S I'm done" is "kys i m done").
  auto single_letter = [&](size_t k) {
    const Word& w = words[k];
    if (!(w.last == w.first + 1 && IsLetter(cps[w.first].cp))) return false;
    return k + 1 >= words.size() || !IsApostrophe(separator(k + 1));
  };
  // joined[k]: word k is glued to word k-1. A run of >= 3 single letters with
  // the same separator throughout is one disguised word: "i.d.i.o.t f u c k"
  // is "idiot fuck", not "idiotfuck".
  std::vector<bool> joined(words.size(), false);
  for (size_t k = 0; k < words.size();) {
    size_t m = k;
    while (m < words.size() && single_letter(m) &&
           (m < k + 2 || separator(m) == separator(k + 1))) {
      ++m;
    }
    if (m - k >= 3) {
      for (size_t q = k + 1; q < m; ++q) joined[q] = true;
    }
    // A pair cut short by a different separator ("a r-e-t-a-r-d"): its second
    // letter may start the next run.
    if (m - k == 2 && m < words.size() && single_letter(m)) k = m - 1;
    else k = (m == k) ? k + 1 : m;
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

Views NormalizeStepwise(std::string_view original) {
  Views v;
  v.literal = FoldCompatibilityAndCase(RemoveFormatCharacters(MappedText::Identity(original)));
  v.canonical = CollapseSeparators(DecodeLeetspeak(FoldHomoglyphs(StripDiacritics(v.literal))));
  return v;
}

namespace {

inline bool AsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool AsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// Byte classes for the fused pass, so the hot loops do one table load per
// byte instead of a chain of comparisons.
enum : uint8_t { kAlpha = 1, kDigit = 2, kLeetSymbol = 4, kNonAscii = 8 };
struct ByteTables {
  uint8_t cls[256] = {};
  ByteTables() {
    for (int c = 0; c < 256; ++c) {
      if (c >= 0x80) cls[c] = kNonAscii;
      else if (AsciiAlpha(static_cast<unsigned char>(c))) cls[c] = kAlpha;
      else if (AsciiDigit(static_cast<unsigned char>(c))) cls[c] = kDigit;
      else if (c == '@' || c == '!' || c == '$') cls[c] = kLeetSymbol;
    }
  }
};
const ByteTables kBytes;

// Input adapters for the fused steps 5-7: bytes (already case folded) and
// the original range of each byte.
struct AsciiInput {  // a pure-ASCII comment: steps 1-4 are only lowercasing
  std::string_view s;
  size_t size() const { return s.size(); }
  unsigned char byte(size_t i) const {
    const auto c = static_cast<unsigned char>(s[i]);
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }
  uint32_t begin(size_t i) const { return static_cast<uint32_t>(i); }
  uint32_t end(size_t i) const { return static_cast<uint32_t>(i + 1); }
};

struct MappedInput {  // the output of steps 1-4
  const MappedText& t;
  size_t size() const { return t.text.size(); }
  unsigned char byte(size_t i) const { return static_cast<unsigned char>(t.text[i]); }
  uint32_t begin(size_t i) const { return t.begin[i]; }
  uint32_t end(size_t i) const { return t.end[i]; }
};

// Decodes the code point at i of an input (valid UTF-8 after step 1).
template <typename In>
char32_t CodePointAt(const In& in, size_t i, size_t* len) {
  const unsigned char b = in.byte(i);
  if (b < 0x80) {
    *len = 1;
    return b;
  }
  char tmp[4];
  const size_t avail = std::min<size_t>(4, in.size() - i);
  for (size_t k = 0; k < avail; ++k) tmp[k] = static_cast<char>(in.byte(i + k));
  char32_t cp;
  if (!utf8::Decode(std::string_view(tmp, avail), 0, &cp, len)) cp = ' ';
  return cp;
}

// Steps 5 and 6 fused: one scan for tokens and words (leetspeak decoded
// into a scratch copy), one for joining spaced-out letters, one to emit. Byte
// offsets never shift before emission because every leet substitution
// replaces one ASCII byte by another.
template <typename In>
MappedText CollapseFused(const In& in) {
  const size_t n = in.size();
  thread_local std::string dec;
  dec.resize(n);
  for (size_t i = 0; i < n; ++i) dec[i] = static_cast<char>(in.byte(i));
  struct Word {
    uint32_t b, e;  // byte range
  };
  thread_local std::vector<Word> words;
  words.clear();
  auto ascii_token = [](unsigned char c) { return (kBytes.cls[c] & (kAlpha | kDigit | kLeetSymbol)) != 0; };
  size_t i = 0;
  while (i < n) {
    size_t len = 1;
    const auto c0 = static_cast<unsigned char>(dec[i]);
    if (c0 < 0x80 ? !ascii_token(c0) : !IsWordChar(CodePointAt(in, i, &len))) {
      i += len;
      continue;
    }
    size_t j = i;
    bool has_letter = false;
    while (j < n) {
      const auto c = static_cast<unsigned char>(dec[j]);
      if (c < 0x80) {
        if (!ascii_token(c)) break;
        has_letter = has_letter || (kBytes.cls[c] & kAlpha);
        ++j;
      } else {
        const char32_t cp = CodePointAt(in, j, &len);
        if (!IsWordChar(cp)) break;
        has_letter = has_letter || IsLetter(cp);
        j += len;
      }
    }
    size_t body_end = j;
    while (body_end > i && dec[body_end - 1] == '!') --body_end;
    for (size_t k = i; k < body_end; ++k) {
      if (static_cast<unsigned char>(dec[k]) < 0x80) {
        dec[k] = static_cast<char>(DecodeLeetAt(static_cast<unsigned char>(dec[k]), k, i, body_end, has_letter));
      }
    }
    // Word-character runs of the decoded token are the words.
    size_t k = i;
    while (k < j) {
      const auto c = static_cast<unsigned char>(dec[k]);
      if (!(kBytes.cls[c] & (kAlpha | kDigit | kNonAscii))) {
        ++k;
        continue;
      }
      size_t m = k;
      while (m < j) {
        const auto d = static_cast<unsigned char>(dec[m]);
        if (d < 0x80) {
          if (!(kBytes.cls[d] & (kAlpha | kDigit))) break;
          ++m;
        } else {
          CodePointAt(in, m, &len);  // inside a token every non-ASCII code point is a word character
          m += len;
        }
      }
      words.push_back({static_cast<uint32_t>(k), static_cast<uint32_t>(m)});
      k = m;
    }
    i = j;
  }

  // Step 6: runs of >= 3 single letters with the same separator are joined.
  auto separator = [&](size_t k) {
    return std::string_view(dec).substr(words[k - 1].e, words[k].b - words[k - 1].e);
  };
  auto single_letter = [&](size_t k) {
    const Word& w = words[k];
    const auto c = static_cast<unsigned char>(dec[w.b]);
    bool single;
    if (c < 0x80) {
      single = w.e == w.b + 1 && AsciiAlpha(c);
    } else {
      size_t len;
      const char32_t cp = CodePointAt(in, w.b, &len);
      single = w.e == w.b + len && IsLetter(cp);
    }
    return single && (k + 1 >= words.size() || !IsApostrophe(separator(k + 1)));
  };
  thread_local std::vector<char> joined;
  joined.assign(words.size(), 0);
  for (size_t k = 0; k < words.size();) {
    size_t m = k;
    while (m < words.size() && single_letter(m) && (m < k + 2 || separator(m) == separator(k + 1))) ++m;
    if (m - k >= 3) {
      for (size_t q = k + 1; q < m; ++q) joined[q] = 1;
    }
    // A pair cut short by a different separator ("a r-e-t-a-r-d"): its second
    // letter may start the next run.
    if (m - k == 2 && m < words.size() && single_letter(m)) k = m - 1;
    else k = (m == k) ? k + 1 : m;
  }

  // Step 6: emit words with one space between them.
  MappedText out;
  out.text.resize(n + 2);
  out.begin.resize(n + 2);
  out.end.resize(n + 2);
  size_t w = 0;
  auto put = [&](char c, uint32_t b, uint32_t e) {
    out.text[w] = c;
    out.begin[w] = b;
    out.end[w] = e;
    ++w;
  };
  const uint32_t total_begin = n ? in.begin(0) : 0;
  const uint32_t total_end = n ? in.end(n - 1) : 0;
  auto space = [&](size_t from, size_t to, uint32_t empty_at) {
    if (from < to) put(' ', in.begin(from), in.end(to - 1));
    else put(' ', empty_at, empty_at);
  };
  space(0, words.empty() ? n : words[0].b, total_begin);
  for (size_t k = 0; k < words.size(); ++k) {
    if (k > 0 && !joined[k]) space(words[k - 1].e, words[k].b, in.begin(words[k].b));
    for (size_t q = words[k].b; q < words[k].e; ++q) put(dec[q], in.begin(q), in.end(q));
  }
  if (!words.empty()) space(words.back().e, n, total_end);
  out.text.resize(w);
  out.begin.resize(w);
  out.end.resize(w);
  return out;
}

// Steps 1-2 for a pure-ASCII comment: lowercase, every byte maps to itself.
MappedText LowercaseAscii(std::string_view s) {
  MappedText t;
  const size_t n = s.size();
  t.text.resize(n);
  t.begin.resize(n);
  t.end.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    t.text[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    t.begin[i] = static_cast<uint32_t>(i);
    t.end[i] = static_cast<uint32_t>(i + 1);
  }
  return t;
}

// One code point and the original range it covers.
struct Unit {
  char32_t cp;
  uint32_t orig_begin;
  uint32_t orig_end;
};

void AppendUnit(const Unit& u, MappedText* t) {
  if (u.cp < 0x80) {
    t->text.push_back(static_cast<char>(u.cp));
    t->begin.push_back(u.orig_begin);
    t->end.push_back(u.orig_end);
    return;
  }
  utf8::Append(u.cp, &t->text);
  t->begin.resize(t->text.size(), u.orig_begin);
  t->end.resize(t->text.size(), u.orig_end);
}

// Steps 1-4 in one pass for text with non-ASCII characters: decodes once,
// handles ASCII inline, and runs utf8proc only on clusters that need it.
// Produces the literal view (steps 1-2) and the input of steps 5-7.
void FoldUnicodeFused(std::string_view original, MappedText* literal, MappedText* folded) {
  thread_local std::vector<Unit> cluster, lit, units;
  units.clear();
  const size_t n = original.size();
  literal->text.reserve(n);
  literal->begin.reserve(n);
  literal->end.reserve(n);

  // Reads the next code point that survives step 1, from *pos on.
  auto next = [&](size_t* pos, Unit* u) {
    while (*pos < n) {
      const auto byte = static_cast<unsigned char>(original[*pos]);
      if (byte < 0x80) {
        *u = {byte, static_cast<uint32_t>(*pos), static_cast<uint32_t>(*pos + 1)};
        ++*pos;
        return true;
      }
      char32_t cp;
      size_t len;
      const bool valid = utf8::Decode(original, *pos, &cp, &len);
      const uint32_t b = static_cast<uint32_t>(*pos);
      *pos += len;
      if (!valid) {
        *u = {' ', b, b + 1};
        return true;
      }
      if (!IsInvisibleFormat(cp)) {
        *u = {cp, b, static_cast<uint32_t>(b + len)};
        return true;
      }
    }
    return false;
  };

  size_t pos = 0;
  Unit u;
  bool have = next(&pos, &u);
  while (have) {
    // Gather a cluster: this code point and the combining marks after it.
    cluster.clear();
    cluster.push_back(u);
    have = next(&pos, &u);
    while (have && u.cp >= 0x300 && IsCombining(u.cp)) {
      cluster.push_back(u);
      have = next(&pos, &u);
    }
    // Step 2: NFKC and case folding.
    lit.clear();
    if (cluster.size() == 1 && cluster[0].cp < 0x80) {
      const char32_t c = cluster[0].cp;
      lit.push_back({c >= 'A' && c <= 'Z' ? c + 32 : c, cluster[0].orig_begin, cluster[0].orig_end});
    } else {
      MapCluster([&](size_t k) -> const Unit& { return cluster[k]; }, 0, cluster.size(), kFoldOptions, NeverDrop,
                 [&](char32_t cp, uint32_t b, uint32_t e) { lit.push_back({cp, b, e}); });
    }
    for (const Unit& l : lit) AppendUnit(l, literal);
    // Step 3: strip diacritics, per cluster of the folded output.
    for (size_t i = 0; i < lit.size();) {
      size_t j = i + 1;
      while (j < lit.size() && lit[j].cp >= 0x300 && IsCombining(lit[j].cp)) ++j;
      if (j == i + 1 && lit[i].cp < 0x80) {
        units.push_back(lit[i]);
      } else {
        MapCluster([&](size_t k) -> const Unit& { return lit[k]; }, i, j, kStripOptions, IsNonspacingMark,
                   [&](char32_t cp, uint32_t b, uint32_t e) { units.push_back({cp, b, e}); });
      }
      i = j;
    }
  }

  // Step 4: homoglyphs, per run of letters and marks that has a non-ASCII letter.
  for (size_t i = 0; i < units.size();) {
    if (units[i].cp < 0x80 || !IsLetter(units[i].cp)) {
      ++i;
      continue;
    }
    size_t start = i;
    while (start > 0 && (IsLetter(units[start - 1].cp) || IsMark(units[start - 1].cp))) --start;
    size_t j = start;
    while (j < units.size() && (IsLetter(units[j].cp) || IsMark(units[j].cp))) ++j;
    if (IsDisguisedRun([&](size_t k) { return units[k].cp; }, start, j)) {
      for (size_t k = start; k < j; ++k) {
        if (const char32_t l = LatinLookAlike(units[k].cp).latin) units[k].cp = l;
      }
    }
    i = j;
  }
  folded->text.reserve(n);
  folded->begin.reserve(n);
  folded->end.reserve(n);
  for (const Unit& f : units) AppendUnit(f, folded);
}

}  // namespace

bool IsAsciiText(std::string_view s) {
  unsigned char any = 0;
  for (const char c : s) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

std::string CanonicalAsciiText(std::string_view s) {
  const size_t n = s.size();
  std::string out;
  out.reserve(n + 2);
  out.push_back(' ');
  // The current run of single-letter words (step 6): where its first letter is in out,
  // how long it is, and the separator its first two letters share.
  size_t run_start = 0, run_len = 0;
  std::string_view run_sep;
  auto close_run = [&] {
    if (run_len >= 3) {  // "k y s" -> "kys"
      size_t w = run_start;
      for (size_t r = run_start; r < out.size(); ++r) {
        if (out[r] != ' ') out[w++] = out[r];
      }
      out.resize(w);
    }
    run_len = 0;
  };
  size_t prev_word_end = 0;  // in s: where the separator before the next word starts
  bool first_word = true;
  size_t i = 0;
  while (i < n) {
    const auto c0 = static_cast<unsigned char>(s[i]);
    if (!(kBytes.cls[c0] & (kAlpha | kDigit | kLeetSymbol))) {
      ++i;
      continue;
    }
    // A token: letters, digits and leet symbols. Leet applies if it has a letter.
    size_t j = i;
    bool has_letter = false;
    while (j < n) {
      const uint8_t cls = kBytes.cls[static_cast<unsigned char>(s[j])];
      if (!(cls & (kAlpha | kDigit | kLeetSymbol))) break;
      has_letter = has_letter || (cls & kAlpha);
      ++j;
    }
    size_t body_end = j;
    while (body_end > i && s[body_end - 1] == '!') --body_end;
    // Words are the alphanumeric runs of the decoded token.
    size_t k = i;
    while (k < j) {
      auto decode = [&](size_t q) -> char {
        const auto c = static_cast<unsigned char>(s[q]);
        const char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        return static_cast<char>(DecodeLeetAt(static_cast<unsigned char>(lower), q, i, body_end, has_letter));
      };
      char d = decode(k);
      if (!(kBytes.cls[static_cast<unsigned char>(d)] & (kAlpha | kDigit))) {
        ++k;
        continue;
      }
      const size_t word_begin = k;
      const std::string_view sep = s.substr(prev_word_end, word_begin - prev_word_end);
      if (run_len > 0 && IsApostrophe(sep)) {
        // The run's last letter starts a contraction ("I'm"): it leaves the run.
        const std::string letter = out.substr(out.size() - 2);  // " x"
        out.resize(out.size() - 2);
        --run_len;
        close_run();
        out += letter;
      }
      // Emit the word after one space.
      const size_t before = out.size();
      if (!first_word) out.push_back(' ');
      first_word = false;
      const size_t word_out = out.size();
      while (k < j) {
        d = decode(k);
        if (!(kBytes.cls[static_cast<unsigned char>(d)] & (kAlpha | kDigit))) break;
        out.push_back(d);
        ++k;
      }
      prev_word_end = k;
      const bool single = k == word_begin + 1 && (kBytes.cls[static_cast<unsigned char>(out.back())] & kAlpha);
      if (!single) {
        if (run_len > 0) {  // close the run before this word, then put it back
          const std::string word = out.substr(before);
          out.resize(before);
          close_run();
          out += word;
        }
        continue;
      }
      if (run_len == 0) {
        run_start = word_out;
        run_len = 1;
      } else if (run_len == 1) {
        run_sep = sep;
        run_len = 2;
      } else if (sep == run_sep) {
        ++run_len;
      } else if (run_len == 2) {
        // A pair cut short by a different separator: its second letter and
        // this one may start the next run.
        run_start = before - 1;
        run_sep = sep;
      } else {
        // A different separator ends the run; this letter starts a new one.
        const char letter = out.back();
        out.resize(before);
        close_run();
        out.push_back(' ');
        run_start = out.size();
        out.push_back(letter);
        run_len = 1;
      }
    }
    i = j;
  }
  close_run();
  out.push_back(' ');
  if (out.size() == 2) out.resize(1);  // no words: a single space
  return out;
}

Views Normalize(std::string_view original) {
  Views v;
  if (IsAsciiText(original)) {
    v.literal = LowercaseAscii(original);
    v.canonical = CollapseFused(AsciiInput{original});
  } else {
    MappedText folded;
    FoldUnicodeFused(original, &v.literal, &folded);
    v.canonical = CollapseFused(MappedInput{folded});
  }
  return v;
}

std::string RepeatTolerantRegex(std::string_view canon) {
  std::string out;
  size_t pos = 0;
  while (pos < canon.size()) {
    char32_t cp;
    size_t len;
    utf8::Decode(canon, pos, &cp, &len);
    const std::string quoted = RE2::QuoteMeta(re2::StringPiece(canon.data() + pos, len));
    if (!IsLetter(cp)) out += quoted;
    else if (len == 1) out += quoted + "+";
    else out += "(?:" + quoted + ")+";
    pos += len;
  }
  return out;
}

std::string SqueezeLetters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char32_t last = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    char32_t cp = byte;
    size_t len = 1;
    if (byte >= 0x80 && !utf8::Decode(text, pos, &cp, &len)) cp = 0xFFFD;
    const bool letter = byte < 0x80 ? (kBytes.cls[byte] & kAlpha) != 0 : IsLetter(cp);
    if (!(letter && cp == last)) out.append(text.data() + pos, len);
    last = letter ? cp : 0;
    pos += len;
  }
  return out;
}

std::string CanonicalTerm(std::string_view term) {
  std::string t = Normalize(term).canonical.text;
  const size_t b = t.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  const size_t e = t.find_last_not_of(' ');
  return t.substr(b, e - b + 1);
}

}  // namespace aasr::rules
