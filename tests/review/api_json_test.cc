// The one item writer produces canonical JSON (what nlohmann::json would
// write for the same tree: sorted keys, the same escapes), hostile text
// included, so the queue's text and every tree built from it agree.
#include <catch2/catch.hpp>

#include "bot/review/item_json.h"

using namespace aasr;

TEST_CASE("queue item writer equals the JSON tree, whatever the text", "[review][json]") {
  auto clock = std::make_shared<aasr::ManualClock>();
  const int64_t now = clock->NowMs();
  auto text_of = [&](const store::Item& it) {
    std::string out;
    review::AppendItemJson(&out, it, now);
    return out;
  };
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
    std::string fast = text_of(it);
    nlohmann::json parsed = nlohmann::json::parse(fast, nullptr, false);
    INFO(fast);
    REQUIRE_FALSE(parsed.is_discarded());
    // What JsonResponse would send for the tree (invalid UTF-8 replaced).
    std::string tree = review::ItemJson(it, now).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace);
    CHECK(fast == tree);
  }
  CHECK(nlohmann::json::parse(text_of(it))["claim_expires_ms"] == now + 1000);
  it.claim_expires_ms = clock->NowMs() - 1;  // an expired claim is not shown
  CHECK(nlohmann::json::parse(text_of(it))["claimed_by"] == "");
  CHECK(nlohmann::json::parse(text_of(it))["claim_expires_ms"] == 0);
  it.categories.clear();
  CHECK(text_of(it) == review::ItemJson(it, now).dump());
}
