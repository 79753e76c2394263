#include "bot/net/redact.h"

#include <algorithm>
#include <cctype>

#include <re2/re2.h>

#include "bot/net/form.h"

namespace aasr::net {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsSecretParam(const std::string& name) {
  static const char* kNames[] = {"access_token", "token",           "password",     "client_secret",
                                 "appsecret_proof", "code",         "input_token",  "fb_exchange_token",
                                 "refresh_token", "hub.verify_token", "api_key",    "secret"};
  std::string n = Lower(name);
  for (const char* k : kNames) {
    if (n == k) return true;
  }
  return false;
}

}  // namespace

bool IsSecretHeader(const std::string& name) {
  std::string n = Lower(name);
  if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie") return true;
  // Idempotency-Key is not a secret; keep it visible (it helps reconcile).
  if (n == "idempotency-key") return false;
  return n.find("token") != std::string::npos || n.find("secret") != std::string::npos ||
         n.find("key") != std::string::npos || n.find("signature") != std::string::npos;
}

Headers RedactHeaders(const Headers& headers) {
  Headers out = headers;
  for (auto& [k, v] : out) {
    if (IsSecretHeader(k)) v = "REDACTED";
  }
  return out;
}

std::string RedactUrl(const std::string& url) {
  size_t qm = url.find('?');
  if (qm == std::string::npos) return url;
  std::string base = url.substr(0, qm + 1);
  std::string query = url.substr(qm + 1);
  std::string fragment;
  size_t hash = query.find('#');
  if (hash != std::string::npos) {
    fragment = query.substr(hash);
    query.resize(hash);
  }
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string part = query.substr(start, amp - start);
    size_t eq = part.find('=');
    if (eq != std::string::npos && IsSecretParam(UrlDecode(part.substr(0, eq)))) {
      part = part.substr(0, eq + 1) + "REDACTED";
    }
    if (!out.empty() || start > 0) out += '&';
    out += part;
    start = amp + 1;
  }
  return base + out + fragment;
}

std::string RedactText(const std::string& text) {
  static const RE2 kJsonField(
      R"re((?i)("(?:[a-z_]*(?:jwt|token|password|secret|cookie)[a-z_]*)"\s*:\s*")(?:[^"\\]|\\.)*")re");
  static const RE2 kFormField(
      R"re((?i)(\b(?:access_token|refresh_token|password|client_secret|appsecret_proof|token)=)[^&\s]*)re");
  static const RE2 kBearer(R"re((?i)(bearer\s+)[A-Za-z0-9._~+/=-]+)re");
  static const RE2 kJwt(R"re(eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)re");
  std::string out = text;
  RE2::GlobalReplace(&out, kJsonField, R"(\1REDACTED")");
  RE2::GlobalReplace(&out, kFormField, R"(\1REDACTED)");
  RE2::GlobalReplace(&out, kBearer, R"(\1REDACTED)");
  RE2::GlobalReplace(&out, kJwt, "REDACTED");
  return out;
}

}  // namespace aasr::net
