#include <catch2/catch.hpp>

#include "bot/outreach/graphics.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;

namespace {
const std::string kPosts = std::string(AASR_SOURCE_DIR) + "/posts";

std::string Messages(const aasr::Errors& errors) { return aasr::FormatErrors(errors); }
}  // namespace

TEST_CASE("the shipped catalog loads: real PNGs with alt text") {
  auto catalog = LoadGraphics(kPosts + "/graphics.yaml");
  INFO(Messages(catalog.errors()));
  REQUIRE(catalog.ok());
  REQUIRE(catalog.value().graphics.size() == 4);
  for (const Graphic& g : catalog.value().graphics) {
    CHECK(g.mime_type == "image/png");
    CHECK(g.file_bytes > 1000);
    CHECK_FALSE(g.alt.empty());
    CHECK(CountCodePoints(g.alt) <= kMaxAltChars);
  }
  const Graphic* kassa = catalog.value().Find("kassa-support");
  REQUIRE(kassa);
  CHECK(kassa->alt.find("Keeping All Students Safe Act") != std::string::npos);
  CHECK(kassa->tags == std::vector<std::string>{"KeepingAllStudentsSafeAct", "EndSeclusion"});
}

TEST_CASE("a graphic without alt text is a load error at its line and column") {
  const std::string yaml =
      "graphics:\n"
      "  - id: ok\n"
      "    file: graphics/kassa-support.png\n"
      "    alt: A described image\n"
      "  - id: no-alt\n"
      "    file: graphics/kassa-support.png\n"
      "    caption: forgot the description\n";
  auto catalog = LoadGraphicsFromString(yaml, "graphics.yaml", kPosts);
  REQUIRE_FALSE(catalog.ok());
  REQUIRE(catalog.errors().size() == 1);
  const aasr::Error& e = catalog.errors()[0];
  CHECK(e.ToString() ==
        "graphics.yaml:5:5: graphic has no 'alt' text: describe the image and repeat its words "
        "(graphic no-alt)");
}

TEST_CASE("empty, blank and over-long alt text are errors - 1000 characters is fine") {
  auto make = [](const std::string& alt) {
    return "graphics:\n  - id: g\n    file: graphics/kassa-support.png\n    alt: \"" + alt + "\"\n";
  };
  auto empty = LoadGraphicsFromString(make(""), "g.yaml", kPosts);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.errors()[0].ToString() == "g.yaml:4:10: 'alt' text is empty (graphic g)");
  CHECK_FALSE(LoadGraphicsFromString(make("   "), "g.yaml", kPosts).ok());

  std::string at_limit;
  for (int i = 0; i < 1000; ++i) at_limit += "\u00e9";  // 1000 characters, 2000 bytes
  CHECK(LoadGraphicsFromString(make(at_limit), "g.yaml", kPosts).ok());
  auto over = LoadGraphicsFromString(make(at_limit + "x"), "g.yaml", kPosts);
  REQUIRE_FALSE(over.ok());
  CHECK(over.errors()[0].message == "'alt' text has 1001 characters; the limit is 1000");
}

TEST_CASE("every problem of a catalog is reported in one pass") {
  const std::string yaml =
      "graphics:\n"
      "  - id: a\n"
      "    file: graphics/missing.png\n"
      "    alt: Something\n"
      "    captoin: typo\n"
      "    link: endseclusion.org\n"
      "    from: 2024-02-30\n"
      "  - id: a\n"
      "    file: graphics.yaml\n"
      "    alt: Something else\n"
      "    tags: ['#Good', 'two words']\n"
      "    from: 2024-05-01\n"
      "    until: 2024-04-01\n";
  auto catalog = LoadGraphicsFromString(yaml, "g.yaml", kPosts);
  REQUIRE_FALSE(catalog.ok());
  const std::string all = Messages(catalog.errors());
  INFO(all);
  CHECK(all.find("g.yaml:3:11: file not found:") != std::string::npos);
  CHECK(all.find("g.yaml:5:5: unknown key 'captoin' (did you mean 'caption'?) (graphic a)") != std::string::npos);
  CHECK(all.find("g.yaml:6:11: 'link' must be an http(s) URL") != std::string::npos);
  CHECK(all.find("g.yaml:7:11: 'from' must be a date YYYY-MM-DD") != std::string::npos);
  CHECK(all.find("g.yaml:8:9: duplicate id 'a'") != std::string::npos);
  CHECK(all.find("g.yaml:9:11: file is not a PNG or JPEG image") != std::string::npos);
  CHECK(all.find("g.yaml:11:21: tag 'two words' must be one word") != std::string::npos);
  CHECK(all.find("g.yaml:13:12: 'until' is before 'from'") != std::string::npos);
  CHECK(catalog.errors().size() == 8);
}

TEST_CASE("from/until are inclusive days") {
  Graphic g;
  REQUIRE(ParseDay("2024-02-29", &g.from_day));
  REQUIRE(ParseDay("2024-03-10", &g.until_day));
  CHECK_FALSE(g.ActiveOn(20240228));
  CHECK(g.ActiveOn(20240229));
  CHECK(g.ActiveOn(20240310));
  CHECK_FALSE(g.ActiveOn(20240311));
  int d;
  CHECK_FALSE(ParseDay("2023-02-29", &d));
  CHECK_FALSE(ParseDay("2023-13-01", &d));
}

TEST_CASE("a YAML syntax error is located") {
  auto c = LoadGraphicsFromString("graphics:\n  - id: [unclosed\n", "g.yaml", kPosts);
  REQUIRE_FALSE(c.ok());
  CHECK(c.errors()[0].where.line >= 2);
}
