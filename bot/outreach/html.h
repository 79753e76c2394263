// Turning the HTML that WordPress puts in titles and excerpts into plain text
// fit for a social post.
//
// StripTags removes markup (keeping the text between tags, dropping <script>
// and <style> bodies, turning block ends and <br> into spaces); a '<' not
// followed by a letter, '/', '!' or '?' is text ("I <3 teachers" survives).
// DecodeEntities decodes named (the HTML set WordPress emits: &amp; &#8217;
// &hellip; &nbsp; ...) and numeric entities; unknown ones stay as written.
// HtmlToText = strip, then decode, then collapse whitespace (NBSP included) and
// trim; the order matters: an encoded "&lt;b&gt;" is text, not a tag.
// Pure functions, thread safe. Invalid UTF-8 in the input is passed through.
#pragma once

#include <string>
#include <string_view>

namespace aasr::outreach {

std::string StripTags(std::string_view html);
std::string DecodeEntities(std::string_view text);
std::string CollapseWhitespace(std::string_view text);
std::string HtmlToText(std::string_view html);

}  // namespace aasr::outreach
