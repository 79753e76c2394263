// The moderation policy as a table: verdict x platform capabilities ->
// queue, crisis, at-once action; decision x capabilities x hidden -> actions.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "bot/moderation/policy.h"

using namespace aasr;
using moderation::ForDecision;
using moderation::ForVerdict;
using moderation::KnownCapabilities;
using moderation::RemoveAction;

namespace {

platforms::Capabilities Caps(bool hide, bool del, const std::string& fallback = "") {
  platforms::Capabilities c;
  c.hide_replies = hide;
  c.delete_comments = del;
  c.hide_fallback = fallback;
  return c;
}

store::StoredVerdict Verdict(const std::string& action, std::vector<std::string> categories) {
  store::StoredVerdict v;
  v.action = action;
  v.categories = std::move(categories);
  v.explanation = "matched test.rule";
  return v;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("verdict x capabilities: queue, crisis and the action at once", "[policy]") {
  struct Row {
    const char* action;
    Strings categories;
    platforms::Capabilities caps;
    bool queue, crisis;
    const char* at_once;
    const char* note;
  };
  const platforms::Capabilities facebook = Caps(true, true), bluesky = Caps(true, false),
                                mastodon = Caps(false, false, "author blocked; the reply stays visible"),
                                none = Caps(false, false), delete_only = Caps(false, true);
  const std::vector<Row> table = {
      {"allow", {}, facebook, false, false, "", ""},
      {"allow", {}, none, false, false, "", ""},
      {"review", {"harassment"}, facebook, true, false, "", "matched test.rule"},
      {"review", {"crisis"}, none, true, true, "", "matched test.rule"},
      {"review", {"spam", "crisis"}, mastodon, true, true, "", "matched test.rule"},
      {"hide", {"threat"}, facebook, true, false, "hide", "hidden at once: matched test.rule"},
      {"hide", {"threat"}, bluesky, true, false, "hide", "hidden at once: matched test.rule"},
      {"hide", {"threat"}, mastodon, true, false, "hide", "hidden at once: matched test.rule"},
      {"hide", {"crisis"}, facebook, true, true, "hide", "hidden at once: matched test.rule"},
      {"hide", {"threat"}, none, true, false, "",
       "not hidden (the platform cannot hide replies): matched test.rule"},
      {"hide", {"threat"}, delete_only, true, false, "",
       "not hidden (the platform cannot hide replies): matched test.rule"},
  };
  for (const Row& r : table) {
    INFO(r.action << " " << (r.categories.empty() ? "" : r.categories[0]) << " hide_replies="
                  << r.caps.hide_replies << " fallback=" << r.caps.hide_fallback);
    const store::Disposition d = ForVerdict(Verdict(r.action, r.categories), r.caps);
    CHECK(d.queue == r.queue);
    CHECK(d.crisis == r.crisis);
    CHECK(d.at_once == r.at_once);
    CHECK(d.note == r.note);
  }
}

TEST_CASE("remove is decided once: hide, else delete, else nothing", "[policy]") {
  CHECK(RemoveAction(Caps(true, true)) == "hide");
  CHECK(RemoveAction(Caps(true, false)) == "hide");
  CHECK(RemoveAction(Caps(false, false, "author blocked")) == "hide");
  CHECK(RemoveAction(Caps(false, true)) == "delete");
  CHECK(RemoveAction(Caps(false, false)) == "");
}

TEST_CASE("decision x capabilities: the actions for a visible and a hidden item", "[policy]") {
  struct Row {
    const char* decision;
    platforms::Capabilities caps;
    Strings if_visible, if_hidden;
  };
  const std::vector<Row> table = {
      {"remove", Caps(true, true), {"hide"}, {}},  // a hidden item is not hidden twice
      {"remove", Caps(false, false, "author blocked"), {"hide"}, {}},
      {"remove", Caps(false, true), {"delete"}, {"delete"}},
      {"remove", Caps(false, false), {}, {}},
      {"approve", Caps(true, true), {}, {"unhide"}},
      {"approve", Caps(false, false), {}, {"unhide"}},
      {"escalate", Caps(true, true), {}, {}},
      {"shrug", Caps(true, true), {}, {}},
  };
  for (const Row& r : table) {
    INFO(r.decision << " hide_replies=" << r.caps.hide_replies << " delete=" << r.caps.delete_comments);
    const store::DecisionActions a = ForDecision(r.decision, r.caps);
    CHECK(a.if_visible == r.if_visible);
    CHECK(a.if_hidden == r.if_hidden);
  }
}

TEST_CASE("known capabilities when no adapter is at hand", "[policy]") {
  CHECK(RemoveAction(KnownCapabilities("mastodon")) == "");
  CHECK(RemoveAction(KnownCapabilities("bluesky")) == "hide");
  CHECK(RemoveAction(KnownCapabilities("facebook")) == "hide");
  CHECK(RemoveAction(KnownCapabilities("local")) == "hide");
  CHECK(ForVerdict(Verdict("hide", {"threat"}), KnownCapabilities("mastodon")).at_once == "");
  CHECK(ForVerdict(Verdict("hide", {"threat"}), KnownCapabilities("file")).at_once == "hide");
}

TEST_CASE("reopen reverses what the decision did: unhide after remove, hide again after approve of a hide verdict",
          "[policy]") {
  using V = std::vector<std::string>;
  const auto removed = moderation::ForReopen("remove", "review", Caps(true, true));
  CHECK(removed.if_hidden == V{"unhide"});
  CHECK(removed.if_visible.empty());  // a delete cannot be taken back
  const auto approved_hide = moderation::ForReopen("approve", "hide", Caps(true, false));
  CHECK(approved_hide.if_visible == V{"hide"});
  CHECK(approved_hide.if_hidden.empty());
  CHECK(moderation::ForReopen("approve", "review", Caps(true, true)).if_visible.empty());
  CHECK(moderation::ForReopen("approve", "hide", Caps(false, true)).if_visible.empty());  // cannot hide
  CHECK(moderation::ForReopen("escalate", "hide", Caps(true, true)).if_visible.empty());
}
