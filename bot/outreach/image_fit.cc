#include "bot/outreach/image_fit.h"

#include <cmath>
#include <filesystem>
#include <functional>
#include <mutex>

#include <vips/vips8>

namespace aasr::outreach {
namespace {

bool InitVips() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = VIPS_INIT("aasr-bot") == 0; });
  return ok;
}

std::string MimeOf(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".png" || ext == ".PNG") return "image/png";
  return "image/jpeg";
}

}  // namespace

Result<FittedImage> FitImage(const std::string& file, size_t max_bytes, const std::string& cache_dir) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return Error{{file, 0, 0}, "", "cannot read image: " + ec.message()};
  if (!InitVips()) return Error{{file, 0, 0}, "", "libvips failed to initialise"};
  try {
    vips::VImage image = vips::VImage::new_from_file(file.c_str(), vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    FittedImage out{file, MimeOf(file), static_cast<size_t>(size), image.width(), image.height(), false};
    if (size <= max_bytes) return out;

    std::filesystem::create_directories(cache_dir, ec);
    if (ec) return Error{{cache_dir, 0, 0}, "", "cannot create image cache: " + ec.message()};
    const std::string stem = std::filesystem::path(file).stem().string() + "-" +
                             std::to_string(std::hash<std::string>{}(file) % 1000000) + "-" +
                             std::to_string(size) + "-" + std::to_string(max_bytes);
    const std::string target = (std::filesystem::path(cache_dir) / (stem + ".jpg")).string();

    vips::VImage src = vips::VImage::new_from_file(file.c_str());
    if (src.has_alpha()) src = src.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    // JPEG at quality 85 is usually far smaller than the PNG; start at the
    // scale the byte ratio suggests and shrink by 20% until it fits.
    double scale = std::min(1.0, std::sqrt(static_cast<double>(max_bytes) / static_cast<double>(size)) * 1.5);
    for (int attempt = 0; attempt < 12; ++attempt) {
      vips::VImage scaled = scale < 1.0 ? src.resize(scale) : src;
      scaled.jpegsave(target.c_str(), vips::VImage::option()->set("Q", 85)->set("strip", true));
      const auto bytes = std::filesystem::file_size(target, ec);
      if (!ec && bytes <= max_bytes) {
        return FittedImage{target, "image/jpeg", static_cast<size_t>(bytes), scaled.width(),
                           scaled.height(), true};
      }
      scale *= 0.8;
      if (scaled.width() < 64 || scaled.height() < 64) break;
    }
    std::filesystem::remove(target, ec);
    return Error{{file, 0, 0}, "", "image cannot be made smaller than " + std::to_string(max_bytes) + " bytes"};
  } catch (const vips::VError& e) {
    return Error{{file, 0, 0}, "", std::string("cannot process image: ") + e.what()};
  }
}

}  // namespace aasr::outreach
