// The aasr-bot executable end to end: real process, real stdin and stdout.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr together
};

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("aasr_cli_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Run Bot(const std::string& args, const std::string& input = "", bool merge_stderr = true) {
  // ctest runs test cases in parallel processes: one stdin file each.
  static int counter = 0;
  const fs::path in = fs::temp_directory_path() /
                      ("aasr_cli_test_stdin_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
  std::ofstream(in, std::ios::binary) << input;
  const std::string cmd = std::string(AASR_BOT) + " " + args + " < " + in.string() + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  fs::remove(in);
  return r;
}

std::vector<nlohmann::json> Lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

const char* kRules = R"(rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling
    action: review
    words: [idiot]
    examples:
      flag: ["you 1d10t"]
      pass: ["an idiotic policy"]
  - id: spam.new
    category: spam
    description: Brand-new account with links
    action: review
    all:
      - author.account_age_days: "< 2"
      - links.count: ">= 1"
)";

}  // namespace

TEST_CASE("screen jsonl: one verdict per line, in order, errors located and the run goes on") {
  const fs::path dir = TempDir("screen");
  std::ofstream(dir / "r.yaml") << kRules;
  const std::string input =
      "{\"id\":\"c1\",\"text\":\"you 1d10t\"}\n"
      "not json\n"
      "\n"
      "{\"id\":3,\"text\":\"bad \xFF byte\"}\n"
      "{\"text\":\"thank you for this\"}\n"
      "{\"id\":5}\n"
      "{\"id\":6,\"text\":\"see bit.ly/x\",\"author\":{\"handle\":\"new\",\"account_age_days\":1}}\n"
      "{\"id\":7,\"text\":\"x\",\"author\":{\"followers\":\"many\"}}\n";
  const Run r = Bot("screen --rules " + dir.string(), input, false);
  REQUIRE(r.status == 0);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0]["id"] == "c1");
  CHECK(lines[0]["action"] == "review");
  CHECK(lines[0]["rules"][0]["spans"] == nlohmann::json::parse("[[4,9]]"));
  CHECK(lines[1] == nlohmann::json::parse(R"({"line":2,"error":"not valid JSON"})"));
  CHECK(lines[2]["line"] == 4);
  CHECK(lines[2]["error"] == "invalid UTF-8 at byte 20");
  CHECK(lines[3]["action"] == "allow");
  CHECK_FALSE(lines[3].contains("id"));
  CHECK(lines[4]["line"] == 6);
  CHECK(lines[5]["id"] == 6);
  CHECK(lines[5]["rules"][0]["id"] == "spam.new");
  CHECK(lines[6]["error"] == "field 'author.followers' must be a number");
  fs::remove_all(dir);
}

TEST_CASE("screen text: the matched span is marked") {
  const fs::path dir = TempDir("text");
  std::ofstream(dir / "r.yaml") << kRules;
  const Run r = Bot("screen --format text --rules " + dir.string(), "what an i.d.i.o.t.\nlovely\n");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1 review: what an «i.d.i.o.t».") != std::string::npos);
  CHECK(r.out.find("2 allow: lovely") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("rules check: exit 0 when clean, 1 with every error as file:line:column") {
  const fs::path dir = TempDir("check");
  std::ofstream(dir / "r.yaml") << kRules;
  Run r = Bot("rules check " + dir.string());
  CHECK(r.status == 0);
  CHECK(r.out.find("2 rules, 2 examples, no errors") != std::string::npos);

  std::ofstream(dir / "s.yaml") << "rules:\n  - id: harassment.insult\n    category: hate\n    description: d\n"
                                   "    action: review\n    regex: '[a-'\n    priorty: high\n";
  r = Bot("rules check " + dir.string());
  CHECK(r.status == 1);
  const std::string s = (dir / "s.yaml").string();
  CHECK(r.out.find(s + ":2:9: duplicate id (first defined at " + (dir / "r.yaml").string() + ":2)") != std::string::npos);
  CHECK(r.out.find(s + ":6:12: invalid regex '[a-'") != std::string::npos);
  CHECK(r.out.find(s + ":7:5: unknown key 'priorty' (did you mean 'priority'?)") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("rules test: exit 1 and the verdict for each failing example") {
  const fs::path dir = TempDir("examples");
  std::ofstream(dir / "r.yaml") << kRules;
  Run r = Bot("rules test " + dir.string());
  CHECK(r.status == 0);
  CHECK(r.out.find("2 passed, 0 failed") != std::string::npos);
  std::ofstream(dir / "r.yaml", std::ios::app) << "    examples:\n      pass: [\"see bit.ly/x\"]\n      flag: [\"hello\"]\n";
  r = Bot("rules test " + dir.string());
  CHECK(r.status == 1);
  CHECK(r.out.find("should match this rule but does not; verdict: allow: no rule matched") != std::string::npos);
  CHECK(r.out.find("2 passed, 2 failed") == std::string::npos);
  CHECK(r.out.find("3 passed, 1 failed") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("usage errors exit 2") {
  CHECK(Bot("screen --format xml").status == 2);
  CHECK(Bot("nonsense").status == 2);
}
