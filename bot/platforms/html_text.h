// Plain text from the small HTML subset Mastodon puts in Status.content
// (<p>, <br>, <a>, <span>): tags dropped, paragraphs and line breaks kept as
// newlines, the five XML entities and numeric character references decoded.
// The rule engine screens what a reader sees, so invisible markup must not
// split or hide words. Pure; thread-safe.
#pragma once

#include <string>

namespace aasr::platforms {

std::string HtmlToText(const std::string& html);

}  // namespace aasr::platforms
