// Facts about a comment's text that rules compare against: links and their
// domains, @mentions, the share of capital letters, the length. Computed from
// the original text. Pure functions, thread safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aasr::rules {

struct TextFeatures {
  std::vector<std::string> link_domains;  // lowercased host without "www.", one per link
  int mentions = 0;                       // @handle mentions (not e-mail addresses)
  double caps_ratio = 0;                  // capitals / letters; 0 below 12 letters
  int length = 0;                         // code points
};

// A link is a URL with a scheme, a host starting with "www.", or a bare
// host with a well-known top-level domain ("bit.ly/x", "example.com").
TextFeatures ComputeFeatures(std::string_view text);

// Only the link domains (the costly part), for rules that need nothing else.
std::vector<std::string> FindLinkDomains(std::string_view text);

}  // namespace aasr::rules
