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

inline bool IsAsciiLetter(char32_t c) { return c < 0x80 && (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Masking symbols (CollapseSeparators). Weak ones are also ordinary
// punctuation inside abbreviations and compounds.
inline bool IsStrongMask(unsigned char c) {
  switch (c) {
    case '*': case '#': case '%': case '+': case '~': case '^': case '=': case '|': case '\\':
    case '<': case '>': case '&':
      return true;
    default:
      return false;
  }
}
inline bool IsWeakMask(unsigned char c) { return c == '.' || c == '-' || c == '_'; }

// Does the separator between two words stand for masked letters? `before`
// and `after` are the last byte of the word before and the first of the word
// after; `both_single`: each word is one letter.
inline bool IsMaskRun(std::string_view sep, unsigned char before, unsigned char after, bool both_single) {
  // Most separators are one space: decide those with one comparison.
  if (sep.empty() || sep[0] == ' ' || sep.size() > 3 || !IsAsciiLetter(before) || !IsAsciiLetter(after)) return false;
  bool weak = false;
  for (const char ch : sep) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsWeakMask(c)) weak = true;
    else if (!IsStrongMask(c)) return false;
  }
  return !(weak && both_single);
}

// Number words of step 2b and their digits.
char NumberWordDigit(std::string_view w) {
  struct Entry {
    std::string_view word;
    char digit;
  };
  static constexpr Entry kWords[] = {
      {"zero", '0'},  {"one", '1'},   {"two", '2'},   {"three", '3'}, {"four", '4'},   {"five", '5'},
      {"six", '6'},   {"seven", '7'}, {"eight", '8'}, {"nine", '9'},  {"cero", '0'},   {"uno", '1'},
      {"dos", '2'},   {"tres", '3'},  {"cuatro", '4'}, {"cinco", '5'}, {"seis", '6'},  {"siete", '7'},
      {"ocho", '8'},  {"nueve", '9'}};
  if (w.size() < 3 || w.size() > 6) return 0;
  // Every word is looked up: a first-letter filter keeps most of them from
  // reaching the comparisons.
  switch (w[0]) {
    case 'z': case 'o': case 't': case 'f': case 's': case 'e': case 'n': case 'c': case 'u': case 'd':
      break;
    default:
      return 0;
  }
  for (const Entry& e : kWords) {
    if (e.word[0] == w[0] && w == e.word) return e.digit;
  }
  return 0;
}

inline bool IsNumberSeparator(unsigned char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '_' || c == '\t';
}

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

// Out of line: inlined, its table bloats the fused pass's hot loop past what
// GCC inlines there (measured: the whole pass got slower).
__attribute__((noinline)) char32_t LetterSymbol(char32_t cp) {
  if (cp < 0x250) return cp == 0x01DD ? 'e' : 0;  // turned e
  if (cp >= 0x1F150 && cp <= 0x1F169) return 'a' + (cp - 0x1F150);  // negative circled
  if (cp >= 0x1F170 && cp <= 0x1F189) return 'a' + (cp - 0x1F170);  // negative squared
  if (cp >= 0x1F1E6 && cp <= 0x1F1FF) return 'a' + (cp - 0x1F1E6);  // regional indicators
  switch (cp) {
    // Small capitals
    case 0x1D00: return 'a'; case 0x0299: return 'b'; case 0x1D03: return 'b'; case 0x1D04: return 'c';
    case 0x1D05: return 'd'; case 0x1D06: return 'd'; case 0x1D07: return 'e'; case 0xA730: return 'f';
    case 0x0262: return 'g'; case 0x029C: return 'h'; case 0x026A: return 'i'; case 0x1D0A: return 'j';
    case 0x1D0B: return 'k'; case 0x029F: return 'l'; case 0x1D0C: return 'l'; case 0x1D0D: return 'm';
    case 0x0274: return 'n'; case 0x1D0F: return 'o'; case 0x1D18: return 'p'; case 0xA7AF: return 'q';
    case 0x0280: return 'r'; case 0xA731: return 's'; case 0x1D1B: return 't'; case 0x1D1C: return 'u';
    case 0x1D20: return 'v'; case 0x1D21: return 'w'; case 0x028F: return 'y'; case 0x1D22: return 'z';
    // IPA letters that read as Latin ones
    case 0x0251: return 'a'; case 0x0252: return 'a'; case 0x0253: return 'b'; case 0x0256: return 'd';
    case 0x0257: return 'd'; case 0x025B: return 'e'; case 0x0260: return 'g'; case 0x0261: return 'g';
    case 0x0266: return 'h'; case 0x0268: return 'i'; case 0x0269: return 'i'; case 0x026B: return 'l';
    case 0x026C: return 'l'; case 0x026D: return 'l'; case 0x0271: return 'm'; case 0x0272: return 'n';
    case 0x0273: return 'n'; case 0x0275: return 'o'; case 0x027C: return 'r'; case 0x027D: return 'r';
    case 0x027E: return 'r'; case 0x0282: return 's'; case 0x0288: return 't'; case 0x028B: return 'v';
    case 0x0290: return 'z'; case 0x0291: return 'z'; case 0x029D: return 'j';
    // Turned letters of "upside-down" text
    case 0x0250: return 'a'; case 0x0265: return 'h'; case 0x026F: return 'm'; case 0x0279: return 'r';
    case 0x0287: return 't'; case 0x028C: return 'v'; case 0x028D: return 'w'; case 0x028E: return 'y';
    case 0x029E: return 'k'; case 0x1D09: return 'i';
    default: return 0;
  }
}

