#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cctype>

#include "bot/rules/normalize.h"

using namespace aasr::rules;

namespace {

// Runs one step on an identity-mapped text.
template <typename Step>
std::string Apply(Step step, const std::string& s) {
  return step(MappedText::Identity(s)).text;
}

// The original text behind canonical bytes [b, e).
std::string Behind(const std::string& original, const MappedText& t, size_t b, size_t e) {
  auto [ob, oe] = t.ToOriginal(b, e);
  return original.substr(ob, oe - ob);
}

// The original text behind the first occurrence of `needle` in the canonical view.
std::string OriginalOf(const std::string& original, const std::string& needle) {
  const Views v = Normalize(original);
  const size_t at = v.canonical.text.find(needle);
  REQUIRE(at != std::string::npos);
  return Behind(original, v.canonical, at, at + needle.size());
}

}  // namespace

TEST_CASE("identity maps every byte of a character to the whole character") {
  const MappedText t = MappedText::Identity("aé");
  REQUIRE(t.text.size() == 3);
  CHECK(t.begin[1] == 1);
  CHECK(t.end[1] == 3);
  CHECK(t.begin[2] == 1);
  CHECK(t.end[2] == 3);
}

TEST_CASE("step 1 removes zero-width, format and variation characters") {
  CHECK(Apply(RemoveFormatCharacters, "i\u200Bd\u200Ci\u200Do\u2060t") == "idiot");
  CHECK(Apply(RemoveFormatCharacters, "soft\u00ADhyphen") == "softhyphen");
  CHECK(Apply(RemoveFormatCharacters, "rtl\u202Eoverride\u202C") == "rtloverride");
  CHECK(Apply(RemoveFormatCharacters, "heart\u2764\uFE0F") == "heart\u2764");
  CHECK(Apply(RemoveFormatCharacters, "\uFEFFbom") == "bom");
}

TEST_CASE("step 1 turns invalid UTF-8 into separators mapped to the bad byte") {
  const std::string bad = "ab\xFF" "cd";
  const MappedText t = RemoveFormatCharacters(MappedText::Identity(bad));
  CHECK(t.text == "ab cd");
  CHECK(t.begin[2] == 2);
  CHECK(t.end[2] == 3);
}

TEST_CASE("step 2 applies NFKC and case folding") {
  CHECK(Apply(FoldCompatibilityAndCase, "ＩＤＩＯＴ") == "idiot");           // fullwidth
  CHECK(Apply(FoldCompatibilityAndCase, "𝐈𝐝𝐢𝐨𝐭") == "idiot");           // mathematical bold
  CHECK(Apply(FoldCompatibilityAndCase, "Straße") == "strasse");         // full case folding
  CHECK(Apply(FoldCompatibilityAndCase, "e\u0301") == "\u00e9");          // composes
  CHECK(Apply(FoldCompatibilityAndCase, "ﬁne") == "fine");               // ligature
  CHECK(Apply(FoldCompatibilityAndCase, "①") == "1");
}

TEST_CASE("step 3 strips diacritics but keeps letters without decomposition") {
  CHECK(Apply(StripDiacritics, "ïdïöt café") == "idiot cafe");
  CHECK(Apply(StripDiacritics, "e\u0301") == "e");
  CHECK(Apply(StripDiacritics, "ø") == "ø");
  CHECK(Apply(StripDiacritics, "niño") == "nino");
}

TEST_CASE("step 4 folds Cyrillic and Greek look-alikes in disguised words only") {
  CHECK(Apply(FoldHomoglyphs, "\u0456d\u0456\u043et") == "idiot");    // Cyrillic і and о among Latin
  CHECK(Apply(FoldHomoglyphs, "\u0441\u043e\u0441\u043e") == "coco");  // all strong look-alikes
  CHECK(Apply(FoldHomoglyphs, "\u03bfk") == "ok");                     // Greek omicron + Latin
  CHECK(Apply(FoldHomoglyphs, "\u0131d\u0131ot") == "idiot");          // Latin dotless i
  // Real Russian and Greek words stay as they are.
  CHECK(Apply(FoldHomoglyphs, "привет как дела") == "привет как дела");
  CHECK(Apply(FoldHomoglyphs, "και ευχαριστώ") == "και ευχαριστώ");
}

