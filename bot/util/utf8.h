// Small UTF-8 helpers shared by every layer. Pure functions, thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aasr::utf8 {

// Decodes the code point starting at text[pos]. On success returns true, sets
// *cp and *len (1..4). Rejects overlong forms, surrogates and values past
// U+10FFFF; on failure *len is 1 so callers can skip the bad byte.
bool Decode(std::string_view text, size_t pos, char32_t* cp, size_t* len);

// Appends the UTF-8 encoding of cp to out.
void Append(char32_t cp, std::string* out);

// Returns the byte offset of the first invalid sequence, or npos if valid.
size_t FindInvalid(std::string_view text);

}  // namespace aasr::utf8
