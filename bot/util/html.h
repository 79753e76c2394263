// Plain text from HTML: WordPress titles and excerpts (outreach) and the
// content of Mastodon statuses (what the rule engine screens).
//
// StripTags removes markup (keeping the text between tags, dropping <script>
// and <style> bodies, turning block ends and <br> into spaces); a '<' not
// followed by a letter, '/', '!' or '?' is text ("I <3 teachers" survives).
// DecodeEntities decodes named (the HTML set WordPress emits: &amp; &#8217;
// &hellip; &nbsp; ...) and numeric entities; unknown ones stay as written.
// HtmlToText = strip, then decode, then collapse whitespace (NBSP included) and
// trim; the order matters: an encoded "&lt;b&gt;" is text, not a tag.
// HtmlToLines keeps the reader's line breaks instead (<br> a newline, </p> a
// blank line; Mastodon's <p>/<br>/<a>/<span> subset), for text people read
// line by line, such as comments in the review queue.
// Pure functions, thread safe. Invalid UTF-8 in the input is passed through.
#pragma once

#include <string>
#include <string_view>

namespace aasr::html {

// keep_lines: <br> becomes "\n" and </p> "\n\n" (else every block boundary is a space).
std::string StripTags(std::string_view html, bool keep_lines = false);
std::string DecodeEntities(std::string_view text);
std::string CollapseWhitespace(std::string_view text);
std::string HtmlToText(std::string_view html);
std::string HtmlToLines(std::string_view html);

}  // namespace aasr::html