TEST_CASE("step 5 decodes leetspeak inside words, not numbers, mentions or punctuation") {
  CHECK(Apply(DecodeLeetspeak, "1d10t") == "idiot");
  CHECK(Apply(DecodeLeetspeak, "$tup!d") == "stupid");
  CHECK(Apply(DecodeLeetspeak, "h4t3") == "hate");
  CHECK(Apply(DecodeLeetspeak, "b@d") == "bad");
  CHECK(Apply(DecodeLeetspeak, "l0s3r 7rash") == "loser trash");
  CHECK(Apply(DecodeLeetspeak, "restrained 27 times in 1970") == "restrained 27 times in 1970");
  CHECK(Apply(DecodeLeetspeak, "@idiot") == "@idiot");
  CHECK(Apply(DecodeLeetspeak, "stop!!!") == "stop!!!");
  CHECK(Apply(DecodeLeetspeak, "$500") == "$500");
}

TEST_CASE("step 6 collapses separators and joins spaced-out letters") {
  CHECK(Apply(CollapseSeparators, "f u c k") == " fuck ");
  CHECK(Apply(CollapseSeparators, "i.d.i.o.t") == " idiot ");
  CHECK(Apply(CollapseSeparators, "k-y-s now") == " kys now ");
  CHECK(Apply(CollapseSeparators, "i.d.i.o.t f u c k") == " idiot fuck ");
  CHECK(Apply(CollapseSeparators, "shut...\n\n  up!!") == " shut up ");
  CHECK(Apply(CollapseSeparators, "a b") == " a b ");  // two letters stay words
  // A pair cut short by another separator lends its second letter to the next run.
  CHECK(Apply(CollapseSeparators, "a r-e-t-a-r-d") == " a retard ");
  CHECK(Apply(CollapseSeparators, "x r.e.t.a.r.d") == " x retard ");
  // A letter that starts a contraction stays a word.
  CHECK(Apply(CollapseSeparators, "K Y S I'm done") == " KYS I m done ");
  CHECK(Apply(CollapseSeparators, "k y s I\u2019ll go") == " kys I ll go ");
  CHECK(Apply(CollapseSeparators, "") == " ");
}

TEST_CASE("squeezing letter runs, the candidate filter's form") {
  CHECK(SqueezeLetters(" iiiidiooot kill 1000 ") == " idiot kil 1000 ");
  CHECK(SqueezeLetters(" ééé bb b ") == " é b b ");
  // An interior letter may be a masking placeholder; words may be separated by placeholders.
  CHECK(RepeatTolerantRegex("kill é 10") == "k+(?:i+|\\*)(?:l+|\\*)l+(?: |\\*+)(?:é)+(?: |\\*+)10");
  CHECK(SqueezedTermRegex("kill é 10") == "k[i*][l*]{1,2}(?: |\\*+)é(?: |\\*+)10");
  CHECK(SqueezedTermRegex("kill", {true}) == "k[i*][l*]");
}

TEST_CASE("step 6 keeps a placeholder for each symbol masking a letter inside a word") {
  CHECK(Apply(CollapseSeparators, "k*ll") == " k*ll ");
  CHECK(Apply(CollapseSeparators, "st#pid r*t*rd f**k K%LL") == " st*pid r*t*rd f**k K*LL ");
  CHECK(Apply(CollapseSeparators, "f*g k.ll st-pid x_ray") == " f*g k*ll st*pid x*ray ");
  // Spelled-out letters are joined first; edges and symbol runs past 3 are separators.
  CHECK(Apply(CollapseSeparators, "k*y*s") == " kys ");
  CHECK(Apply(CollapseSeparators, "*ss as* f****k") == " ss as f k ");
  // Weak masks between two single letters are abbreviations; other symbols separate.
  CHECK(Apply(CollapseSeparators, "U.S. e.g. a-b") == " U S e g a b ");
  CHECK(Apply(CollapseSeparators, "wow!! @mention one,two it's 5-5") == " wow mention one two it s 5 5 ");
  CHECK(Apply(CollapseSeparators, "e-mail co-op") == " e*mail co*op ");
  // Through every step: leet first (`@ ! $` are letters), then masks.
  CHECK(Normalize("n!gg*r").canonical.text == " nigg*r ");
  CHECK(Normalize("f@g").canonical.text == " fag ");
  CHECK(CanonicalAsciiText("N!GG*R, st#pid") == " nigg*r st*pid ");
  // Each placeholder maps to its symbol.
  const std::string s = "you st#pid";
  const Views v = Normalize(s);
  const size_t at = v.canonical.text.find('*');
  REQUIRE(at != std::string::npos);
  CHECK(Behind(s, v.canonical, at, at + 1) == "#");
  CHECK(OriginalOf(s, "st*pid") == "st#pid");
  // A term's symbols separate its words.
  CHECK(CanonicalTerm("self-harm") == "self harm");
}

