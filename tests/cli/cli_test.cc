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
#include "aasr/build_paths.h"

namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr together
};

fs::path TempDir(const std::string& name) {
  // The pid keeps concurrent runs (other checkouts, ctest -j) apart.
  const fs::path dir = fs::temp_directory_path() / ("aasr_cli_test_" + name + "_" + std::to_string(getpid()));
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

TEST_CASE("screen jsonl: author.is_self reaches the rules and keeps our own comments up") {
  const fs::path dir = TempDir("self");
  std::ofstream(dir / "r.yaml") << R"(rules:
  - {id: threat.kill, category: threat, description: d, action: hide, words: [kill], reported: review}
  - {id: spam.own, category: spam, description: ours, action: review, author.is_self: true}
)";
  const std::string input =
      "{\"id\":1,\"text\":\"we will kill this bill\",\"author\":{\"is_self\":true}}\n"
      "{\"id\":2,\"text\":\"we will kill this bill\",\"author\":{\"is_self\":false}}\n"
      "{\"id\":3,\"text\":\"x\",\"author\":{\"is_self\":\"yes\"}}\n"
      "{\"id\":4,\"text\":\"he said \\\"kill\\\" twice\"}\n";
  const Run r = Bot("screen --rules " + dir.string(), input, false);
  REQUIRE(r.status == 0);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["action"] == "review");
  CHECK(lines[0]["rules"].size() == 2);
  CHECK(lines[1]["action"] == "hide");
  CHECK(lines[2]["error"] == "field 'author.is_self' must be true or false");
  CHECK(lines[3]["action"] == "review");
  CHECK(lines[3]["priority"] == "low");
  CHECK(lines[3]["rules"][0]["reported"] == true);
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

namespace {

// Runs aasr-bot inside `dir`, where its defaults (var/aasr.db) apply.
Run BotIn(const fs::path& dir, const std::string& args, bool merge_stderr = true) {
  const std::string cmd = "cd '" + dir.string() + "' && " + std::string(AASR_BOT) + " " + args +
                          " < /dev/null" + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

void WriteLocalConfig(const fs::path& dir) {
  std::ofstream(dir / "bot.yaml") << "accounts:\n  - {name: local, platform: local, dir: var}\n";
  fs::create_directories(dir / "var" / "inbox");
}

}  // namespace

TEST_CASE("post: publishes once, and the same content again says already published with the same URL") {
  const fs::path dir = TempDir("post");
  WriteLocalConfig(dir);
  const std::string post =
      "post --config bot.yaml --account local --text 'New story: A seclusion room is not a classroom' "
      "--link https://aasr.example/seclusion-room";
  Run first = BotIn(dir, post, false);
  REQUIRE(first.status == 0);
  REQUIRE(first.out.rfind("file://", 0) == 0);
  const std::string url = first.out.substr(0, first.out.find('\n'));
  CHECK(fs::exists(url.substr(7)));  // the local platform's post file

  Run second = BotIn(dir, post, false);
  CHECK(second.status == 0);
  CHECK(second.out == "already published: " + url + "\n");
  int posts = 0;
  for (auto& e : fs::directory_iterator(dir / "var" / "outbox"))
    if (e.path().extension() == ".json") ++posts;
  CHECK(posts == 1);

  // The outbox (the same var/aasr.db) shows the one row, kind manual.
  Run outbox = BotIn(dir, "posts outbox --json", false);
  REQUIRE(outbox.status == 0);
  auto rows = Lines(outbox.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["kind"] == "manual");
  CHECK(rows[0]["state"] == "published");
  CHECK(rows[0]["url"] == url);

  // Other content is another post.
  Run other = BotIn(dir, "post --config bot.yaml --account local --text 'Restraint is not therapy'", false);
  CHECK(other.status == 0);
  CHECK(other.out != first.out);
  fs::remove_all(dir);
}

TEST_CASE("post: an image without alt text, an unknown account and a text over the limit are usage errors") {
  const fs::path dir = TempDir("post_usage");
  WriteLocalConfig(dir);
  std::ofstream(dir / "poster.png") << "not really a png";
  Run no_alt = BotIn(dir, "post --config bot.yaml --account local --text 'Poster' --image poster.png");
  CHECK(no_alt.status == 2);
  CHECK_THAT(no_alt.out, Catch::Contains("--image needs --alt"));
  Run unknown = BotIn(dir, "post --config bot.yaml --account aasr-masto --text 'hi'");
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.out, Catch::Contains("no account 'aasr-masto' (configured: local)"));
  Run long_text = BotIn(dir, "post --config bot.yaml --account local --text '" + std::string(501, 'a') + "'");
  CHECK(long_text.status == 2);
  CHECK_THAT(long_text.out, Catch::Contains("too long for local: 501 of 500 characters"));
  CHECK_FALSE(fs::exists(dir / "var" / "outbox"));  // nothing was sent
  fs::remove_all(dir);
}

