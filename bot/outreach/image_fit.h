// Making an image fit a platform's byte limit, with libvips.
//
// FitImage() returns the original path when the file is already within
// `max_bytes`; otherwise it writes a downscaled JPEG (white background
// under any transparency) into `cache_dir` and returns that path. The output
// is verified to be within the limit; an image that cannot be brought under
// it is an Error, never an oversized upload. Output names are derived from
// the source path, size and limit, so repeated calls reuse the same file.
// Thread safety: libvips is initialised once; calls may run concurrently.
#pragma once

#include <cstddef>
#include <string>

#include "bot/util/error.h"

namespace aasr::outreach {

struct FittedImage {
  std::string file;
  std::string mime_type;
  size_t bytes = 0;
  int width = 0;
  int height = 0;
  bool downscaled = false;
};

Result<FittedImage> FitImage(const std::string& file, size_t max_bytes, const std::string& cache_dir);

}  // namespace aasr::outreach