TEST_CASE("step 2a folds regional indicators, enclosed letters, small capitals and look-alikes") {
  CHECK(Apply(FoldLetterSymbols, "🇰🇮🇱🇱") == "kill");
  CHECK(Apply(FoldLetterSymbols, "🅺🅸🅻🅻 🅚🅘🅛🅛") == "kill kill");
  CHECK(Apply(FoldLetterSymbols, "ᴋɪʟʟ ʏᴏᴜʀꜱᴇʟꜰ") == "kill yourself");
  CHECK(Apply(FoldLetterSymbols, "ɑɡɛɫ ʞɐǝɹʇʎ") == "agel kaerty");
  CHECK(Apply(FoldLetterSymbols, "ok 😀 ñ я") == "ok 😀 ñ я");  // other characters are left alone
  // What NFKC already folds (step 2) reaches the same letters.
  CHECK(Normalize("ⓚⓘⓛⓛ").canonical.text == " kill ");
  CHECK(Normalize("🄺🄸🄻🄻").canonical.text == " kill ");
  CHECK(Normalize("⒦⒤⒧⒧").canonical.text == " kill ");
  CHECK(Normalize("Ⓚⓘⓛⓛ ʏᴏᴜʀꜱᴇʟꜰ").canonical.text == " kill yourself ");
  // The literal view sees them too, and spans cover the whole symbols.
  CHECK(Normalize("🇰🇮🇱🇱").literal.text == "kill");
  CHECK(OriginalOf("now 🇰🇮🇱🇱 now", "kill") == "🇰🇮🇱🇱");
  CHECK(OriginalOf("ᴋɪʟʟ ʏᴏᴜʀꜱᴇʟꜰ", "yourself") == "ʏᴏᴜʀꜱᴇʟꜰ");
}

TEST_CASE("step 2b joins spaced digits and runs of number words for the literal view") {
  CHECK(Apply(JoinSpacedNumbers, "5 5 5 - 2 1 3 - 8 8 7 6") == "555-213-8876");
  CHECK(Apply(JoinSpacedNumbers, "5.5.5.2.1.3.8.8.7.6") == "5552138876");
  CHECK(Apply(JoinSpacedNumbers, "(5 5 5) 2 1 3 8 8 7 6") == "(555)2138876");
  CHECK(Apply(JoinSpacedNumbers, "call five five five two one three eight eight seven six") ==
        "call 5552138876");
  CHECK(Apply(JoinSpacedNumbers, "cinco cinco cinco, dos uno tres") == "555, 213");
  CHECK(Apply(JoinSpacedNumbers, "ssn 0 7 8  0 5  1 1 2 0") == "ssn 078 05 1120");
  CHECK(Apply(JoinSpacedNumbers, "5 five 5") == "555");
  // Ordinary text keeps its numbers.
  for (const char* plain : {"I have 2 kids, 3 dogs", "one or two", "555-213-8876", "1, 2, 3", "someone nine",
                            "2 3", "one two", "4 out of 5", "five  -  five - five"}) {
    INFO(plain);
    CHECK(Apply(JoinSpacedNumbers, plain) == plain);
  }
  // Digits map to the units they came from; the canonical view is not joined.
  const std::string s = "text five five five now";
  const Views v = Normalize(s);
  CHECK(v.literal.text == "text 555 now");
  CHECK(Behind(s, v.literal, 5, 6) == "five");
  CHECK(Behind(s, v.literal, 5, 8) == "five five five");
  CHECK(v.canonical.text == " text five five five now ");
  CHECK(LiteralAsciiText("Call 5 5 5 NOW") == "call 555 now");
}

TEST_CASE("the views: literal keeps shape, canonical undoes every disguise") {
  const Views v = Normalize("Call ME at Ｊohn.Doe@example.com, 1d1ot");
  CHECK(v.literal.text == "call me at john.doe@example.com, 1d1ot");
  CHECK(v.canonical.text.find(" idiot ") != std::string::npos);
  CHECK(CanonicalTerm("Kill  Your-Self") == "kill your self");
  CHECK(CanonicalTerm("  ") == "");
}

TEST_CASE("spans map back to the original through every disguise") {
  CHECK(OriginalOf("you are an 1d1ot!", "idiot") == "1d1ot");
  CHECK(OriginalOf("ｙｏｕ ＩＤＩＯＴ", "idiot") == "ＩＤＩＯＴ");
  CHECK(OriginalOf("so i\u200Bd\u200Bi\u200Bo\u200Bt", "idiot") == "i\u200Bd\u200Bi\u200Bo\u200Bt");
  CHECK(OriginalOf("what an i.d.i.o.t.", "idiot") == "i.d.i.o.t");
  CHECK(OriginalOf("\u0456d\u0456\u043et!", "idiot") == "\u0456d\u0456\u043et");
  CHECK(OriginalOf("iiiidiooooot", "iiiidiooooot") == "iiiidiooooot");  // repeats are kept
  CHECK(OriginalOf("ïdïe\u0301t", "idiet") == "ïdïe\u0301t");
  CHECK(OriginalOf("$tup!d", "stupid") == "$tup!d");
  CHECK(OriginalOf("k  y  s", "kys") == "k  y  s");
}

