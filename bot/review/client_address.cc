#include "bot/review/client_address.h"

#include <algorithm>
#include <cctype>

namespace aasr::review {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// "scheme://host[:port]" lower-case without the scheme's default port, and
// the path after it; nullopt when not an http(s) URL.
struct Url {
  std::string origin, path;
};
std::optional<Url> SplitUrl(const std::string& url) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  const std::string scheme = Lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const size_t path = url.find('/', sep + 3);
  std::string authority = Lower(url.substr(sep + 3, path == std::string::npos ? std::string::npos : path - sep - 3));
  if (authority.empty()) return std::nullopt;
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (authority.size() > default_port.size() &&
      authority.compare(authority.size() - default_port.size(), default_port.size(), default_port) == 0)
    authority.resize(authority.size() - default_port.size());
  return Url{scheme + "://" + authority, path == std::string::npos ? "" : url.substr(path)};
}

std::string NormalOrigin(const std::string& origin) {
  auto u = SplitUrl(origin);
  return u ? u->origin : Lower(origin);
}

}  // namespace

Result<ProxySettings> MakeProxySettings(const std::string& public_url, const std::string& base_path,
                                        const std::vector<std::string>& trusted_proxies,
                                        std::optional<bool> secure_cookies) {
  ProxySettings s;
  Errors errors;
  auto bad = [&](const std::string& key, const std::string& message) {
    errors.push_back(Error{{"", 0, 0}, key, message, ErrorCode::kInvalidInput});
  };
  std::string path;
  if (!public_url.empty()) {
    auto u = SplitUrl(public_url);
    if (!u || u->path.find_first_of("?#") != std::string::npos)
      bad("review.public_url", "'" + public_url + "' is not an http(s) URL such as https://review.example.org/aasr");
    else {
      s.public_origin = u->origin;
      path = u->path;
    }
  }
  if (!base_path.empty()) path = base_path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (!path.empty() && (path[0] != '/' || path.find_first_of("?#% ") != std::string::npos ||
                        path.find("..") != std::string::npos))
    bad("review.base_path", "'" + path + "' must be a path such as /aasr");
  else
    s.base_path = path;
  for (size_t i = 0; i < trusted_proxies.size(); ++i) {
    auto c = ParseCidr(trusted_proxies[i]);
    if (!c.ok()) bad("review.trusted_proxies[" + std::to_string(i) + "]", c.errors().front().message);
    else s.trusted_proxies.push_back(c.value());
  }
  const bool https = s.public_origin.rfind("https://", 0) == 0;
  s.hsts = https;
  s.secure_cookies = secure_cookies.value_or(https);
  if (!errors.empty()) return errors;
  return s;
}

std::string ClientAddress(const Request& r, const ProxySettings& s) {
  if (s.trusted_proxies.empty() || !AnyContains(s.trusted_proxies, r.remote_address)) return r.remote_address;
  std::vector<std::string> hops;
  const std::string xff = r.Header("x-forwarded-for");
  for (size_t b = 0; b <= xff.size();) {
    size_t e = xff.find(',', b);
    if (e == std::string::npos) e = xff.size();
    hops.push_back(Trim(xff.substr(b, e - b)));
    b = e + 1;
  }
  if (xff.empty()) hops.clear();
  std::string client = r.remote_address;  // the last trusted hop so far
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!ParseIp(*it)) return client;  // a malformed entry: believe nothing left of it
    client = *it;
    if (!AnyContains(s.trusted_proxies, *it)) return client;
  }
  return client;
}

std::string RequestScheme(const Request& r, const ProxySettings& s) {
  if (!s.trusted_proxies.empty() && AnyContains(s.trusted_proxies, r.remote_address)) {
    const std::string proto = Lower(Trim(r.Header("x-forwarded-proto")));
    if (proto == "https" || proto == "http") return proto;
  }
  return "http";
}

std::optional<std::string> CrossSiteRefusal(const Request& r, const ProxySettings& s) {
  const std::string site = Lower(r.Header("sec-fetch-site"));
  if (!site.empty() && site != "same-origin" && site != "none")
    return "refused: this request came from another site (Sec-Fetch-Site: " + site + ")";
  auto it = r.headers.find("origin");
  if (it == r.headers.end()) return std::nullopt;
  const std::string origin = NormalOrigin(Trim(it->second));
  std::string expected = s.public_origin;
  if (expected.empty()) {
    const std::string host = Lower(Trim(r.Header("host")));
    if (!host.empty()) expected = NormalOrigin(RequestScheme(r, s) + "://" + host);
  }
  if (origin == "null" || expected.empty() || origin != expected)
    return "refused: this request came from another origin than the review page's";
  return std::nullopt;
}

void StripBasePath(const std::string& base_path, Request* r) {
  if (base_path.empty() || r->path.compare(0, base_path.size(), base_path) != 0) return;
  if (r->path.size() == base_path.size()) r->path = "/";
  else if (r->path[base_path.size()] == '/') r->path.erase(0, base_path.size());
}

std::string CookiePath(const ProxySettings& s) { return s.base_path + "/"; }

Status CheckListenUrl(const std::string& url) {
  if (Lower(url.substr(0, 8)) == "https://")
    return Error{{"", 0, 0}, "listen",
                 "'" + url + "': the review server does not serve TLS itself. Listen on plain "
                 "http://127.0.0.1:PORT and put a TLS reverse proxy in front (see " + kProxyGuide +
                 "), with review.public_url set to the https:// address",
                 ErrorCode::kUnsupported};
  return Ok{};
}

}  // namespace aasr::review
