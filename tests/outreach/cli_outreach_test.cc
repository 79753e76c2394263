// `aasr-bot posts ...` run as organizers run it.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/outreach/store.h"
#include "aasr/build_paths.h"

namespace {

namespace fs = std::filesystem;
const std::string kSource = AASR_SOURCE_DIR;

struct Run {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

Run Exec(const std::string& args) {
  Run r;
  const std::string cmd = std::string(AASR_BOT) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<nlohmann::json> JsonLines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

TEST_CASE("posts validate: the shipped posts and schedules are valid") {
  const Run r = Exec("posts validate --posts " + kSource + "/posts --schedules " + kSource + "/config/schedules.yaml");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("4 graphics, all with alt text") != std::string::npos);
}

TEST_CASE("posts validate: every error as file:line:column, exit 1") {
  const fs::path dir = fs::temp_directory_path() / "aasr_cli_posts_validate";
  fs::remove_all(dir);
  fs::create_directories(dir / "graphics");
  fs::copy_file(kSource + "/posts/graphics/kassa-support.png", dir / "graphics/kassa-support.png");
  std::ofstream(dir / "graphics.yaml") << "graphics:\n  - id: kassa\n    file: graphics/kassa-support.png\n";
  std::ofstream(dir / "templates.yaml") << "story:\n  default: [\"{title} {lnk}\"]\ngraphic:\n  default: [\"{caption}\"]\n";
  std::ofstream(dir / "schedules.yaml") << "schedules:\n  - account: a\n    platform: bluesky\n    zone: Mars/Olympus\n";
  const Run r = Exec("posts validate --posts " + dir.string() + " --schedules " + (dir / "schedules.yaml").string());
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find((dir / "graphics.yaml").string() + ":2:5: graphic has no 'alt' text") != std::string::npos);
  CHECK(r.out.find((dir / "templates.yaml").string() + ":2:13: unknown placeholder {lnk} (did you mean {link}?)") !=
        std::string::npos);
  CHECK(r.out.find((dir / "schedules.yaml").string() + ":4:11: unknown time zone 'Mars/Olympus'") != std::string::npos);
  CHECK(r.out.find("3 error(s)") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("posts preview --json: the documented shape, facets byte-exact") {
  const Run r = Exec("posts preview --json --platform bluesky --posts " + kSource + "/posts --feed " + kSource +
                     "/tests/outreach/fixtures/aasr_rss.xml");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  const auto lines = JsonLines(r.out);
  REQUIRE(lines.size() == 5);
  for (const auto& j : lines) {
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    CHECK(keys == std::vector<std::string>{"bytes", "card", "facets", "graphemes", "images", "platform", "story", "text"});
    const std::string text = j["text"];
    CHECK(j["bytes"] == text.size());
    CHECK(j["graphemes"].get<int>() <= 300);
    for (const auto& f : j["facets"]) {
      const size_t b = f["byteStart"], e = f["byteEnd"];
      const std::string covered = text.substr(b, e - b);
      if (f["type"] == "tag") CHECK(covered == "#" + f["value"].get<std::string>());
      else CHECK(covered == f["value"].get<std::string>());
    }
    CHECK(j["card"]["uri"].get<std::string>().rfind("https://endseclusion.example/", 0) == 0);
  }
  CHECK(lines[2]["story"] == "https://endseclusion.example/?p=3987");
  CHECK(lines[2]["card"]["title"] == "The Keeping All Students Safe Act (2023): Now it\u2019s time to get it passed");
}

TEST_CASE("posts preview: Mastodon text within 500, a broken feed names its line") {
  const Run ok = Exec("posts preview --platform mastodon --posts " + kSource + "/posts --feed " + kSource +
                      "/tests/outreach/fixtures/aasr_atom.xml");
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("/500 characters)") != std::string::npos);
  const Run broken = Exec("posts preview --platform mastodon --feed " + kSource + "/tests/outreach/fixtures/broken_rss.xml");
  CHECK(broken.exit_code == 2);
  CHECK(broken.out.find("broken_rss.xml:11:") != std::string::npos);
  const Run bad_platform = Exec("posts preview --platform myspace --feed x");
  CHECK(bad_platform.exit_code == 2);
}

TEST_CASE("posts plan: a calendar per account in the schedule's zone") {
  const Run r = Exec("posts plan --days 7 --from 2024-05-06T00:00:00Z --db /nonexistent/outreach.db --posts " +
                     kSource + "/posts --schedules " + kSource + "/config/schedules.yaml");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("aasr-masto (mastodon, America/New_York)\n"
                   "  Tue 2024-05-07 12:00 EDT  graphic  kassa-support") != std::string::npos);
  CHECK(r.out.find("  Thu 2024-05-09 12:00 EDT  graphic  relationships-not-restraint") != std::string::npos);
  CHECK(r.out.find("aasr-fb (facebook, America/New_York)\n  Wed 2024-05-08 13:00 EDT  graphic  kassa-support") !=
        std::string::npos);
}

TEST_CASE("posts outbox: failures stay visible with the platform's error") {
  const fs::path dir = fs::temp_directory_path() / "aasr_cli_posts_outbox";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "outreach.db").string();
  {
    auto store = aasr::outreach::OutreachStore::Open(db).value();
    aasr::outreach::OutboxRow row;
    row.kind = "graphic";
    row.item_id = "kassa-support";
    row.account = "aasr-bsky";
    row.platform = "bluesky";
    row.post.idempotency_key = "k1";
    row.planned_at = 1714564800;
    const int64_t id = store->InsertOutbox(row, 1714564800).value();
    REQUIRE(store->MarkSending(id, 1714564800).ok());
    REQUIRE(store->MarkAttemptFailed(id, "HTTP 400: InvalidRequest: Record/text must not be longer than 300 graphemes",
                                     0, true, 1714564900).ok());
    row.item_id = "share-your-story";
    row.post.idempotency_key = "k2";
    REQUIRE(store->InsertOutbox(row, 1714564800).ok());
  }
  const Run all = Exec("posts outbox --db " + db);
  INFO(all.out);
  CHECK(all.exit_code == 0);
  CHECK(all.out.find("1  failed  2024-05-01T12:00:00Z  aasr-bsky  graphic kassa-support  attempts 1  error: HTTP 400: "
                     "InvalidRequest") != std::string::npos);
  CHECK(all.out.find("2  planned") != std::string::npos);
  const Run failed = Exec("posts outbox --json --state failed --db " + db);
  const auto lines = JsonLines(failed.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["item"] == "kassa-support");
  CHECK(lines[0]["attempts"] == 1);
  CHECK(Exec("posts outbox --db " + (dir / "missing.db").string()).exit_code == 2);
  fs::remove_all(dir);
}