TEST_CASE("every canonical byte maps inside the original text") {
  const std::string inputs[] = {"", "   ", "héllo wörld 👩🏽‍🏫 ok", "\xC3", "a\xF0\x9F", "ｆ ｕ ｃ ｋ", "ǅungla"};
  for (const std::string& s : inputs) {
    const Views v = Normalize(s);
    for (size_t i = 0; i < v.canonical.text.size(); ++i) {
      CHECK(v.canonical.begin[i] <= v.canonical.end[i]);
      CHECK(v.canonical.end[i] <= s.size());
    }
  }
}

TEST_CASE("the fused pass gives exactly the result of the steps") {
  // Random text from an alphabet rich in the characters the steps care about:
  // leet symbols, separators, accents and combining marks, Cyrillic and Greek
  // look-alikes, fullwidth letters, zero-width characters, emoji, bad bytes.
  const std::vector<std::string> alphabet = {
      "a", "A", "b", "e", "E", "i", "I", "k", "o", "s", "t", "y", "u", "0", "1", "3", "4", "5", "7", "9",
      "@", "!", "$", ".", "-", " ", " ", "\n", "'", "é", "e\u0301", "\u0308", "ø", "ß", "\u0430", "\u043e",
      "\u0456", "\u043f", "\u0434", "\u03bf", "\u03bb", "Ｆ", "ｕ", "\u200b", "\u00ad", "👩🏽‍🏫", "’", "\xff", "ǅ", "ﬁ",
      // masking symbols, letter symbols, small capitals, look-alikes, numbers
      "*", "#", "_", "%", "k", "l", "🇰", "🇮", "🅺", "🅚", "ⓚ", "⒦", "ᴋ", "ɪ", "ꜱ", "ʀ", "ɑ", "ʞ", "ǝ", " five", " 5",
      " uno", "-", "(", " ", "2"};
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const size_t len = next() % 40;
    for (size_t i = 0; i < len; ++i) s += alphabet[next() % alphabet.size()];
    const Views fast = Normalize(s);
    const Views slow = NormalizeStepwise(s);
    INFO("input: [" << s << "]");
    REQUIRE(fast.literal.text == slow.literal.text);
    REQUIRE(fast.literal.begin == slow.literal.begin);
    REQUIRE(fast.literal.end == slow.literal.end);
    REQUIRE(fast.canonical.text == slow.canonical.text);
    REQUIRE(fast.canonical.begin == slow.canonical.begin);
    REQUIRE(fast.canonical.end == slow.canonical.end);
  }
}

TEST_CASE("the map-free ASCII canonical text equals the mapped one") {
  const std::string alphabet = "aAbBeEiIkKoOsSyYuUxX01345789@!$.-_ *\n,#'k y s%+~&";
  uint64_t state = 99;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t len = next() % 30;
    for (size_t i = 0; i < len; ++i) s += alphabet[next() % alphabet.size()];
    INFO("input: [" << s << "]");
    REQUIRE(CanonicalAsciiText(s) == Normalize(s).canonical.text);
  }
  CHECK(CanonicalAsciiText("i.d.i.o.t f u c k, a b") == " idiot fuck a b ");
  CHECK(CanonicalAsciiText("") == " ");
  CHECK(CanonicalAsciiText("K Y S I'm done") == " kys i m done ");
}

TEST_CASE("the map-free ASCII literal text equals the mapped one") {
  const std::vector<std::string> alphabet = {"1", "2", "5", " ", " ", "-", ".", "(", ")", ",", "a", "B", "five",
                                             "ONE", "cinco", "x", "  ", "\t", "nine", "one two", "/", "_"};
  uint64_t state = 7;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t len = next() % 20;
    for (size_t i = 0; i < len; ++i) s += alphabet[next() % alphabet.size()];
    INFO("input: [" << s << "]");
    REQUIRE(LiteralAsciiText(s) == Normalize(s).literal.text);
    REQUIRE(Normalize(s).literal.text == NormalizeStepwise(s).literal.text);
    if (!HasSpacedNumber(s)) {  // then the screen uses the comment itself
      std::string lower = s;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      REQUIRE(LiteralAsciiText(s) == lower);
    }
  }
  CHECK(HasSpacedNumber("Call FIVE five Five"));
  CHECK_FALSE(HasSpacedNumber("I have 2 kids, 3 dogs"));
}
