// review_bench_seed: fills a store with N deterministic queue items for the
// review server benchmark (bench/review_bench.sh). Figures, not a test.
// Usage: review_bench_seed DB_FILE [N=100000]
// Comment text is built from the site's own wording plus the kinds of hostile
// comments the queue exists for; verdicts are synthetic (no rule engine) so
// seeding measures nothing but the store.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bot/moderation/policy.h"
#include "bot/store/sqlite_store.h"

using namespace aasr::store;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB_FILE [N]\n", argv[0]);
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 100000;
  auto clock = std::make_shared<aasr::ManualClock>(1'790'000'000'000);
  auto opened = OpenSqliteStore(argv[1], clock);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s", aasr::FormatErrors(opened.errors()).c_str());
    return 2;
  }
  StorePtr st = opened.value();
  const std::vector<std::string> community = {
      "These practices disproportionately impact children with disabilities.",
      "Seclusion and restraint can lead to significant trauma, injury and even death.",
      "There are better ways to work with all children and educate them in the classroom.",
      "My son came home with bruises after a prone restraint and nobody called me.",
      "Our district still has a seclusion room and the school board will not answer.",
      "Please share the report with your state legislators before the hearing.",
  };
  struct Flag {
    const char* text;
    const char* category;
    const char* action;
    int priority;
  };
  const std::vector<Flag> flags = {
      {"you are an idiot and so is everyone here", "harassment", "review", 1},
      {"crypto giveaway today only, double your bitcoin", "spam", "hide", 2},
      {"I will hurt you if you show up at the meeting", "threat", "review", 3},
      {"call her at 555-201-7788, she lives on Elm Street", "privacy", "hide", 2},
      {"some days I want to die after what happened", "crisis", "review", 3},
      {"buy followers cheap, link in bio", "spam", "review", 0},
  };
  std::mt19937 rng(20261123);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const Flag& f = flags[rng() % flags.size()];
    NewComment c;
    static const char* platforms[] = {"mastodon", "bluesky", "facebook"};
    c.platform = platforms[rng() % 3];
    c.account = "aasr-" + c.platform;
    c.remote_id = "bench-" + std::to_string(i);
    c.parent = "post-" + std::to_string(rng() % 500);
    c.parent_text = community[rng() % community.size()];
    c.author_handle = "user" + std::to_string(rng() % 20000);
    c.author_account_age_days = static_cast<double>(rng() % 2000);
    c.author_followers = static_cast<double>(rng() % 5000);
    std::string lead = community[rng() % community.size()];
    c.text = lead + " " + f.text;
    StoredVerdict v;
    v.action = f.action;
    v.priority = f.priority;
    v.categories = {f.category};
    StoredMatch m;
    m.rule_id = std::string(f.category) + ".bench";
    m.category = f.category;
    m.description = "benchmark rule";
    m.action = f.action;
    m.priority = f.priority;
    uint32_t b = static_cast<uint32_t>(lead.size() + 1);
    m.spans = {{b, b + 8}};
    v.matches = {m};
    v.explanation = m.rule_id;
    // Queued as the moderation policy would on a platform that hides.
    auto r = st->Ingest({c, v, aasr::moderation::ForVerdict(v, aasr::moderation::KnownCapabilities(c.platform))});
    if (!r.ok()) {
      std::fprintf(stderr, "%s", aasr::FormatErrors(r.errors()).c_str());
      return 1;
    }
    clock->Advance(1000);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("seeded %d items in %.1f s (%.0f ingests/s)\n", n, s, n / s);
  return 0;
}
