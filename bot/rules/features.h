// Facts about a comment's text that rules compare against: links and their
// domains (FindLinkDomains, the costly one, computed only when a rule asks),
// @mentions, the share of capital letters, the length (ComputeFeatures).
// Computed from the original text. Pure functions, thread safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aasr::rules {

struct TextFeatures {
  int mentions = 0;                       // @handle mentions (not e-mail addresses)
  double caps_ratio = 0;                  // capitals / letters; 0 below 12 letters
  int length = 0;                         // code points
};

TextFeatures ComputeFeatures(std::string_view text);

// The lowercased host (without "www.") of each link. A link is a URL with a
// scheme, a host starting with "www.", or a bare host with a well-known
// top-level domain ("bit.ly/x", "example.com").
std::vector<std::string> FindLinkDomains(std::string_view text);

}  // namespace aasr::rules