MappedText FoldLetterSymbols(const MappedText& in) {
  const std::vector<CodePoint> cps = Decode(in);
  Builder out(in.text.size());
  for (const CodePoint& c : cps) {
    const char32_t l = c.cp < 0x80 ? 0 : LetterSymbol(c.cp);
    out.Add(l ? l : c.cp, c.orig_begin, c.orig_end);
  }
  return out.Take();
}

namespace {

// Byte classes of step 2b, which scans every word of every comment: bytes of
// a word (ASCII letters and digits, and any non-ASCII byte, so "é5" is no
// number), and first letters of number words in either case.
enum : uint8_t { kWordByte = 1 };
struct NumberByteTables {
  uint8_t cls[256] = {};
  uint8_t lengths[256] = {};  // bit L: some number word starts with this byte and has L letters
  NumberByteTables() {
    for (int c = 0; c < 256; ++c) {
      if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) cls[c] = kWordByte;
    }
    for (const std::string_view w : {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                     "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho",
                                     "nueve"}) {
      lengths[static_cast<unsigned char>(w[0])] |= static_cast<uint8_t>(1u << w.size());
      lengths[static_cast<unsigned char>(w[0] - 32)] |= static_cast<uint8_t>(1u << w.size());
    }
  }
};
const NumberByteTables kNumberBytes;

