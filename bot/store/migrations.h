// Schema migrations of the SQLite store, private to bot/store.
//
// Promises: Migrate() brings a database from its PRAGMA user_version up to
// `target`, one version at a time, each step and its version bump in one
// transaction (a crash leaves the previous version intact). A database newer
// than kSchemaVersion is refused and not modified.
// Thread safety: call with a connection no other thread uses.
#pragma once

#include "bot/store/sqlite_db.h"

namespace aasr::store {

Result<int> SchemaVersion(Db& db);
// Returns the version reached.
Result<int> Migrate(Db& db, int target);

}  // namespace aasr::store
