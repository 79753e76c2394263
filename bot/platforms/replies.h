// What answering people looks like per platform, in one place, so the
// adapters, the moderation policy's KnownCapabilities (no adapter at hand:
// `aasr-bot serve`) and the review page say the same thing.
//
// Promises: SetReplyCapabilities fills Capabilities' reply_* fields for a
// platform name ("mastodon", "bluesky", "facebook", "local"; anything else:
// no replies, with a note saying so). ReplyText is the exact text an adapter
// sends for a moderator's words (Mastodon: the author's @handle first, so the
// reply reaches them and a direct one is visible to them at all), so the
// page's count and the server's check count the same text.
// Pure functions, thread safe.
#pragma once

#include <string>

#include "bot/platforms/platform.h"

namespace aasr::platforms {

void SetReplyCapabilities(const std::string& platform, Capabilities* c);

// The text sent for `words` in reply to `target` on `platform`.
std::string ReplyText(const std::string& platform, const FetchedComment& target, const std::string& words);

// Counts `text` as `platform` counts a reply against max_reply_text
// (Mastodon: its own count with 23 per URL; Bluesky: graphemes; Facebook and
// local: characters as code points).
size_t CountReplyText(const std::string& platform, const std::string& text, size_t url_weight = 23);

}  // namespace aasr::platforms
