#include <catch2/catch.hpp>

#include "bot/rules/features.h"

using aasr::rules::ComputeFeatures;

TEST_CASE("links are found with or without a scheme, e-mail hosts are not links") {
  const auto f = ComputeFeatures("See https://www.congress.gov/bill/x, bit.ly/abc and www.Example.net; mail a@b.com");
  CHECK(f.link_domains == std::vector<std::string>{"congress.gov", "bit.ly", "example.net"});
  CHECK(ComputeFeatures("e.g. i.e. Mr.Smith 3.5 times").link_domains.empty());
}

TEST_CASE("mentions, caps ratio and length in code points") {
  CHECK(ComputeFeatures("@amy and @bo_b, not me@mail.org").mentions == 2);
  CHECK(ComputeFeatures("ABCDEFGHIJKLmnop").caps_ratio == Approx(0.75));
  CHECK(ComputeFeatures("ABC").caps_ratio == 0);
  CHECK(ComputeFeatures("héllo 👋").length == 7);
}