TEST_CASE("post: a platform error names the account, exits 1 and leaves the row in the outbox") {
  const fs::path dir = TempDir("post_fail");
  WriteLocalConfig(dir);
  // The local platform cannot write its outbox: a file is in the way.
  std::ofstream(dir / "var" / "outbox") << "in the way";
  Run r = BotIn(dir, "post --config bot.yaml --account local --text 'Restraint is not therapy'");
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Contains("local: "));
  CHECK_THAT(r.out, Catch::Contains("is planned (see `aasr-bot posts outbox`)"));
  Run outbox = BotIn(dir, "posts outbox --json", false);
  auto rows = Lines(outbox.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["state"] == "planned");
  CHECK(rows[0]["attempts"] == 1);
  CHECK(rows[0]["error"] != "");
  // Once the platform works again, running the command again publishes it.
  fs::remove(dir / "var" / "outbox");
  Run again = BotIn(dir, "post --config bot.yaml --account local --text 'Restraint is not therapy'", false);
  CHECK(again.status == 0);
  CHECK(again.out.rfind("file://", 0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("comments fetch: one screen-format JSON line per comment with remote_id and hidden") {
  const fs::path dir = TempDir("comments_fetch");
  WriteLocalConfig(dir);
  std::ofstream(dir / "var" / "inbox" / "2026-11-23T01-00-00.jsonl")
      << R"({"id":"c1","post":"local-1","text":"My son was restrained and secluded at school. That is abuse.","author":{"id":"u1","handle":"mom_of_two"}})"
      << "\n"
      << R"({"id":"c2","post":"local-1","text":"kill yourself","author":{"id":"u2","handle":"troll99"}})"
      << "\n"
      << R"({"id":"c3","post":"local-1","text":"some days I want to die","author":{"id":"u3","handle":"tired"}})"
      << "\n";
  const std::string fetch = "comments fetch --config bot.yaml --account local --rules " AASR_SOURCE_DIR "/rules";
  Run r = BotIn(dir, fetch, false);
  REQUIRE(r.status == 0);
  auto lines = Lines(r.out);
  REQUIRE(lines.size() == 3);
  for (auto& j : lines) {
    CHECK(j.contains("id"));
    CHECK(j.contains("action"));
    CHECK(j.contains("categories"));
    CHECK(j.contains("priority"));
    CHECK(j.contains("rules"));
    CHECK(j.contains("explanation"));
    CHECK(j["hidden"].is_boolean());
  }
  CHECK(lines[0]["remote_id"] == "c1");
  CHECK(lines[0]["action"] == "allow");
  CHECK(lines[0]["hidden"] == false);
  CHECK(lines[1]["remote_id"] == "c2");
  CHECK(lines[1]["action"] == "hide");
  CHECK(lines[1]["hidden"] == true);
  CHECK(lines[2]["remote_id"] == "c3");
  CHECK(lines[2]["action"] == "review");
  CHECK(lines[2]["hidden"] == false);
  CHECK(lines[2]["categories"][0] == "crisis");

  // The next round has nothing new; the queue holds the two flagged ones.
  Run again = BotIn(dir, fetch, false);
  CHECK(again.status == 0);
  CHECK(again.out.empty());
  Run queue = BotIn(dir, "queue list --format jsonl", false);
  CHECK(Lines(queue.out).size() == 2);

  // A broken inbox line fails the fetch, naming the account and the line.
  std::ofstream(dir / "var" / "inbox" / "2026-11-23T02-00-00.jsonl") << "{not json\n";
  Run broken = BotIn(dir, fetch);
  CHECK(broken.status == 1);
  CHECK_THAT(broken.out, Catch::Contains("local: "));
  CHECK_THAT(broken.out, Catch::Contains("2026-11-23T02-00-00.jsonl:1:"));
  Run usage = BotIn(dir, "comments fetch --config bot.yaml --account nobody");
  CHECK(usage.status == 2);
  fs::remove_all(dir);
}

namespace {

// Two rules: an insult (review) and a phone number (hide).
const char* kEvalRules = R"(rules:
  - id: harassment.insult
    category: harassment
    description: Name-calling
    action: review
    words: [idiot]
  - id: privacy.phone
    category: privacy
    description: Phone number
    action: hide
    regex: '\b\d{3}-\d{3}-\d{4}\b'
  - id: crisis.kms
    mode: shadow
    category: crisis
    description: Slang for suicide
    action: review
    priority: urgent
    words: [kms]
)";

// 3 must-flag (2 caught), 2 must-pass (1 hidden), and five malformed lines.
const char* kEvalCorpus =
    "{\"id\":\"a\",\"text\":\"you idiot\",\"expect\":\"flag\",\"category\":\"harassment\",\"kind\":\"plain\"}\n"
    "not json\n"
    "{\"id\":\"b\",\"text\":\"kms\",\"expect\":\"flag\",\"category\":\"crisis\",\"kind\":\"slang\"}\n"
    "{\"id\":\"c\",\"expect\":\"flag\"}\n"
    "\n"
    "{\"id\":\"d\",\"text\":\"call 555-123-4567\",\"expect\":\"pass\",\"category\":\"privacy\",\"kind\":\"org-phone\"}\n"
    "{\"id\":\"e\",\"text\":\"x\",\"expect\":\"maybe\"}\n"
    "{\"id\":\"f\",\"text\":\"x\",\"expect\":\"pass\",\"author\":{\"followers\":\"many\"}}\n"
    "{\"id\":\"g\",\"text\":\"a lovely day\",\"expect\":\"pass\",\"kind\":\"plain\",\"author\":{\"handle\":\"p\",\"first_comment\":true}}\n"
    "{\"id\":\"h\",\"text\":\"idiot at 555-123-4567\",\"expect\":\"flag\",\"category\":\"harassment\",\"kind\":\"plain\"}\n"
    "{\"id\":\"i\",\"text\":\"x\",\"expect\":\"pass\",\"author\":{\"first_comment\":\"yes\"}}\n";

}  // namespace

TEST_CASE("rules eval: the text report, malformed lines as line N on stderr, and the run goes on") {
  const fs::path dir = TempDir("eval_text");
  std::ofstream(dir / "r.yaml") << kEvalRules;
  std::ofstream(dir / "c.jsonl") << kEvalCorpus;
  const std::string c = (dir / "c.jsonl").string();
  Run r = Bot("rules eval " + c + " --rules " + dir.string());
  CHECK(r.status == 0);
  CHECK(r.out.find(c + ": line 2: not valid JSON") != std::string::npos);
  CHECK(r.out.find(c + ": line 4: missing string field 'text'") != std::string::npos);
  CHECK(r.out.find(c + ": line 7: field 'expect' must be \"flag\" or \"pass\", got \"maybe\"") != std::string::npos);
  CHECK(r.out.find(c + ": line 8: field 'author.followers' must be a number") != std::string::npos);
  CHECK(r.out.find(c + ": line 11: field 'author.first_comment' must be true or false") != std::string::npos);
  CHECK(r.out.find("corpus: 5 items (3 must-flag, 2 must-pass) from 1 file(s); 5 malformed line(s) skipped") !=
        std::string::npos);
  CHECK(r.out.find("recall                      2/3   66.7%") != std::string::npos);
  CHECK(r.out.find("false-positive rate         1/2   50.0%") != std::string::npos);
  CHECK(r.out.find("must-pass hidden            1") != std::string::npos);
  CHECK(r.out.find("crisis recall               0/1    0.0%") != std::string::npos);
  CHECK(r.out.find("category (primary)          1/2   50.0%") != std::string::npos);
  CHECK(r.out.find("category (among verdict's)  2/2  100.0%") != std::string::npos);
  CHECK(r.out.find("crisis.kms: 1 hit(s) (1 must-flag, 0 must-pass); would add 1 catch(es)") != std::string::npos);
  CHECK(r.out.find("misses (") == std::string::npos);

  r = Bot("rules eval " + c + " --rules " + dir.string() + " --list", "", false);
  CHECK(r.status == 0);
  CHECK(r.out.find("malformed: " + c + ": line 2: not valid JSON") != std::string::npos);
  CHECK(r.out.find("misses (1)\n  " + c + ":3 b [crisis, slang]: kms\n    allow: no rule matched; shadow (no effect): "
                   "crisis.kms [crisis]") != std::string::npos);
  CHECK(r.out.find("false positives (1)\n  " + c + ":6 d [privacy, org-phone]: call 555-123-4567\n    hide (normal): "
                   "privacy.phone") != std::string::npos);
  CHECK(r.out.find("wrong primary category (1)\n  " + c + ":10 h") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("rules eval: thresholds exit 1 when a floor does not hold") {
  const fs::path dir = TempDir("eval_thresholds");
  std::ofstream(dir / "r.yaml") << kEvalRules;
  std::ofstream(dir / "c.jsonl") << kEvalCorpus;
  const std::string base = "rules eval " + (dir / "c.jsonl").string() + " --rules " + dir.string();
  CHECK(Bot(base + " --min-recall 0.66 --max-fpr 0.5 --max-hidden-pass 1 --max-crisis-hidden 0 --min-category 0.5")
            .status == 0);
  Run r = Bot(base + " --min-recall 0.85");
  CHECK(r.status == 1);
  CHECK(r.out.find("threshold min-recall 0.85: 0.666667 FAILED") != std::string::npos);
  CHECK(Bot(base + " --max-fpr 0.02").status == 1);
  CHECK(Bot(base + " --max-hidden-pass 0").status == 1);
  CHECK(Bot(base + " --min-crisis-recall 0.95").status == 1);
  CHECK(Bot(base + " --min-category 0.95").status == 1);
  CHECK(Bot(base + " --max-malformed 0").status == 1);
  CHECK(Bot(base + " --max-malformed 5").status == 0);
  fs::remove_all(dir);
}

TEST_CASE("rules eval --json: one object with every metric, lists with --list") {
  const fs::path dir = TempDir("eval_json");
  std::ofstream(dir / "r.yaml") << kEvalRules;
  std::ofstream(dir / "c.jsonl") << kEvalCorpus;
  const std::string base = "rules eval " + (dir / "c.jsonl").string() + " --rules " + dir.string() + " --json";
  Run r = Bot(base + " --max-hidden-pass 0", "", false);  // stderr (the malformed lines) apart
  CHECK(r.status == 1);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 1);
  const nlohmann::json& j = lines[0];
  CHECK(j["items"] == 5);
  CHECK(j["malformed"] == 5);
  CHECK(j["malformed_lines"].size() == 5);
  CHECK(j["recall"] == nlohmann::json::parse(R"({"hit":2,"of":3,"rate":0.6666666666666666})"));
  CHECK(j["recall_by_category"]["harassment"]["hit"] == 2);
  CHECK(j["recall_by_kind"]["slang"]["hit"] == 0);
  CHECK(j["false_positive_rate"]["hit"] == 1);
  CHECK(j["false_positive_rate_by_kind"]["org-phone"]["hit"] == 1);
  CHECK(j["false_positive_rate_by_kind"]["plain"]["hit"] == 0);
  CHECK(j["hidden_pass"] == 1);
  CHECK(j["crisis"]["recall"]["of"] == 1);
  CHECK(j["crisis"]["hidden"] == 0);
  CHECK(j["category"]["primary"]["hit"] == 1);
  CHECK(j["category"]["among"]["hit"] == 2);
  CHECK(j["shadow"]["rules"][0]["id"] == "crisis.kms");
  CHECK(j["shadow"]["would_add_catches"] == 1);
  CHECK(j["thresholds"][0]["ok"] == false);
  CHECK(j["ok"] == false);
  CHECK_FALSE(j.contains("misses"));
  CHECK(Bot(base + " --max-hidden-pass 0").out.find("threshold max-hidden-pass 0: FAILED") != std::string::npos);
  r = Bot(base + " --list", "", false);
  CHECK(r.status == 0);
  const auto listed = Lines(r.out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["misses"][0]["id"] == "b");
  CHECK(listed[0]["false_positives"][0]["action"] == "hide");
  CHECK(listed[0]["miscategorized"][0]["primary_category"] == "privacy");
  fs::remove_all(dir);
}

TEST_CASE("rules eval: several files and a directory of jsonl, usage errors exit 2") {
  const fs::path dir = TempDir("eval_dir");
  fs::create_directories(dir / "rules");
  fs::create_directories(dir / "corpus" / "held-out");
  std::ofstream(dir / "rules" / "r.yaml") << kEvalRules;
  std::ofstream(dir / "corpus" / "a.jsonl") << "{\"text\":\"you idiot\",\"expect\":\"flag\"}\n";
  std::ofstream(dir / "corpus" / "b.jsonl") << "{\"text\":\"nice\",\"expect\":\"pass\"}\n";
  std::ofstream(dir / "corpus" / "notes.txt") << "not a corpus\n";
  // Subdirectories are not read: a held-out split may sit there.
  std::ofstream(dir / "corpus" / "held-out" / "x.jsonl") << "{\"text\":\"idiot\",\"expect\":\"pass\"}\n";
  std::ofstream(dir / "more.jsonl") << "{\"text\":\"idiot\",\"expect\":\"flag\"}\n";
  const std::string rules = " --rules " + (dir / "rules").string();
  Run r = Bot("rules eval " + (dir / "corpus").string() + " " + (dir / "more.jsonl").string() + rules + " --json");
  REQUIRE(r.status == 0);
  const nlohmann::json j = Lines(r.out).at(0);
  CHECK(j["files"].size() == 3);
  CHECK(j["items"] == 3);
  CHECK(j["recall"]["hit"] == 2);
  CHECK(j["false_positive_rate"]["hit"] == 0);

  CHECK(Bot("rules eval " + (dir / "missing.jsonl").string() + rules).status == 2);
  CHECK(Bot("rules eval" + rules).status == 2);  // nothing to score
  CHECK(Bot("rules eval " + (dir / "more.jsonl").string() + " --rules " + (dir / "no-rules").string()).status == 2);
  CHECK(Bot("rules eval " + (dir / "more.jsonl").string() + rules + " --min-recall high").status == 2);
  fs::remove_all(dir);
}

TEST_CASE("screen jsonl: a shadow rule's match is reported under shadow and the verdict stays allow") {
  const fs::path dir = TempDir("screen_shadow");
  std::ofstream(dir / "r.yaml") << kEvalRules;
  const Run r = Bot("screen --rules " + dir.string(), "{\"id\":1,\"text\":\"kms\"}\n{\"id\":2,\"text\":\"idiot\"}\n", false);
  REQUIRE(r.status == 0);
  const auto lines = Lines(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["action"] == "allow");
  CHECK(lines[0]["rules"].empty());
  CHECK(lines[0]["shadow"] == nlohmann::json::parse(R"([{"id":"crisis.kms","category":"crisis","spans":[[0,3]]}])"));
  CHECK_FALSE(lines[1].contains("shadow"));
  fs::remove_all(dir);
}

TEST_CASE("serve refuses an https listen URL and bad proxy settings at start", "[cli][proxy]") {
  const fs::path dir = TempDir("serve_https");
  const std::string db = (dir / "aasr.db").string();
  Run https = Bot("serve --db " + db + " --listen https://127.0.0.1:18443");
  CHECK(https.status == 2);
  CHECK_THAT(https.out, Catch::Contains("does not serve TLS itself"));
  CHECK_THAT(https.out, Catch::Contains("reverse proxy"));
  CHECK_THAT(https.out, Catch::Contains("packaging/nginx/aasr-bot.conf"));
  Run proxy = Bot("serve --db " + db + " --listen http://127.0.0.1:18444 --trusted-proxy nginx-box");
  CHECK(proxy.status == 2);
  CHECK_THAT(proxy.out, Catch::Contains("--trusted-proxy: 'nginx-box' is not an IP address or CIDR range"));
  fs::remove_all(dir);
}
