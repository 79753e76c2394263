#include "bot/net/form.h"

#include <cctype>

namespace aasr::net {

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string FormEncode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += UrlEncode(k);
    out += '=';
    out += UrlEncode(v);
  }
  return out;
}

Params ParseQuery(const std::string& query) {
  std::string q = query;
  size_t qm = q.find('?');
  if (qm != std::string::npos) q = q.substr(qm + 1);
  size_t hash = q.find('#');
  if (hash != std::string::npos) q.resize(hash);
  Params out;
  size_t start = 0;
  while (start <= q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string::npos) amp = q.size();
    std::string part = q.substr(start, amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      if (eq == std::string::npos) {
        out.emplace_back(UrlDecode(part), "");
      } else {
        out.emplace_back(UrlDecode(part.substr(0, eq)), UrlDecode(part.substr(eq + 1)));
      }
    }
    start = amp + 1;
  }
  return out;
}

std::string WithQuery(const std::string& url, const Params& params) {
  if (params.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + FormEncode(params);
}

Multipart::Multipart(std::string boundary) : boundary_(std::move(boundary)) {}

void Multipart::AddField(const std::string& name, const std::string& value) {
  body_ += "--" + boundary_ + "\r\n";
  body_ += "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n";
  body_ += value;
  body_ += "\r\n";
}

void Multipart::AddFile(const std::string& name, const std::string& filename,
                        const std::string& mime_type, const std::string& bytes) {
  body_ += "--" + boundary_ + "\r\n";
  body_ += "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n";
  body_ += "Content-Type: " + mime_type + "\r\n\r\n";
  body_ += bytes;
  body_ += "\r\n";
}

std::string Multipart::content_type() const { return "multipart/form-data; boundary=" + boundary_; }

std::string Multipart::body() const { return body_ + "--" + boundary_ + "--\r\n"; }

}  // namespace aasr::net