// Step 2b's plan for a text: calls emit(b, e, replacement) for each range
// [b, e) of bytes to replace, in order; returns whether there was any.
template <typename Emit>
bool PlanSpacedNumbers(std::string_view t, Emit emit) {
  struct Unit {
    uint32_t b, e;
    char digit;
  };
  thread_local std::vector<Unit> units_buffer;
  std::vector<Unit>& units = units_buffer;  // one thread-local lookup per call, not per word
  auto separator_ok = [&](size_t b, size_t e) {
    if (e <= b || e - b > 3) return false;
    for (size_t q = b; q < e; ++q) {
      if (!IsNumberSeparator(static_cast<unsigned char>(t[q]))) return false;
    }
    return true;
  };
  bool any = false;
  units.clear();
  auto flush = [&] {
    if (units.size() >= 3) {
      any = true;
      const std::string_view spacing = t.substr(units[0].e, units[1].b - units[0].e);
      for (size_t k = 0; k < units.size(); ++k) {
        if (k > 0) {
          const std::string_view sep = t.substr(units[k - 1].e, units[k].b - units[k - 1].e);
          std::string kept;
          if (sep != spacing) {
            kept.assign(sep.data(), sep.size());
            kept.erase(std::remove_if(kept.begin(), kept.end(), [](char c) { return c == ' ' || c == '\t'; }),
                       kept.end());
            if (kept.empty()) kept = " ";
          }
          emit(units[k - 1].e, units[k].b, kept);
        }
        emit(units[k].b, units[k].e, std::string(1, units[k].digit));
      }
    }
    units.clear();
  };
  size_t i = 0;
  const size_t n = t.size();
  while (i < n) {
    const auto c0 = static_cast<unsigned char>(t[i]);
    if (!(kNumberBytes.cls[c0] & kWordByte)) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < n && (kNumberBytes.cls[static_cast<unsigned char>(t[j])] & kWordByte)) ++j;
    const std::string_view w = t.substr(i, j - i);
    char digit = 0;
    if (w.size() == 1) {
      if (c0 >= '0' && c0 <= '9') digit = static_cast<char>(c0);
    } else if (w.size() >= 3 && w.size() <= 6 && (kNumberBytes.lengths[c0] & (1u << w.size()))) {
      char lower[6];  // the matcher's screen looks up words of text not yet lowercased
      for (size_t q = 0; q < w.size(); ++q) lower[q] = static_cast<char>(w[q] | ((w[q] >= 'A' && w[q] <= 'Z') ? 0x20 : 0));
      digit = NumberWordDigit(std::string_view(lower, w.size()));
    }
    if (!digit) {
      if (!units.empty()) flush();
    } else {
      if (!units.empty() && !separator_ok(units.back().e, i)) flush();
      units.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j), digit});
    }
    i = j;
  }
  flush();
  return any;
}

}  // namespace

namespace {

// Step 2b into *out; false (and *out untouched) if the text has no number to join.
bool JoinSpacedNumbersInto(const MappedText& in, MappedText* out_text) {
  MappedText& out = *out_text;
  size_t copied = 0;
  auto copy_to = [&](size_t b) {
    out.text.append(in.text, copied, b - copied);
    out.begin.insert(out.begin.end(), in.begin.begin() + copied, in.begin.begin() + b);
    out.end.insert(out.end.end(), in.end.begin() + copied, in.end.begin() + b);
  };
  const bool any = PlanSpacedNumbers(in.text, [&](size_t b, size_t e, const std::string& replacement) {
    copy_to(b);
    // A kept separator character maps to the whole separator; a digit to its
    // unit. (No push_back here: more call sites of it made GCC stop inlining
    // it in the fused pass's hot loop.)
    out.text += replacement;
    out.begin.resize(out.text.size(), in.begin[b]);
    out.end.resize(out.text.size(), in.end[e - 1]);
    copied = e;
  });
  if (!any) return false;
  copy_to(in.text.size());
  return true;
}

}  // namespace

MappedText JoinSpacedNumbers(const MappedText& in) {
  MappedText out;
  if (!JoinSpacedNumbersInto(in, &out)) return in;
  return out;
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
  // Masked letters: one placeholder per symbol, mapped to it.
  auto mask_run = [&](size_t k) {
    const Word& a = words[k - 1];
    const Word& b = words[k];
    const char32_t before = cps[a.last - 1].cp, after = cps[b.first].cp;
    return IsMaskRun(separator(k), before < 0x80 ? static_cast<unsigned char>(before) : 0,
                     after < 0x80 ? static_cast<unsigned char>(after) : 0,
                     a.last == a.first + 1 && b.last == b.first + 1);
  };
  add_space(0, words.empty() ? cps.size() : words[0].first, total_begin);
  for (size_t k = 0; k < words.size(); ++k) {
    if (k > 0 && !joined[k]) {
      if (mask_run(k)) {
        for (size_t q = words[k - 1].last; q < words[k].first; ++q) out.Add(kMask, cps[q].orig_begin, cps[q].orig_end);
      } else {
        add_space(words[k - 1].last, words[k].first, cps[words[k].first].orig_begin);
      }
    }
    for (size_t q = words[k].first; q < words[k].last; ++q) out.Add(cps[q].cp, cps[q].orig_begin, cps[q].orig_end);
  }
  if (!words.empty()) add_space(words.back().last, cps.size(), total_end);
  return out.Take();
}

