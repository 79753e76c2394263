// Composer edge cases, checked byte by byte.
#include <filesystem>

#include <catch2/catch.hpp>

#include "bot/outreach/composer.h"
#include "bot/outreach/text_measure.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;
using aasr::platforms::Facet;

namespace {

const std::string kPosts = std::string(AASR_SOURCE_DIR) + "/posts";
const std::string kFamily = "\U0001F469\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466";  // 25 bytes, 1 grapheme
const std::string kThumbsMedium = "\U0001F44D\U0001F3FD";                                     // 8 bytes, 1 grapheme
const std::string kECombining = "e\u0301";                                                    // 3 bytes, 1 grapheme

Templates SimpleTemplates(const std::string& story_tmpl) {
  auto t = LoadTemplatesFromString("story:\n  default:\n    - \"" + story_tmpl +
                                       "\"\ngraphic:\n  default:\n    - \"{caption}\"\n",
                                   "t.yaml");
  REQUIRE(t.ok());
  return t.value();
}

PlatformLimits Limits(const std::string& p) { return *PlatformLimits::For(p); }

ComposeInput StoryInput(const std::string& title, const std::string& excerpt, const std::string& link) {
  Story s;
  s.id = "wp:1";
  s.title = title;
  s.excerpt = excerpt;
  s.link = link;
  return FromStory(s, {});
}

std::string Cache() { return (std::filesystem::temp_directory_path() / "aasr_outreach_cache").string(); }

}  // namespace

TEST_CASE("grapheme clusters: ZWJ families, skin tones, combining marks") {
  CHECK(kFamily.size() == 25);
  CHECK(CountGraphemes(kFamily) == 1);
  CHECK(CountGraphemes(kThumbsMedium) == 1);
  CHECK(CountGraphemes(kECombining) == 1);
  CHECK(CountGraphemes("caf" + kECombining + " " + kFamily + kThumbsMedium) == 7);
  const auto b = GraphemeBoundaries("a" + kFamily + "b");
  CHECK(b == std::vector<size_t>{0, 1, 26, 27});
}

TEST_CASE("Mastodon counts every URL as 23 characters") {
  const std::string url = "https://endseclusion.example/2023/08/31/harwood-union-unified-school-district-bans-prone-restraint-and-seclusion/";
  REQUIRE(url.size() > 100);
  const Measure m = MeasureText("Read: " + url + " now", Limits("mastodon"));
  CHECK(m.units == 6 + 23 + 4);
  // Bluesky counts it as written.
  CHECK(MeasureText("Read: " + url, Limits("bluesky")).units == 6 + url.size());
  // Mastodon as the server counts: a URL after "(" weighs 23, a remote
  // mention counts its username, an emoji family once.
  const std::string fam = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  CHECK(MeasureText("(" + url + ") @parent42@school.social " + fam, Limits("mastodon")).units == 1 + 23 + 1 + 1 + 9 + 1 + 1);
}

TEST_CASE("exactly at the limit fits - one more does not") {
  const PlatformLimits bsky = Limits("bluesky");
  const std::string at300(300, 'a');
  CHECK(Fits(at300, bsky));
  CHECK_FALSE(Fits(at300 + "a", bsky));
  // 300 family emoji: 300 graphemes but 7500 bytes: the byte limit decides.
  std::string families;
  for (int i = 0; i < 120; ++i) families += kFamily;  // 120 graphemes, 3000 bytes
  CHECK(families.size() == 3000);
  CHECK(Fits(families, bsky));
  CHECK_FALSE(Fits(families + "a", bsky));
  const PlatformLimits masto = Limits("mastodon");
  CHECK(Fits(std::string(500, 'x'), masto));
  CHECK_FALSE(Fits(std::string(501, 'x'), masto));
  CHECK(Fits(std::string(63206, 'x'), Limits("facebook")));
  CHECK_FALSE(Fits(std::string(63207, 'x'), Limits("facebook")));
}

TEST_CASE("shortening cuts at a word boundary with an ellipsis") {
  const std::string text = "Restraint and seclusion should be exceedingly rare, yet they are common.";
  auto fits = [](size_t n) { return [n](const std::string& s) { return CountGraphemes(s) <= n; }; };
  CHECK(ShortenToFit(text, fits(200)) == text);
  CHECK(ShortenToFit(text, fits(40)) == "Restraint and seclusion should be\u2026");
  // "rare," loses its comma before the ellipsis.
  CHECK(ShortenToFit(text, fits(51)) == "Restraint and seclusion should be exceedingly rare\u2026");
}

