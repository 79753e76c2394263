// What the review server believes about a request that may have come
// through a reverse proxy: the client's address, the scheme the browser
// used, whether a state change comes from our own page, and the base path
// the page is published under. Transport-free: it reads a Request.
//
// Promises:
// - ClientAddress: the peer's address, unless the peer is a trusted proxy;
//   then X-Forwarded-For is read from the right, skipping trusted proxies,
//   and the first address that is not one is the client (what a client
//   writes into the header itself sits to the left of what our proxies
//   appended, so it is never believed). All trusted: the left-most. A
//   malformed entry stops the walk at the last trusted hop. Without trusted
//   proxies the header is ignored.
// - Scheme: X-Forwarded-Proto from a trusted proxy, else "http" (the server
//   itself speaks plain HTTP only).
// - CrossSiteRefusal: for a request that changes state. A browser says
//   where a request comes from (Origin; Sec-Fetch-Site in current
//   browsers): anything but our own origin (the public URL's, or without
//   one the scheme and Host the request came with) is refused, and so are
//   Origin "null" and Sec-Fetch-Site other than same-origin/none. A client
//   that sends neither (curl, the CLI, tests) is not a browser a foreign page
//   could drive, and passes; the CSRF token still guards its cookie calls.
// - StripBasePath: "/aasr/api/queue" -> "/api/queue" under base "/aasr";
//   "/aasr" -> "/". Paths without the base are left alone (a proxy that
//   strips the prefix itself works too).
// - MakeProxySettings: secure cookies on by default when the public URL is
//   https (an explicit setting wins); HSTS exactly when it is https; the
//   base path defaults to the public URL's path.
// - CheckListenUrl refuses https:// (the server has no TLS; it would start
//   and fail every handshake) with a message pointing to the proxy guide.
// Errors: kInvalidInput naming the setting (review.trusted_proxies[2], ...).
// Thread safety: pure functions over values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bot/review/http_types.h"
#include "bot/util/cidr.h"
#include "bot/util/error.h"

namespace aasr::review {

struct ProxySettings {
  std::vector<Cidr> trusted_proxies;
  std::string public_origin;  // "https://review.example.org[:port]", lower-case; "" unknown
  std::string base_path;      // "" or "/aasr" (no trailing slash)
  bool secure_cookies = false;
  bool hsts = false;          // Strict-Transport-Security on every answer
};

Result<ProxySettings> MakeProxySettings(const std::string& public_url, const std::string& base_path,
                                        const std::vector<std::string>& trusted_proxies,
                                        std::optional<bool> secure_cookies);

std::string ClientAddress(const Request& r, const ProxySettings& s);
std::string RequestScheme(const Request& r, const ProxySettings& s);
// nullopt: allowed; else the reason (answered 403 `origin`).
std::optional<std::string> CrossSiteRefusal(const Request& r, const ProxySettings& s);
void StripBasePath(const std::string& base_path, Request* r);
// The cookie's Path: "/aasr/" under a base path, else "/".
std::string CookiePath(const ProxySettings& s);
Status CheckListenUrl(const std::string& url);

constexpr const char* kHsts = "max-age=31536000";
constexpr const char* kProxyGuide =
    "README.md \"Behind a TLS reverse proxy\" and packaging/nginx/aasr-bot.conf";

}  // namespace aasr::review
