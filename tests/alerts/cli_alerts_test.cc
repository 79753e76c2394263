// `aasr-bot alerts test`: one test alert per channel, what happened per
// channel, exit 1 when any failed and 2 for a config problem.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bot/cli/commands.h"
#include "tests/alerts/fake_chat.h"
#include "tests/store/test_util.h"

using aasr::testing::FakeChat;

TEST_CASE("alerts test sends a test alert through each channel and says what happened", "[alerts][cli]") {
  FakeChat slack(FakeChat::Kind::kSlack), matrix(FakeChat::Kind::kMatrix);
  matrix.set_mode(FakeChat::Mode::kDown);
  ::setenv("AASR_TEST_SLACK_URL", slack.url().c_str(), 1);
  ::setenv("AASR_TEST_MATRIX_TOKEN", "syt_matrix_token", 1);
  aasr::store::testing::TempDb dir;
  const std::string path = dir.path() + ".yaml";
  {
    std::ofstream f(path);
    f << "alerts:\n  channels:\n"
         "    - {name: team, type: slack, url_env: AASR_TEST_SLACK_URL}\n"
         "    - {name: oncall, type: matrix, url: \"" << matrix.url()
      << "\", room: \"!alerts:example.org\", token_env: AASR_TEST_MATRIX_TOKEN}\n";
  }
  std::ostringstream out, err;
  CHECK(aasr::cli::AlertsTest(path, "", out, err) == 1);
  INFO(out.str() << err.str());
  CHECK(out.str().find("ok   team (slack): test alert sent") != std::string::npos);
  CHECK(out.str().find("FAIL oncall (matrix): ") != std::string::npos);
  CHECK(out.str().find("503") != std::string::npos);
  CHECK(err.str().find("1 of 2 alert channel(s) failed") != std::string::npos);
  REQUIRE(slack.accepted_bodies().size() == 1);
  CHECK(slack.accepted_bodies()[0].find("aasr-bot test alert") != std::string::npos);

  std::ostringstream out2, err2;
  CHECK(aasr::cli::AlertsTest(path, "team", out2, err2) == 0);
  CHECK(out2.str().find("oncall") == std::string::npos);
  std::ostringstream out3, err3;
  CHECK(aasr::cli::AlertsTest(path, "nobody", out3, err3) == 2);
  CHECK(err3.str().find("no alert channel named 'nobody'") != std::string::npos);
  ::unsetenv("AASR_TEST_MATRIX_TOKEN");
  std::ostringstream out4, err4;
  CHECK(aasr::cli::AlertsTest(path, "", out4, err4) == 2);
  CHECK(err4.str().find("environment variable AASR_TEST_MATRIX_TOKEN (token_env) is not set") != std::string::npos);
  std::remove(path.c_str());
}
