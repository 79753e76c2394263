// Downscaling with libvips: an image over a platform's limit is never sent as is.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <vips/vips8>

#include "bot/outreach/composer.h"
#include "bot/outreach/image_fit.h"

using namespace aasr::outreach;

namespace {

// A 1600x1600 PNG of noise: about 7 MB, because noise does not compress.
std::string MakeBigPng(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "noise.png").string();
  if (!std::filesystem::exists(path)) {
    REQUIRE(VIPS_INIT("outreach_tests") == 0);
    vips::VImage noise = vips::VImage::gaussnoise(1600, 1600, vips::VImage::option()->set("sigma", 80.0)->set("mean", 128.0));
    vips::VImage rgb = noise.bandjoin({noise.rot90(), noise.rot180()}).cast(VIPS_FORMAT_UCHAR);
    rgb.pngsave(path.c_str(), vips::VImage::option()->set("compression", 1));
  }
  return path;
}

size_t FileSize(const std::string& p) { return std::filesystem::file_size(p); }

}  // namespace

TEST_CASE("an image over the byte limit is downscaled under it") {
  const auto dir = std::filesystem::temp_directory_path() / "aasr_outreach_images";
  const std::string big = MakeBigPng(dir);
  REQUIRE(FileSize(big) > 2000000);
  auto fitted = FitImage(big, 2000000, (dir / "cache").string());
  INFO(aasr::FormatErrors(fitted.errors()));
  REQUIRE(fitted.ok());
  CHECK(fitted.value().downscaled);
  CHECK(fitted.value().mime_type == "image/jpeg");
  CHECK(fitted.value().bytes <= 2000000);
  CHECK(FileSize(fitted.value().file) == fitted.value().bytes);
  CHECK(fitted.value().width > 0);

  auto thumb = FitImage(big, 1000000, (dir / "cache").string());
  REQUIRE(thumb.ok());
  CHECK(FileSize(thumb.value().file) <= 1000000);

  auto small = FitImage(big, 100 * 1024 * 1024, (dir / "cache").string());
  REQUIRE(small.ok());
  CHECK_FALSE(small.value().downscaled);
  CHECK(small.value().file == big);
}

TEST_CASE("the composer sends Bluesky the downscaled copy, Mastodon the original") {
  const auto dir = std::filesystem::temp_directory_path() / "aasr_outreach_images";
  const std::string big = MakeBigPng(dir);
  Graphic g;
  g.id = "noise";
  g.file = big;
  g.alt = "Grey and colored static noise, a test image";
  g.caption = "Test caption";
  g.mime_type = "image/png";
  auto t = LoadTemplatesFromString("story:\n  default: [\"{title}\"]\ngraphic:\n  default: [\"{caption}\"]\n", "t.yaml");
  REQUIRE(t.ok());
  Composer composer(t.value(), (dir / "cache").string());
  auto bsky = composer.Compose(FromGraphic(g), *PlatformLimits::For("bluesky"), "b");
  REQUIRE(bsky.ok());
  REQUIRE(bsky.value().post.images.size() == 1);
  CHECK(bsky.value().post.images[0].file != big);
  CHECK(FileSize(bsky.value().post.images[0].file) <= 2000000);
  CHECK(bsky.value().post.images[0].mime_type == "image/jpeg");
  CHECK(bsky.value().post.images[0].alt == g.alt);
  auto masto = composer.Compose(FromGraphic(g), *PlatformLimits::For("mastodon"), "m");
  REQUIRE(masto.ok());
  CHECK(masto.value().post.images[0].file == big);
}

TEST_CASE("a file that is not an image is an error naming it") {
  const auto dir = std::filesystem::temp_directory_path() / "aasr_outreach_images";
  std::filesystem::create_directories(dir);
  const std::string bad = (dir / "not-an-image.png").string();
  {
    std::ofstream out(bad);
    out << std::string(3000, 'x');
  }
  auto r = FitImage(bad, 1000, (dir / "cache").string());
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].where.file == bad);
}
