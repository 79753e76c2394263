// Replies are not sent twice across a SIGKILL between send and record
// (issue 12 tests): a child process runs the real sender against the fake
// Mastodon and kills itself the moment the server has accepted the reply,
// before the row is marked sent. The server's hour for the Idempotency-Key is
// then made to pass, so only reconciliation (our reply found under the
// comment by FindReply) can stop a second reply. A second child run must
// record the first reply and send nothing.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/replies/reply_store.h"
#include "tests/platforms/fake_mastodon.h"
#include "tests/replies/test_db.h"

using namespace aasr;
using aasr::testing::FakeMastodon;
using aasr::testing::ReplyTestDb;

namespace {

// Runs the child; returns its wait status.
int RunChild(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string exe = AASR_REPLY_CRASH_CHILD;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

int RepliesTo(FakeMastodon& fake, const std::string& id) {
  int n = 0;
  for (const auto& st : fake.statuses()) n += st["in_reply_to_id"] == id;
  return n;
}

}  // namespace

TEST_CASE("a SIGKILL between sending a reply and recording it does not send it twice", "[replies][crash]") {
  FakeMastodon fake;
  ReplyTestDb db("crash");
  const std::string comment = fake.AddReply("parent42@school.social", "<p>Nobody listens to us.</p>", "");
  const int64_t item = db.Queue("mastodon", "aasr-masto", comment, "parent42@school.social", "Nobody listens to us.", true);
  REQUIRE(item > 0);
  int64_t reply_id = 0;
  {
    auto rs = replies::ReplyStore::Open(db.path());
    REQUIRE(rs.ok());
    auto row = rs.value()->Enqueue({item, "We are listening. You are not alone.", false, "crisis-en", "mod1", "k-1"}, 1);
    REQUIRE(row.ok());
    reply_id = row.value().id;
  }

  int status = RunChild({db.path(), fake.url(), "aasr-masto", "kill-after-send"});
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(RepliesTo(fake, comment) == 1);  // the server has it ...
  {
    auto rs = replies::ReplyStore::Open(db.path());
    auto row = rs.value()->Get(reply_id).value();
    CHECK(row->state == replies::ReplyState::kSending);  // ... the row does not know
  }
  fake.ExpireIdempotencyKeys();  // the server's hour passes: the key cannot help

  status = RunChild({db.path(), fake.url(), "aasr-masto"});
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(RepliesTo(fake, comment) == 1);  // still one reply
  auto rs = replies::ReplyStore::Open(db.path());
  auto row = rs.value()->Get(reply_id).value();
  CHECK(row->state == replies::ReplyState::kSent);
  std::string url;
  for (const auto& st : fake.statuses())
    if (st["in_reply_to_id"] == comment) url = st["url"];
  CHECK(row->url == url);
  store::AuditFilter f;
  f.item_id = item;
  bool audited = false;
  auto audit = db.store()->Audit(f);  // held: a range-for over a temporary's value() dangles
  REQUIRE(audit.ok());
  for (const auto& e : audit.value())
    audited = audited || (e.action == "reply.sent" && e.note.find(url) != std::string::npos &&
                          e.note.find("found on the platform after an interruption") != std::string::npos);
  CHECK(audited);

  // Nothing more to do: a third round sends nothing.
  status = RunChild({db.path(), fake.url(), "aasr-masto"});
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(RepliesTo(fake, comment) == 1);
}
