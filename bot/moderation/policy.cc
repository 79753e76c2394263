#include "bot/moderation/policy.h"

#include <algorithm>

#include "bot/platforms/replies.h"

namespace aasr::moderation {
namespace {

bool CanHide(const platforms::Capabilities& caps) {
  return caps.hide_replies || !caps.hide_fallback.empty();
}

}  // namespace

store::Disposition ForVerdict(const store::StoredVerdict& v, const platforms::Capabilities& caps) {
  store::Disposition d;
  d.queue = v.action != "allow";
  if (!d.queue) return d;
  d.crisis = std::find(v.categories.begin(), v.categories.end(), "crisis") != v.categories.end();
  d.note = v.explanation;
  if (v.action == "hide") {
    if (CanHide(caps)) {
      d.at_once = "hide";
      d.note = "hidden at once: " + v.explanation;
    } else {
      d.note = "not hidden (the platform cannot hide replies): " + v.explanation;
    }
  }
  return d;
}

std::string RemoveAction(const platforms::Capabilities& caps) {
  if (CanHide(caps)) return "hide";
  if (caps.delete_comments) return "delete";
  return "";
}

store::DecisionActions ForDecision(const std::string& decision,
                                   const platforms::Capabilities& caps) {
  store::DecisionActions a;
  if (decision == "remove") {
    const std::string remove = RemoveAction(caps);
    if (!remove.empty()) a.if_visible = {remove};
    if (!remove.empty() && remove != "hide") a.if_hidden = {remove};
  } else if (decision == "approve") {
    a.if_hidden = {"unhide"};
  }
  return a;
}

store::DecisionActions ForReopen(const std::string& decision, const std::string& verdict_action,
                                 const platforms::Capabilities& caps) {
  store::DecisionActions a;
  if (decision == "remove") {
    a.if_hidden = {"unhide"};
  } else if (decision == "approve" && verdict_action == "hide" && RemoveAction(caps) == "hide") {
    a.if_visible = {"hide"};
  }
  return a;
}

platforms::Capabilities KnownCapabilities(const std::string& platform) {
  platforms::Capabilities c;
  if (platform == "mastodon") {
    // No way to hide or delete someone else's reply. Its hide fallback
    // (block, mute, report) is per account's config, unknown without the
    // adapter, so nothing is asked for.
    c.block_authors = true;
    c.report = true;
  } else if (platform == "bluesky") {
    c.hide_replies = true;  // threadgate hiddenReplies
  } else {
    // Facebook Pages, the local platform, files: hide and delete.
    c.hide_replies = true;
    c.delete_comments = true;
  }
  platforms::SetReplyCapabilities(platform, &c);
  return c;
}

}  // namespace aasr::moderation
