#include "bot/rules/features.h"

#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>
#include <set>

#include "bot/util/utf8.h"

namespace aasr::rules {
namespace {

const RE2& LinkPattern() {
  // scheme? host (labels.tld) then an optional path; case-insensitive.
  static const RE2 re(
      R"((?i)(https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24}))(?:[:/?#][^\s<>"']*)?)");
  return re;
}

const std::set<std::string>& CommonTlds() {
  static const std::set<std::string> tlds = {
      "com", "org",  "net",  "gov",  "edu",  "io",   "ly",  "co",    "me",   "info", "biz",  "xyz",
      "us",  "uk",   "ca",   "de",   "app",  "link", "site", "online", "top", "click", "shop", "live",
      "tv",  "gl",   "gd",   "cc",   "ru",   "cn",   "to",  "ai",    "dev",  "social", "news", "store",
      "fr",  "es",   "it",   "nl",   "au",   "in",   "tk",  "ml",    "ga",   "cf",   "gq",   "ws",
      "be",  "at",   "ch",   "se",   "no",   "pl",   "eu",  "mil",   "int",  "fm",   "am",   "page"};
  return tlds;
}

bool IsWordByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

std::vector<std::string> FindLinkDomains(std::string_view text) {
  std::vector<std::string> domains;
  // A host has a dot followed by a letter or digit ("bit.ly"); the dots that
  // end sentences do not, so most comments are done here.
  bool maybe_host = false;
  for (size_t dot = text.find('.'); dot != std::string_view::npos && !maybe_host; dot = text.find('.', dot + 1)) {
    maybe_host = dot + 1 < text.size() && std::isalnum(static_cast<unsigned char>(text[dot + 1]));
  }
  if (!maybe_host) return domains;
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece scheme, host, tld;
  const char* const start = text.data();
  while (RE2::FindAndConsume(&input, LinkPattern(), &scheme, &host, &tld)) {
    const size_t host_begin = static_cast<size_t>(host.data() - start);
    // Part of an e-mail address or of a longer word: not a link.
    if (scheme.empty() && host_begin > 0 && (text[host_begin - 1] == '@' || IsWordByte(text[host_begin - 1]))) continue;
    std::string h(host.data(), host.size());
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string t(tld.data(), tld.size());
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    const bool www = h.rfind("www.", 0) == 0;
    if (scheme.empty() && !www && CommonTlds().count(t) == 0) continue;
    if (www) h.erase(0, 4);
    domains.push_back(h);
  }
  return domains;
}

TextFeatures ComputeFeatures(std::string_view text) {
  TextFeatures f;
  // Mentions: '@' at a word start followed by a handle character.
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '@') continue;
    if (i > 0 && IsWordByte(text[i - 1])) continue;
    if (std::isalnum(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '_') ++f.mentions;
  }
  // Letters, capitals, length.
  int letters = 0, capitals = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp;
    size_t len;
    if (!utf8::Decode(text, pos, &cp, &len)) cp = 0xFFFD;
    ++f.length;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    if (cat == UTF8PROC_CATEGORY_LU) ++letters, ++capitals;
    else if (cat >= UTF8PROC_CATEGORY_LL && cat <= UTF8PROC_CATEGORY_LO) ++letters;
    pos += len;
  }
  f.caps_ratio = letters >= 12 ? static_cast<double>(capitals) / letters : 0.0;
  return f;
}

}  // namespace aasr::rules
