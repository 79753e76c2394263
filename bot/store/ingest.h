// Screening and storing incoming comments: the one path from "a comment
// arrived" to "it is stored with its verdict, and queued if flagged". Used by
// `aasr-bot queue ingest` and, later, the daemon's platform pollers.
//
// Promises: ParseCommentLine reads the `screen` jsonl shape plus `remote_id`,
// `account`, `parent` (and optional `root`, `parent_text`, `author.id`,
// `received_at_ms`); a line it cannot use yields an Error naming the source,
// line and field, never a half-filled comment. ScreenAndStore screens with the
// given rule set and stores comment and verdict in one transaction
// (idempotent on platform + remote_id).
// Thread safety: stateless; safe from any thread with a thread-safe Store.
#pragma once

#include <string>

#include "bot/rules/rules.h"
#include "bot/store/store.h"

namespace aasr::store {

// Converts the rule engine's verdict into what the store keeps.
StoredVerdict FromRules(const rules::Verdict& v);
// And the stored comment back into what the rule engine screens.
rules::Comment ToRulesComment(const NewComment& c);

// `platform` is the default when the line has no "platform" field.
Result<NewComment> ParseCommentLine(const std::string& line, const std::string& platform,
                                    const std::string& source, int line_number);

Result<IngestResult> ScreenAndStore(Store& store, const rules::RuleSet& rules,
                                    const NewComment& c, StoredVerdict* verdict_out = nullptr);

}  // namespace aasr::store
