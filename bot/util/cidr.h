// IP addresses and CIDR ranges (IPv4 and IPv6), for deciding which peers are
// trusted proxies (bot/review/client_address.h, the config's
// `review.trusted_proxies`).
//
// Promises: ParseCidr accepts "10.0.0.0/8", "::1/128", and a bare address
// (a range of one); an IPv4-mapped IPv6 address (::ffff:10.1.2.3, as dual-
// stack sockets report IPv4 peers) matches the IPv4 range it maps to. Bits
// past the prefix are ignored. Contains() is false for text that is not an
// address. Errors: kInvalidInput naming the text and what is wrong.
// Thread safety: values; no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/util/error.h"

namespace aasr {

// 16 bytes; an IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d).
using IpBytes = std::array<uint8_t, 16>;
std::optional<IpBytes> ParseIp(const std::string& text);

struct Cidr {
  IpBytes base{};
  int prefix = 128;  // in IPv6 bits (an IPv4 /8 is stored as /104)
  bool Contains(const IpBytes& ip) const;
  bool Contains(const std::string& ip) const;
};

Result<Cidr> ParseCidr(const std::string& text);

// Any of the ranges.
bool AnyContains(const std::vector<Cidr>& ranges, const std::string& ip);

}  // namespace aasr
