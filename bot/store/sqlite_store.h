// SqliteStore: the embedded Store, one SQLite file in WAL mode.
//
// Promises: opening runs every schema migration the file lacks, in order,
// each in its own transaction, so a database from an older aasr-bot upgrades
// in place; a database whose schema is newer than this build understands is
// refused with an Error naming the file and both versions, and left untouched.
// Inputs: a path (created if missing) and the clock used for every timestamp
// the caller does not give. Errors name the database file.
// Thread safety: the returned Store is safe to share between threads; it keeps
// a small pool of connections, and every write runs in BEGIN IMMEDIATE so
// writers queue up instead of failing.
#pragma once

#include <memory>
#include <string>

#include "bot/sql/migrations.h"
#include "bot/store/store.h"

namespace aasr::store {

// The schema version this build writes (the one sequence, bot/sql/migrations.h).
inline constexpr int kSchemaVersion = sql::kSchemaVersion;

Result<StorePtr> OpenSqliteStore(const std::string& path,
                                 std::shared_ptr<const Clock> clock = nullptr,
                                 int pool_size = 8);

// Creates (or migrates) the file only up to `version`, without opening a
// Store. For upgrade tests and for tools that must reproduce an old layout.
Status CreateSchemaAtVersion(const std::string& path, int version);

}  // namespace aasr::store
