// GraphicsCatalog: the advocacy graphics organizers list in posts/graphics.yaml.
//
// Each entry: id (unique), file (relative to the posts directory; PNG or
// JPEG), alt (REQUIRED, non-empty, at most 1000 characters: AASR is a
// disability rights organization and an image without a description is not
// published), caption, link (http/https), tags (without '#'), campaign, and
// optional from/until dates (YYYY-MM-DD, inclusive, in the schedule's zone).
//
// Load() collects every problem in one pass, each as file:line:column with
// the graphic's id as subject; a catalog with any error is not returned.
// The loaded catalog is immutable and safe to share between threads.
#pragma once

#include <string>
#include <vector>

#include "bot/outreach/text_measure.h"
#include "bot/util/error.h"

namespace aasr::outreach {

inline constexpr size_t kMaxAltChars = 1000;
// Files past this are refused outright: the composer downscales to each
// platform's limit, but a 50 MB original is a mistake worth a load error.
inline constexpr size_t kMaxGraphicFileBytes = 20 * 1024 * 1024;

struct Graphic {
  std::string id;
  std::string file;       // absolute or relative to the working directory
  std::string alt;
  std::string caption;
  std::string link;
  std::vector<std::string> tags;
  std::string campaign;
  int from_day = 0;       // YYYYMMDD, 0 = no lower bound
  int until_day = 0;      // YYYYMMDD, 0 = no upper bound
  std::string mime_type;  // from the file's magic bytes
  size_t file_bytes = 0;

  bool ActiveOn(int yyyymmdd) const {
    return (from_day == 0 || yyyymmdd >= from_day) && (until_day == 0 || yyyymmdd <= until_day);
  }
};

struct GraphicsCatalog {
  std::string path;  // the YAML file
  std::vector<Graphic> graphics;

  const Graphic* Find(const std::string& id) const {
    for (const Graphic& g : graphics)
      if (g.id == id) return &g;
    return nullptr;
  }
};

// `yaml_path` is posts/graphics.yaml; files resolve relative to its directory.
Result<GraphicsCatalog> LoadGraphics(const std::string& yaml_path);
Result<GraphicsCatalog> LoadGraphicsFromString(const std::string& text, const std::string& name,
                                               const std::string& base_dir);

// "2024-03-10" -> 20240310; false if not a real calendar date.
bool ParseDay(const std::string& text, int* yyyymmdd);

}  // namespace aasr::outreach
