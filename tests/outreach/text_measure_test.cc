// The one text-measuring module: per-platform rules, and the composer and
// the adapters' reply count agreeing on every text because they call it.
#include <catch2/catch.hpp>

#include "bot/outreach/composer.h"
#include "bot/outreach/text_measure.h"
#include "bot/platforms/replies.h"

using namespace aasr;
using namespace aasr::outreach;

namespace {

// "e" + combining acute, a family joined with ZWJ, a thumbs-up with a tone.
const std::string kCombining = "e\xCC\x81";
const std::string kFamily = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
const std::string kThumb = "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD";

}  // namespace

TEST_CASE("text measure: each platform's unit", "[text_measure]") {
  CHECK(TextUnitFor("mastodon") == TextUnit::kMastodon);
  CHECK(TextUnitFor("bluesky") == TextUnit::kGraphemes);
  CHECK(TextUnitFor("facebook") == TextUnit::kCodePoints);
  CHECK(TextUnitFor("local") == TextUnit::kCodePoints);
  CHECK(TextUnitFor("") == TextUnit::kCodePoints);

  // "caf" + "e" + U+0301, a space, a ZWJ family of three, a thumb with a
  // skin tone: 7 graphemes, 13 code points.
  const std::string text = "caf" + kCombining + " " + kFamily + kThumb;
  CHECK(CountPlatformText("bluesky", text) == 7);
  CHECK(CountPlatformText("facebook", text) == 13);
  CHECK(CountPlatformText("mastodon", text) == 7);  // Mastodon counts graphemes too
  CHECK(CountCodePoints(text) == 13);
  CHECK(CountCodePoints("\x80") == 0);  // a stray continuation byte starts nothing

  // A URL weighs characters_reserved_per_url on Mastodon only, wherever it
  // stands; a remote mention counts its username.
  const std::string url = "https://aasr.example/a/very/long/path/that/goes/on/and/on";
  const std::string post = "(" + url + ") @moderator@remote.example";
  CHECK(CountPlatformText("mastodon", post) == 1 + 23 + 2 + 10);
  CHECK(CountPlatformText("mastodon", post, 30) == 1 + 30 + 2 + 10);
  CHECK(CountPlatformText("bluesky", post) == CountGraphemes(post));
  CHECK(CountPlatformText("facebook", post) == post.size());  // all ASCII
}

TEST_CASE("text measure: the composer and the adapters count the same", "[text_measure]") {
  const std::vector<std::string> texts = {
      "",
      "plain words",
      "caf" + kCombining + " " + kFamily + " " + kThumb,
      "Read this: https://aasr.example/residential-care-and-relational-safety, then #Healing",
      "(https://aasr.example/x) \"https://aasr.example/y\" @a@b.example @local",
      std::string(600, 'x'),
  };
  for (const std::string platform : {"mastodon", "bluesky", "facebook"}) {
    const auto limits = PlatformLimits::For(platform);
    REQUIRE(limits);
    CHECK(limits->unit == TextUnitFor(platform));
    for (const std::string& t : texts) {
      INFO(platform << ": " << t);
      const size_t module = CountPlatformText(platform, t);
      CHECK(MeasureText(t, *limits).units == module);
      CHECK(platforms::CountReplyText(platform, t) == module);
    }
  }
}
