// The outbox driving a real adapter: the local file platform from
// bot/platforms, with a crash injected between its answer and our record.
#include <filesystem>

#include <catch2/catch.hpp>

#include "bot/outreach/outbox.h"
#include "bot/platforms/local_platform.h"
#include "fake_platform.h"

using namespace aasr::outreach;
namespace platforms = aasr::platforms;

namespace {

// Forwards to a real platform; can die right after a successful Publish.
class CrashAfterPublish : public platforms::Platform {
 public:
  explicit CrashAfterPublish(platforms::Platform& real) : real_(real) {}
  using platforms::Platform::FindPublished;
  std::string name() const override { return real_.name(); }
  platforms::Capabilities capabilities() const override { return real_.capabilities(); }
  aasr::Status CheckCredentials() override { return real_.CheckCredentials(); }
  aasr::Result<platforms::Published> Publish(const platforms::ComposedPost& post) override {
    auto r = real_.Publish(post);
    if (crash && r.ok()) {
      crash = false;
      throw testing::SimulatedCrash();
    }
    return r;
  }
  aasr::Result<std::optional<platforms::Published>> FindPublished(const std::string& key) override {
    return real_.FindPublished(key);
  }
  aasr::Result<std::optional<platforms::Published>> FindPublished(const platforms::ComposedPost& post) override {
    return real_.FindPublished(post);
  }
  aasr::Result<platforms::CommentBatch> FetchComments(const std::string& c) override { return real_.FetchComments(c); }
  aasr::Status Moderate(platforms::ModerationAction a, const platforms::FetchedComment& t) override {
    return real_.Moderate(a, t);
  }
  bool crash = true;

 private:
  platforms::Platform& real_;
};

size_t PostFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") ++n;
  return n;
}

}  // namespace

TEST_CASE("local platform: crash between publish and record, restart, exactly one post file") {
  const auto dir = std::filesystem::temp_directory_path() / "aasr_outbox_local";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "var");
  const std::string db = (dir / "outreach.db").string();
  aasr::net::FakeClock net_clock(std::chrono::system_clock::from_time_t(1714564800));
  platforms::LocalPlatform local("local", (dir / "var").string(), &net_clock);
  CrashAfterPublish platform(local);
  aasr::ManualClock clock(int64_t{1714564800} * 1000);
  auto platform_for = [&](const std::string&) -> platforms::Platform* { return &platform; };

  PlanEntry e;
  e.at = clock.NowUnix();
  e.account = "local";
  e.platform = "local";
  e.kind = "graphic";
  e.item_id = "relationships-not-restraint";
  e.idempotency_key = IdempotencyKey("local", "graphic", std::to_string(e.at));
  platforms::ComposedPost post;
  post.text = "Compassion and positive relationships, not restraint, are what keep students and staff safe.";
  int64_t id;
  {
    auto store = OutreachStore::Open(db).value();
    Outbox outbox(*store, clock);
    id = outbox.Enqueue(e, post).value();
    CHECK_THROWS_AS(outbox.SendDue(platform_for), testing::SimulatedCrash);
    CHECK(store->GetOutbox(id).value()->state == OutboxState::kSending);
  }
  REQUIRE(PostFiles(local.outbox_dir()) == 1);
  auto store = OutreachStore::Open(db).value();
  Outbox outbox(*store, clock);
  const SendReport r = outbox.SendDue(platform_for);
  INFO(aasr::FormatErrors(r.errors));
  CHECK(r.reconciled == 1);
  const auto row = store->GetOutbox(id).value();
  CHECK(row->state == OutboxState::kPublished);
  CHECK_FALSE(row->remote_id.empty());
  CHECK(PostFiles(local.outbox_dir()) == 1);
  std::filesystem::remove_all(dir);
}
