// `aasr-bot post` in process, with a ManualClock: the 24-hour dedupe window.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/cli/commands.h"

namespace fs = std::filesystem;

namespace {

int64_t Ms(int64_t unix_seconds) { return unix_seconds * 1000; }

struct Rig {
  fs::path dir = fs::temp_directory_path() / ("aasr_cli_post_window_" + std::to_string(getpid()));
  aasr::cli::PostRequest req;
  Rig() {
    fs::remove_all(dir);
    fs::create_directories(dir / "var");
    std::ofstream(dir / "bot.yaml") << "accounts:\n  - {name: local, platform: local, dir: '"
                                    << (dir / "var").string() << "'}\n";
    req.config_path = (dir / "bot.yaml").string();
    req.account = "local";
    req.text = "Restraint and seclusion are not therapy. Tell your school board.";
    req.link = "https://aasr.example/not-therapy";
    req.db_path = (dir / "var" / "aasr.db").string();
  }
  ~Rig() { fs::remove_all(dir); }
  std::pair<int, std::string> Post(const aasr::Clock& clock) {
    std::ostringstream out, err;
    int rc = aasr::cli::PostCommand(req, clock, out, err);
    INFO(err.str());
    return {rc, out.str()};
  }
  int Files() {
    int n = 0;
    for (auto& e : fs::directory_iterator(dir / "var" / "outbox"))
      if (e.path().extension() == ".json") ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("post dedupes for 24 hours, across the UTC midnight that starts a new window", "[cli][post]") {
  Rig rig;
  // 2026-11-23T23:00:00Z
  aasr::ManualClock clock(Ms(1'795'474'800));
  auto first = rig.Post(clock);
  REQUIRE(first.first == 0);
  REQUIRE(first.second.rfind("file://", 0) == 0);

  // Two hours later, past midnight (a new window): still the same post.
  clock.Advance(Ms(2 * 3600));
  auto after_midnight = rig.Post(clock);
  CHECK(after_midnight.first == 0);
  CHECK(after_midnight.second == "already published: " + first.second);
  CHECK(rig.Files() == 1);

  // Other content is posted at once.
  rig.req.alt = "";
  rig.req.text = "A seclusion room is not a classroom.";
  auto other = rig.Post(clock);
  CHECK(other.first == 0);
  CHECK(other.second.rfind("file://", 0) == 0);
  CHECK(rig.Files() == 2);

  // More than 24 hours after the first post, the same content is a new post.
  rig.req.text = "Restraint and seclusion are not therapy. Tell your school board.";
  clock.Set(Ms(1'795'474'800 + 24 * 3600 + 60));
  auto next_day = rig.Post(clock);
  CHECK(next_day.first == 0);
  CHECK(next_day.second.rfind("file://", 0) == 0);
  CHECK(next_day.second != first.second);
  CHECK(rig.Files() == 3);
}
