#include "bot/review/static_files.h"

#include <fstream>
#include <sstream>

namespace aasr::review {

std::string ContentTypeFor(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".json")) return "application/json; charset=utf-8";
  return "application/octet-stream";
}

Response StaticFiles::Serve(const Request& r) const {
  Response resp;
  if (r.method != "GET" && r.method != "HEAD") {
    resp.status = 405;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "method not allowed\n";
    return resp;
  }
  std::string rel = r.path == "/" ? "index.html" : r.path.substr(1);
  auto not_found = [&] {
    resp.status = 404;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "not found\n";
    return resp;
  };
  if (rel.empty() || rel.find("..") != std::string::npos || rel[0] == '/') return not_found();
  if (!dir_.empty()) {
    std::ifstream in(dir_ + "/" + rel, std::ios::binary);
    if (!in) return not_found();
    std::ostringstream ss;
    ss << in.rdbuf();
    resp.body = ss.str();
  } else {
    bool found = false;
    for (const Asset& a : EmbeddedAssets()) {
      if (a.path == rel) {
        resp.body = std::string(a.data);
        found = true;
        break;
      }
    }
    if (!found) return not_found();
  }
  resp.content_type = ContentTypeFor(rel);
  // The page is small and changes with the binary; revalidate each load.
  resp.headers.push_back({"Cache-Control", "no-cache"});
  if (r.method == "HEAD") resp.body.clear();
  return resp;
}

}  // namespace aasr::review
