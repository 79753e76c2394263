// Screening and storing incoming comments: the one path from "a comment
// arrived" to "it is stored with its verdict, and queued if flagged". Used by
// `aasr-bot queue ingest` and, later, the daemon's platform pollers.
//
// Promises: ParseCommentLine reads a line with the one comment codec
// (bot/comment/json.h) and requires `text` and `remote_id` (or `id`); a line
// it cannot use yields an Error naming the source, line and field, never a
// half-filled comment. ScreenAndStore screens with the
// given rule set, asks the moderation policy (bot/moderation/policy.h) what
// to queue and hide, and stores comment, verdict and that in one transaction
// (idempotent on platform + remote_id).
// Thread safety: stateless; safe from any thread with a thread-safe Store.
#pragma once

#include <optional>
#include <string>

#include "bot/comment/comment.h"
#include "bot/platforms/platform.h"
#include "bot/rules/rules.h"
#include "bot/store/store.h"

namespace aasr::store {

// Converts the rule engine's verdict into what the store keeps.
StoredVerdict FromRules(const rules::Verdict& v);
// And the stored comment back into what the rule engine screens.
rules::Comment ToRulesComment(const NewComment& c);
// The one comment model (bot/comment) as the store keeps it; `platform` is
// the default when the comment names none.
NewComment FromComment(const comment::Comment& c, const std::string& platform);

// `platform` is the default when the line has no "platform" field.
Result<NewComment> ParseCommentLine(const std::string& line, const std::string& platform,
                                    const std::string& source, int line_number);

// Screens `c` and asks the moderation policy what to do: the request
// Store::Ingest or Store::IngestBatch stores. `caps`: what the comment's
// platform can do; without it, what a platform of c.platform's name declares
// (policy.h KnownCapabilities: `queue ingest` has no adapter).
// `verdict_out`: the rule engine's own verdict, for callers that report it.
IngestRequest Screened(const rules::RuleSet& rules, const NewComment& c,
                       const std::optional<platforms::Capabilities>& caps = std::nullopt,
                       rules::Verdict* verdict_out = nullptr);

// Screened() then Store::Ingest(), in one call.
Result<IngestResult> ScreenAndStore(Store& store, const rules::RuleSet& rules,
                                    const NewComment& c, StoredVerdict* verdict_out = nullptr,
                                    const std::optional<platforms::Capabilities>& caps = std::nullopt);

}  // namespace aasr::store
