#include "bot/platforms/common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bot/outreach/text_measure.h"
#include "bot/util/utf8.h"

namespace aasr::platforms {

const char* ModerationActionName(ModerationAction a) {
  switch (a) {
    case ModerationAction::kHide: return "hide";
    case ModerationAction::kUnhide: return "unhide";
    case ModerationAction::kDelete: return "delete";
    case ModerationAction::kBlock: return "block";
    case ModerationAction::kReport: return "report";
  }
  return "unknown";
}

size_t CountCodePoints(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

size_t CountGraphemes(const std::string& text) { return outreach::CountGraphemes(text); }

Status ValidatePost(const ComposedPost& post, const Capabilities& caps, const std::string& source) {
  Errors errors;
  auto add = [&](const std::string& subject, const std::string& message) {
    errors.push_back(Error{{source}, subject, message});
  };
  if (post.idempotency_key.empty()) add("idempotency_key", "a post needs an idempotency key (exactly once)");
  if (post.text.empty() && post.images.empty()) add("text", "a post needs text or an image");
  if (utf8::FindInvalid(post.text) != std::string::npos) add("text", "text is not valid UTF-8");
  if (caps.max_images >= 0 && static_cast<int>(post.images.size()) > caps.max_images) {
    add("images", std::to_string(post.images.size()) + " images; this platform takes at most " +
                      std::to_string(caps.max_images));
  }
  for (size_t i = 0; i < post.images.size(); ++i) {
    const Image& img = post.images[i];
    std::string subject = "images[" + std::to_string(i) + "]";
    if (img.file.empty()) add(subject, "image has no file");
    if (img.alt.empty()) add(subject, "image " + img.file + " has no alt text; alt text is required");
    if (img.mime_type != "image/png" && img.mime_type != "image/jpeg" && img.mime_type != "image/gif" &&
        img.mime_type != "image/webp") {
      add(subject, "unsupported image type '" + img.mime_type + "'");
    }
  }
  for (size_t i = 0; i < post.facets.size(); ++i) {
    const Facet& f = post.facets[i];
    std::string subject = "facets[" + std::to_string(i) + "]";
    auto boundary = [&](uint32_t at) {
      return at == post.text.size() ||
             (at < post.text.size() && (static_cast<unsigned char>(post.text[at]) & 0xC0) != 0x80);
    };
    if (f.byte_start >= f.byte_end || f.byte_end > post.text.size()) {
      add(subject, "byte range [" + std::to_string(f.byte_start) + ", " + std::to_string(f.byte_end) +
                       ") is outside the text (" + std::to_string(post.text.size()) + " bytes)");
    } else if (!boundary(f.byte_start) || !boundary(f.byte_end)) {
      add(subject, "byte range does not fall on UTF-8 character boundaries");
    }
    if (f.value.empty()) add(subject, "facet has no value");
  }
  if (!errors.empty()) return errors;
  return Ok{};
}

uint64_t StableHash64(const std::string& s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string StableHash(const std::string& s) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(StableHash64(s)));
  return buf;
}

std::string SafeFileName(const std::string& key) {
  std::string out;
  bool changed = key.empty() || key[0] == '.';
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '_';
      changed = true;
    }
  }
  if (out.size() > 100) {
    out.resize(100);
    changed = true;
  }
  if (changed) out += "-" + StableHash(key);
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{{path}, "", std::string("cannot open: ") + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Error{{tmp}, "", std::string("cannot create: ") + std::strerror(errno)};
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{{tmp}, "", std::string("write failed: ") + std::strerror(err)};
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error{{path}, "", std::string("rename failed: ") + std::strerror(errno)};
  }
  return Ok{};
}

}  // namespace aasr::platforms