Views NormalizeStepwise(std::string_view original) {
  Views v;
  const MappedText letters =
      FoldLetterSymbols(FoldCompatibilityAndCase(RemoveFormatCharacters(MappedText::Identity(original))));
  v.literal = JoinSpacedNumbers(letters);
  v.canonical = CollapseSeparators(DecodeLeetspeak(FoldHomoglyphs(StripDiacritics(letters))));
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
    if (k > 0 && !joined[k]) {
      const Word& a = words[k - 1];
      const Word& b = words[k];
      if (IsMaskRun(separator(k), static_cast<unsigned char>(dec[a.e - 1]), static_cast<unsigned char>(dec[b.b]),
                    a.e == a.b + 1 && b.e == b.b + 1)) {
        for (size_t q = a.e; q < b.b; ++q) put(kMask, in.begin(q), in.end(q));
      } else {
        space(a.e, b.b, in.begin(b.b));
      }
    }
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

// flatten: it runs once per code point of non-ASCII text, and GCC stopped inlining
// the push_backs into it when this file grew.
__attribute__((flatten)) void AppendUnit(const Unit& u, MappedText* t) {
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
      // Step 2a on what step 2 gives.
      MapCluster([&](size_t k) -> const Unit& { return cluster[k]; }, 0, cluster.size(), kFoldOptions, NeverDrop,
                 [&](char32_t cp, uint32_t b, uint32_t e) {
                   if (cp >= 0x80) {
                     if (const char32_t a = LetterSymbol(cp)) cp = a;
                   }
                   lit.push_back({cp, b, e});
                 });
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
    if (run_len >= 3) {  // "k y s" -> "kys"; the run holds only letters and separators
      size_t w = run_start;
      for (size_t r = run_start; r < out.size(); ++r) {
        if (out[r] != ' ' && out[r] != kMask) out[w++] = out[r];
      }
      out.resize(w);
    }
    run_len = 0;
  };
  size_t prev_word_end = 0;  // in s: where the separator before the next word starts
  size_t prev_before = 0;    // in out: where the previous word's separator starts
  bool prev_single = false;  // the previous word is one letter
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
        const std::string letter = out.substr(prev_before);  // separator and letter
        out.resize(prev_before);
        --run_len;
        close_run();
        prev_before = out.size();
        out += letter;
      }
      // Emit the word after one space, or after the placeholders of masked letters.
      const size_t before = out.size();
      if (!first_word) {
        bool mask = false;
        if (!sep.empty() && sep[0] != ' ') {  // rare: only then is it worth knowing whether this word is one letter
          const bool single_now =
              k + 1 >= j || !(kBytes.cls[static_cast<unsigned char>(decode(k + 1))] & (kAlpha | kDigit));
          mask = IsMaskRun(sep, static_cast<unsigned char>(out.back()), static_cast<unsigned char>(d),
                           prev_single && single_now);
        }
        if (mask) out.append(sep.size(), kMask);
        else out.push_back(' ');
      }
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
      prev_single = single;
      prev_before = before;  // updated below where closing a run moves this word
      if (!single) {
        if (run_len > 0) {  // close the run before this word, then put it back
          const std::string word = out.substr(before);
          out.resize(before);
          close_run();
          prev_before = out.size();
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
        const std::string separated = out.substr(before);  // separator and letter
        out.resize(before);
        close_run();
        prev_before = out.size();
        out += separated;
        run_start = out.size() - 1;
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
  MappedText joined;
  if (JoinSpacedNumbersInto(v.literal, &joined)) v.literal = std::move(joined);
  return v;
}

bool HasSpacedNumber(std::string_view text) {
  return PlanSpacedNumbers(text, [](size_t, size_t, const std::string&) {});
}

std::string LiteralAsciiText(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  std::string out;
  size_t copied = 0;
  const bool any = PlanSpacedNumbers(lower, [&](size_t b, size_t e, const std::string& replacement) {
    out.append(lower, copied, b - copied);
    out += replacement;
    copied = e;
  });
  if (!any) return lower;
  out.append(lower, copied, std::string::npos);
  return out;
}

namespace {

// A canonical term as words of code points; letter runs are what both term
// regexes are built from.
struct TermLetter {
  std::string bytes;  // one code point
  bool letter;
};

std::vector<std::vector<TermLetter>> TermWords(std::string_view canon) {
  std::vector<std::vector<TermLetter>> words(1);
  size_t pos = 0;
  while (pos < canon.size()) {
    char32_t cp;
    size_t len;
    utf8::Decode(canon, pos, &cp, &len);
    if (cp == ' ') {
      if (!words.back().empty()) words.emplace_back();
    } else {
      words.back().push_back({std::string(canon.substr(pos, len)), IsLetter(cp)});
    }
    pos += len;
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// Between two words of a term: a space, or the placeholders a masked
// separator left ("self-harm").
constexpr const char* kTermSpace = "(?: |\\*+)";

// Calls fn(first, last) for each run of one repeated code point of a word.
template <typename Fn>
void ForEachRun(const std::vector<TermLetter>& w, Fn fn) {
  for (size_t i = 0; i < w.size();) {
    size_t j = i + 1;
    while (j < w.size() && w[j].letter && w[j].bytes == w[i].bytes) ++j;
    if (!w[i].letter) j = i + 1;
    fn(i, j);
    i = j;
  }
}

}  // namespace

std::string RepeatTolerantRegex(std::string_view canon, TermOptions options) {
  std::string out;
  for (const auto& w : TermWords(canon)) {
    if (!out.empty()) out += kTermSpace;
    const size_t n = w.size();
    ForEachRun(w, [&](size_t first, size_t last) {
      const std::string quoted = RE2::QuoteMeta(w[first].bytes);
      if (!w[first].letter) {
        out += quoted;
        return;
      }
      const std::string run = (w[first].bytes.size() == 1 ? quoted : "(?:" + quoted + ")") + "+";
      // Only a letter inside the word may be masked: "k*ll", never "*ill".
      auto position = [&](size_t k) { return k > 0 && k + 1 < n ? "(?:" + run + "|\\*)" : run; };
      if (options.single_doubles && last - first >= 2) {
        out += first > 0 && last < n ? "(?:" + run + "|\\*)" : run;
        return;
      }
      for (size_t k = first; k < last; ++k) out += position(k);
    });
  }
  return out;
}

bool HasDoubledLetter(std::string_view canon) {
  for (const auto& w : TermWords(canon)) {
    for (size_t k = 1; k < w.size(); ++k) {
      if (w[k].letter && w[k].bytes == w[k - 1].bytes) return true;
    }
  }
  return false;
}

std::string SqueezedTermRegex(std::string_view canon, TermOptions options) {
  std::string out;
  for (const auto& w : TermWords(canon)) {
    if (!out.empty()) out += kTermSpace;
    const size_t n = w.size();
    ForEachRun(w, [&](size_t first, size_t last) {
      const std::string quoted = RE2::QuoteMeta(w[first].bytes);
      if (!w[first].letter) {
        out += quoted;
        return;
      }
      // Squeezing merges the run's letters into one, but not the
      // placeholders among them: up to one item per letter of the run.
      bool maskable = false;
      for (size_t k = first; k < last; ++k) maskable = maskable || (k > 0 && k + 1 < n);
      const size_t items = options.single_doubles ? 1 : last - first;
      if (!maskable) {
        out += quoted;
      } else {
        // A class compiles smaller than an alternation; the set holds thousands.
        const std::string item = w[first].bytes.size() == 1 && IsAsciiLetter(static_cast<unsigned char>(w[first].bytes[0]))
                                     ? "[" + w[first].bytes + "*]"
                                     : "(?:" + quoted + "|\\*)";
        out += items == 1 ? item : item + "{1," + std::to_string(items) + "}";
      }
    });
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
  std::replace(t.begin(), t.end(), kMask, ' ');  // a term's symbols separate its words
  t.erase(std::unique(t.begin(), t.end(), [](char a, char b) { return a == ' ' && b == ' '; }), t.end());
  const size_t b = t.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  const size_t e = t.find_last_not_of(' ');
  return t.substr(b, e - b + 1);
}

}  // namespace aasr::rules
