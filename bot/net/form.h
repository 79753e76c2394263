// Encoders for request bodies and query strings: percent-encoding,
// application/x-www-form-urlencoded (repeated keys allowed, e.g. Mastodon's
// media_ids[]), and multipart/form-data with file parts (media uploads).
// Pure functions and a value type; thread-compatible.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace aasr::net {

using Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 unreserved characters kept; everything else %XX (UTF-8 bytes).
std::string UrlEncode(const std::string& s);
std::string UrlDecode(const std::string& s);

// "a=1&b=x%20y" (form encoding uses %20 for space, which every server accepts).
std::string FormEncode(const Params& params);

// Parses "a=1&b=2" (also the part after '?' of a URL) into pairs, decoded.
Params ParseQuery(const std::string& query);

// url + "?" + FormEncode(params), or url unchanged when params is empty.
std::string WithQuery(const std::string& url, const Params& params);

class Multipart {
 public:
  // `boundary` is injected for deterministic tests; it must not occur in the parts.
  explicit Multipart(std::string boundary = "aasr-bot-boundary-7f3c9d1e0b2a");
  void AddField(const std::string& name, const std::string& value);
  void AddFile(const std::string& name, const std::string& filename,
               const std::string& mime_type, const std::string& bytes);
  std::string content_type() const;  // multipart/form-data; boundary=...
  std::string body() const;          // complete, with the closing boundary

 private:
  std::string boundary_;
  std::string body_;
};

}  // namespace aasr::net