TEST_CASE("shortening never cuts a URL, a hashtag or a grapheme cluster") {
  auto fits = [](size_t n) { return [n](const std::string& s) { return CountGraphemes(s) <= n; }; };
  const std::string url = "https://endseclusion.example/a/very/long/path";
  CHECK(ShortenToFit("See " + url + " today", fits(20)) == "See\u2026");
  CHECK(ShortenToFit(url + " today", fits(20)).empty());
  CHECK(ShortenToFit(url, fits(20)).empty());
  CHECK(ShortenToFit("Some excerpt", fits(4)).empty());  // never "So…"
  CHECK(ShortenToFit("#KeepingAllStudentsSafeAct now", fits(10)).empty());
  // Emoji sequences stay whole even when a single long word must be cut.
  const std::string word = "Safe" + kFamily + kThumbsMedium + "schools" + kECombining + "x";
  const std::string cut = ShortenToFit(word, fits(6));
  CHECK(cut == "Safe" + kFamily + "\u2026");
  const std::string cut2 = ShortenToFit(word, fits(7));
  CHECK(cut2 == "Safe" + kFamily + kThumbsMedium + "\u2026");
  const std::string comb = ShortenToFit("abcde" + kECombining + "fgh", fits(7));
  CHECK(comb == "abcde" + kECombining + "\u2026");
}

TEST_CASE("facets: links and tags in UTF-8 byte offsets") {
  const std::string text = "Caf" + kECombining + " " + kFamily + " #EndSeclusion https://endseclusion.example/x#frag. #2023 #Relaci\u00f3nNo\u2019s";
  const auto facets = DetectFacets(text);
  REQUIRE(facets.size() == 3);
  // Checked byte by byte against the text.
  CHECK(facets[0].type == Facet::Type::kTag);
  CHECK(facets[0].byte_start == 3 + 3 + 1 + 25 + 1);
  CHECK(text.substr(facets[0].byte_start, facets[0].byte_end - facets[0].byte_start) == "#EndSeclusion");
  CHECK(facets[0].value == "EndSeclusion");
  CHECK(facets[1].type == Facet::Type::kLink);
  CHECK(text.substr(facets[1].byte_start, facets[1].byte_end - facets[1].byte_start) ==
        "https://endseclusion.example/x#frag");
  CHECK(text[facets[1].byte_end] == '.');
  CHECK(facets[1].value == "https://endseclusion.example/x#frag");
  // "#2023" is not a tag; the curly apostrophe ends the last one.
  CHECK(facets[2].value == "Relaci\u00f3nNo");
  CHECK(text.substr(facets[2].byte_start, facets[2].byte_end - facets[2].byte_start) == "#Relaci\u00f3nNo");
}

TEST_CASE("templates: unknown placeholders and braces are located load errors") {
  auto bad = LoadTemplatesFromString(
      "story:\n  default:\n    - \"{titel} {link}\"\n    - \"{title\"\ngraphic:\n  default: [\"{caption}\"]\n",
      "templates.yaml");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.errors().size() == 2);
  CHECK(bad.errors()[0].ToString() ==
        "templates.yaml:3:7: unknown placeholder {titel} (did you mean {title}?) (story.default)");
  CHECK(bad.errors()[1].where.line == 4);
  auto shipped = LoadTemplates(kPosts + "/templates.yaml");
  INFO(aasr::FormatErrors(shipped.errors()));
  CHECK(shipped.ok());
}

TEST_CASE("empty placeholders leave no stray lines or spaces") {
  CHECK(RenderTemplate("{title}\n\n{excerpt}\n\n{link} {hashtags}",
                       {{"title", "T"}, {"excerpt", ""}, {"link", "https://x.example"}, {"hashtags", ""}}) ==
        "T\n\nhttps://x.example");
  CHECK(RenderTemplate("{{literal}} {title}", {{"title", "T"}}) == "{literal} T");
}

TEST_CASE("Bluesky story: excerpt shortened, tags faceted, external card") {
  auto t = LoadTemplates(kPosts + "/templates.yaml");
  REQUIRE(t.ok());
  Composer composer(t.value(), Cache());
  Story s;
  s.id = "https://endseclusion.example/?p=4120";
  s.title = "Harwood Union Unified School District Bans Prone Restraint and Seclusion";
  s.excerpt =
      "About a year ago, an educator, Brian Dalla Mura, began sounding the alarm about the use of prone "
      "restraint and seclusion in the Harwood Union Unified School District (HUUSD). Over the last year, "
      "Brian has repeatedly spoken at HUUSD Board of Education meetings and talked to the press about the "
      "need for change. In July\u2026";
  s.link = "https://endseclusion.example/2023/08/31/harwood-union-bans-prone-restraint/";
  auto c = composer.Compose(FromStory(s, t.value().story_hashtags), Limits("bluesky"), "aasr-bsky");
  INFO(aasr::FormatErrors(c.errors()));
  REQUIRE(c.ok());
  const auto& post = c.value().post;
  CHECK(c.value().measure.graphemes <= 300);
  CHECK(c.value().measure.graphemes > 250);  // the budget is used, not wasted
  CHECK(post.text.rfind(s.title + "\n\nAbout a year ago", 0) == 0);
  CHECK(post.text.find("\u2026\n\n#EndSeclusion #EndRestraint") != std::string::npos);
  REQUIRE(post.facets.size() == 2);
  for (const Facet& f : post.facets) {
    CHECK(f.type == Facet::Type::kTag);
    CHECK(post.text.substr(f.byte_start, f.byte_end - f.byte_start) == "#" + f.value);
  }
  REQUIRE(post.card.has_value());
  CHECK(post.card->uri == s.link);
  CHECK(post.card->title == s.title);
  CHECK(post.images.empty());
}

