// Policy: what moderation does, decided once, from a verdict or a moderator's
// decision and what the platform can do. The store persists what it decides;
// the intake, the daemon and the review API all ask it.
//
// Promises:
// - ForVerdict: a comment is queued unless the verdict allows it; it is a
//   crisis item when a matched category is `crisis`; a `hide` verdict asks
//   for a `hide` at once where the platform can hide replies or has a hide
//   fallback (Mastodon: block and report), else nothing at once (the item
//   waits for a person with a note saying why).
// - RemoveAction: "remove" hides where the platform can hide (or has a
//   fallback), else deletes where it can delete, else asks nothing.
// - ForDecision: remove -> RemoveAction (not a second hide of a hidden item);
//   approve -> unhide an item that is hidden; escalate -> nothing.
// - ForReopen: reverses what a decision did on the platform: after remove,
//   unhide a hidden item (a delete cannot be reversed); after approve, hide
//   again where the verdict was `hide` and the platform can hide.
// - KnownCapabilities: what an adapter of that name declares when none is at
//   hand (`serve`, `queue ingest`); the daemon asks its adapters instead.
// Thread safety: pure functions.
#pragma once

#include <string>

#include "bot/platforms/platform.h"
#include "bot/store/store.h"

namespace aasr::moderation {

store::Disposition ForVerdict(const store::StoredVerdict& v, const platforms::Capabilities& caps);

// "hide", "delete" or "".
std::string RemoveAction(const platforms::Capabilities& caps);

// Unknown decisions imply no action (the store refuses them).
store::DecisionActions ForDecision(const std::string& decision,
                                   const platforms::Capabilities& caps);

// `decision` is the one being reopened; `verdict_action` the rules' action.
store::DecisionActions ForReopen(const std::string& decision, const std::string& verdict_action,
                                 const platforms::Capabilities& caps);

platforms::Capabilities KnownCapabilities(const std::string& platform);

}  // namespace aasr::moderation
