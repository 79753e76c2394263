// Helpers every adapter shares: checking a ComposedPost against a
// platform's capabilities before any network call, stable hashes for
// idempotency keys, file-name-safe keys, and reading whole files.
// Pure functions except ReadFile/WriteFileAtomic; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "bot/platforms/platform.h"

namespace aasr::platforms {

// Errors (all at once) if: the idempotency key is empty; there is neither
// text nor an image; an image has no alt text, no file, or an unknown MIME
// type; there are more images than caps.max_images; a facet's offsets are
// outside the text, reversed, or not on UTF-8 boundaries. `source` names the
// account in each Error.
Status ValidatePost(const ComposedPost& post, const Capabilities& caps, const std::string& source);

// Code points (Facebook's characters, Mastodon's alt text) and extended
// grapheme clusters (Bluesky's 300): both are the one text-measuring
// module's (bot/outreach/text_measure.h, which also has Mastodon's count
// and CountPlatformText), named here for the adapters.
size_t CountCodePoints(const std::string& text);
size_t CountGraphemes(const std::string& text);

// 64-bit FNV-1a, as 16 lowercase hex digits: stable across runs and builds.
std::string StableHash(const std::string& s);
uint64_t StableHash64(const std::string& s);

// A key usable as a file name: [A-Za-z0-9._-] kept, other bytes '_', and a
// hash suffix whenever anything was changed, so distinct keys stay distinct.
std::string SafeFileName(const std::string& key);

Result<std::string> ReadFile(const std::string& path);
// Writes to path.tmp, fsyncs and renames over path: readers never see half a file.
Status WriteFileAtomic(const std::string& path, const std::string& content);

}  // namespace aasr::platforms
