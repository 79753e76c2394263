// The review API's request bodies and query strings (ReviewApi::Handle) as a
// signed-in admin, on a store in a temporary SQLite file. Input: the first
// line "METHOD /api/route?query", the rest the body. Login and logout are
// left out: login hashes with Argon2 (seconds per input) and logout would
// end the session every later input needs. Handle must answer, never throw.
#include <unistd.h>

#include <filesystem>

#include "bot/net/form.h"
#include "bot/review/api.h"
#include "bot/review/passwords.h"
#include "bot/store/sqlite_store.h"
#include "fuzz/fuzz_util.h"

namespace {

struct World {
  std::shared_ptr<aasr::ManualClock> clock = std::make_shared<aasr::ManualClock>();
  aasr::store::StorePtr store;
  std::unique_ptr<aasr::review::ReviewApi> api;
  std::string cookie, csrf;

  World() {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("aasr-fuzz-review-" + std::to_string(getpid()) + ".db")).string();
    std::filesystem::remove(path);
    auto opened = aasr::store::OpenSqliteStore(path, clock, 1);
    FUZZ_CHECK(opened.ok());
    store = opened.value();
    FUZZ_CHECK(store->PutModerator({0, "ada", "admin", "$argon2id$not-used", false, 0}).ok());
    const std::string token = aasr::review::RandomToken(32);
    aasr::store::Session s;
    s.token_hash = aasr::review::TokenHash(token);
    s.user = "ada";
    s.role = "admin";
    s.csrf = csrf = aasr::review::RandomToken(24);
    s.created_ms = clock->NowMs();
    s.expires_ms = s.created_ms + 1000LL * 3600 * 24 * 365;
    FUZZ_CHECK(store->PutSession(s).ok());
    cookie = std::string(aasr::review::ReviewApi::kCookieName) + "=" + token;
    auto rules = aasr::rules::RuleSet::LoadDirectory(AASR_SOURCE_DIR "/tests/review/fixtures/rules");
    FUZZ_CHECK(rules.ok());
    aasr::rules::RuleSetPtr set = rules.value();
    api = std::make_unique<aasr::review::ReviewApi>(store, [set] { return set; }, clock);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();  // lives for the whole run, like the server's
  const std::string input = aasr::fuzz::Input(data, size);
  const size_t nl = input.find('\n');
  const std::string first = input.substr(0, nl);
  aasr::review::Request r;
  const size_t sp = first.find(' ');
  r.method = first.substr(0, sp);
  std::string target = sp == std::string::npos ? "/api/queue" : first.substr(sp + 1);
  const size_t q = target.find('?');
  if (q != std::string::npos) {
    for (auto& [k, v] : aasr::net::ParseQuery(target.substr(q + 1))) r.query[k] = v;
    target.resize(q);
  }
  r.path = target;
  if (r.path.rfind("/api/login", 0) == 0 || r.path.rfind("/api/logout", 0) == 0) return 0;
  r.body = nl == std::string::npos ? "" : input.substr(nl + 1);
  r.headers["cookie"] = world->cookie;
  r.headers["x-csrf-token"] = world->csrf;
  r.headers["content-type"] = "application/json";
  r.remote_address = "127.0.0.1";
  const aasr::review::Response resp = world->api->Handle(r);
  FUZZ_CHECK(resp.status >= 200 && resp.status < 600);
  world->clock->Advance(1000);
  return 0;
}
