// The queue's fast item writer must produce exactly the JSON of ItemJson,
// hostile text included.
#include <catch2/catch.hpp>

#include "bot/review/api.h"

using namespace aasr;

TEST_CASE("queue item writer equals the JSON tree, whatever the text", "[review][json]") {
  auto clock = std::make_shared<aasr::ManualClock>();
  review::ReviewApi api(nullptr, nullptr, clock);
  store::Item it;
  it.id = 42;
  it.comment_id = 7;
  it.state = store::ItemState::kEscalated;
  it.priority = 3;
  it.crisis = true;
  it.hidden = true;
  it.claimed_by = "ana";
  it.claim_expires_ms = clock->NowMs() + 1000;
  it.created_ms = 1;
  it.received_ms = 2;
  it.version = 5;
  it.categories = {"crisis", "harassment"};
  it.platform = "bluesky";
  it.account = "aasr.bsky.social";
  it.author_handle = "x\"y\\z";
  for (std::string text :
       {std::string("plain"), std::string("<img src=x onerror=alert(1)> \"quoted\" \\ back"),
        std::string("line\nbreak\ttab\r\x01\x1f ctrl"), std::string("ünïcödé 😀 ｆｕｌｌ"),
        std::string("bad utf8 \xff\xfe here"), std::string(400, 'a') + "é" + std::string(10, 'b')}) {
    it.text = text;
    std::string fast = api.ItemJsonTextForTest(it);
    nlohmann::json parsed = nlohmann::json::parse(fast, nullptr, false);
    INFO(fast);
    REQUIRE_FALSE(parsed.is_discarded());
    // What JsonResponse would send for the tree (invalid UTF-8 replaced).
    std::string tree = api.ItemJsonForTest(it).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace);
    CHECK(fast == tree);
  }
  it.claim_expires_ms = clock->NowMs() - 1;  // an expired claim is not shown
  CHECK(nlohmann::json::parse(api.ItemJsonTextForTest(it))["claimed_by"] == "");
  it.categories.clear();
  CHECK(api.ItemJsonTextForTest(it) == api.ItemJsonForTest(it).dump());
}
