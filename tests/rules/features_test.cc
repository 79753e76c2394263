#include <catch2/catch.hpp>

#include "bot/rules/features.h"

using aasr::rules::ComputeFeatures;
using aasr::rules::FindLinkDomains;

TEST_CASE("links are found with or without a scheme, e-mail hosts are not links") {
  CHECK(FindLinkDomains("See https://www.congress.gov/bill/x, bit.ly/abc and www.Example.net; mail a@b.com") ==
        std::vector<std::string>{"congress.gov", "bit.ly", "example.net"});
  CHECK(FindLinkDomains("e.g. i.e. Mr.Smith 3.5 times").empty());
}

TEST_CASE("mentions, caps ratio and length in code points") {
  CHECK(ComputeFeatures("@amy and @bo_b, not me@mail.org").mentions == 2);
  CHECK(ComputeFeatures("ABCDEFGHIJKLmnop").caps_ratio == Approx(0.75));
  CHECK(ComputeFeatures("ABC").caps_ratio == 0);
  CHECK(ComputeFeatures("héllo 👋").length == 7);
}
