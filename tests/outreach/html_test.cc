#include <catch2/catch.hpp>

#include "bot/util/html.h"

using namespace aasr::html;

TEST_CASE("entities: named, decimal, hex, unknown left alone") {
  CHECK(DecodeEntities("Now it&#8217;s time") == "Now it\u2019s time");
  CHECK(DecodeEntities("A &amp; B &lt;b&gt;") == "A & B <b>");
  CHECK(DecodeEntities("&#x1F49C; &hellip;") == "\U0001F49C \u2026");
  CHECK(DecodeEntities("&bogus; & &#xZZ; &") == "&bogus; & &#xZZ; &");
  CHECK(DecodeEntities("&#0;&#xD800;") == "\uFFFD\uFFFD");
}

TEST_CASE("tags stripped, text kept, script and style dropped") {
  CHECK(HtmlToText("<p>One</p><p>Two<br/>three</p>") == "One Two three");
  CHECK(HtmlToText("<a href=\"x>y\">link</a> text") == "link text");
  CHECK(HtmlToText("Cole<script>alert('x<y>')</script> smiles<style>p{}</style>") == "Cole smiles");
  CHECK(HtmlToText("I <3 teachers & staff") == "I <3 teachers & staff");
  CHECK(HtmlToText("<!-- comment -->Safe &nbsp; schools") == "Safe schools");
}

TEST_CASE("encoded markup is text, not a tag") {
  CHECK(HtmlToText("&lt;b&gt;bold&lt;/b&gt;") == "<b>bold</b>");
}

TEST_CASE("unterminated tag does not leak markup") {
  CHECK(HtmlToText("Safe schools <a href=\"https://x") == "Safe schools");
}

TEST_CASE("html: HtmlToLines keeps the reader's line breaks (Mastodon status content)", "[html]") {
  CHECK(HtmlToLines("<p>@aasr My son<br>was restrained</p><p>Again.</p>") == "@aasr My son\nwas restrained\n\nAgain.");
  CHECK(HtmlToLines("<p><span class=\"h-card\"><a href=\"https://m.example/@aasr\">@<span>aasr</span></a></span> hi</p>") ==
        "@aasr hi");
  CHECK(HtmlToLines("<p>a &lt;script&gt; tag is text</p>") == "a <script> tag is text");
}
