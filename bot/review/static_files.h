// The review page's files (bot/review/web), compiled into the binary.
//
// Promises: Serve() answers GET/HEAD for "/" (index.html) and for any file of
// the page by its relative path, with its content type; anything else is 404.
// With a directory given, files are read from it instead (for editing the
// page without rebuilding); paths with ".." are refused.
// Thread safety: Serve() is const and may run concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bot/review/http_types.h"

namespace aasr::review {

struct Asset {
  std::string_view path;  // relative to bot/review/web, e.g. "app.js"
  std::string_view data;
};

// Generated at build time by embed.cmake.
const std::vector<Asset>& EmbeddedAssets();

class StaticFiles {
 public:
  explicit StaticFiles(std::string dir = "") : dir_(std::move(dir)) {}
  Response Serve(const Request& r) const;

 private:
  std::string dir_;
};

std::string ContentTypeFor(std::string_view path);

}  // namespace aasr::review
