#include "bot/util/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace aasr {

std::optional<IpBytes> ParseIp(const std::string& text) {
  IpBytes out{};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool Cidr::Contains(const IpBytes& ip) const {
  int bits = prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip[i] & mask) != (base[i] & mask)) return false;
  }
  return true;
}

bool Cidr::Contains(const std::string& ip) const {
  auto b = ParseIp(ip);
  return b && Contains(*b);
}

Result<Cidr> ParseCidr(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Error{{"", 0, 0}, text, "'" + text + "' is not an IP address or CIDR range: " + why,
                 ErrorCode::kInvalidInput};
  };
  const size_t slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  auto ip = ParseIp(addr);
  if (!ip) return bad("expected e.g. 127.0.0.1, 10.0.0.0/8 or ::1");
  const bool v4 = addr.find(':') == std::string::npos;
  Cidr c;
  c.base = *ip;
  c.prefix = 128;
  if (slash != std::string::npos) {
    const std::string n = text.substr(slash + 1);
    int bits = -1;
    auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), bits);
    const int max = v4 ? 32 : 128;
    if (n.empty() || ec != std::errc() || p != n.data() + n.size() || bits < 0 || bits > max)
      return bad("the prefix length must be 0 to " + std::to_string(max));
    c.prefix = v4 ? 96 + bits : bits;
  }
  return c;
}

bool AnyContains(const std::vector<Cidr>& ranges, const std::string& ip) {
  auto b = ParseIp(ip);
  if (!b) return false;
  for (const Cidr& c : ranges)
    if (c.Contains(*b)) return true;
  return false;
}

}  // namespace aasr