TEST_CASE("Mastodon story: long URL counts 23 - the excerpt fills to exactly 500") {
  Composer composer(SimpleTemplates("{title}\\n\\n{excerpt}\\n\\n{link}"), Cache());
  const std::string link = "https://endseclusion.example/" + std::string(300, 'p');
  const std::string title(468, 't');
  // 468 + 2 + "Some…" (5) + 2 + 23 (the URL) = 500 exactly.
  auto c = composer.Compose(StoryInput(title, "Some excerpt words here", link), Limits("mastodon"), "m");
  REQUIRE(c.ok());
  CHECK(c.value().post.text == title + "\n\nSome\u2026\n\n" + link);
  CHECK(c.value().measure.units == 500);
  CHECK(c.value().post.facets.empty());  // Mastodon finds links itself
  CHECK_FALSE(c.value().post.card.has_value());
}

TEST_CASE("fallback template when no shortened excerpt fits") {
  auto t = LoadTemplatesFromString(
      "story:\n  default:\n    - \"{title}\\n\\n{excerpt}\\n\\n{link}\"\n    - \"{title}\\n\\n{link}\"\n"
      "graphic:\n  default: [\"{caption}\"]\n",
      "t.yaml");
  REQUIRE(t.ok());
  Composer composer(t.value(), Cache());
  const std::string link = "https://endseclusion.example/" + std::string(300, 'p');
  const std::string title(475, 't');
  auto c = composer.Compose(StoryInput(title, "Some excerpt words here", link), Limits("mastodon"), "m");
  REQUIRE(c.ok());
  CHECK(c.value().template_index == 1);
  CHECK(c.value().post.text == title + "\n\n" + link);
  CHECK(c.value().measure.units == 500);
}

TEST_CASE("a text that cannot fit is an error, not a cut URL") {
  Composer composer(SimpleTemplates("{link}"), Cache());
  const std::string link = "https://endseclusion.example/" + std::string(400, 'p');
  auto c = composer.Compose(StoryInput("Title", "", link), Limits("bluesky"), "b");
  REQUIRE_FALSE(c.ok());
  CHECK(c.errors()[0].message.find("300 graphemes and 3000 bytes") != std::string::npos);
}

TEST_CASE("title shortened only as a last resort, at a grapheme-safe word boundary") {
  Composer composer(SimpleTemplates("{title}"), Cache());
  std::string title;
  for (int i = 0; i < 80; ++i) title += "safe" + kFamily + " ";  // 80 x 6 graphemes
  auto c = composer.Compose(StoryInput(title, "", ""), Limits("bluesky"), "b");
  REQUIRE(c.ok());
  const std::string& text = c.value().post.text;
  CHECK(c.value().measure.graphemes <= 300);
  CHECK(c.value().measure.bytes <= 3000);
  CHECK(text.size() >= 3);
  CHECK(text.substr(text.size() - 3) == "\u2026");
  CHECK(text.substr(text.size() - 3 - kFamily.size(), kFamily.size()) == kFamily);
}

TEST_CASE("graphics carry their alt text - images are never sent without it") {
  auto catalog = LoadGraphics(kPosts + "/graphics.yaml");
  REQUIRE(catalog.ok());
  auto t = LoadTemplates(kPosts + "/templates.yaml");
  Composer composer(t.value(), Cache());
  const Graphic* g = catalog.value().Find("relationships-not-restraint");
  REQUIRE(g);
  auto c = composer.Compose(FromGraphic(*g), Limits("bluesky"), "b");
  REQUIRE(c.ok());
  REQUIRE(c.value().post.images.size() == 1);
  CHECK(c.value().post.images[0].alt == g->alt);
  CHECK(c.value().post.images[0].file == g->file);  // already small enough
  CHECK_FALSE(c.value().post.card.has_value());
  CHECK(c.value().post.text == g->caption + "\n\n#RelationshipsNotRestraint");

  ComposeInput no_alt = FromGraphic(*g);
  no_alt.images[0].alt = " ";
  auto refused = composer.Compose(no_alt, Limits("mastodon"), "m");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.errors()[0].message == "image has no alt text; not sent");
}
