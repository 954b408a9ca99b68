// Row access on an SQLite connection (SqliteTransaction), and SQLite's transaction control.
#pragma once

#include <memory>

#include "boka/storage_spi.hpp"
#include "storage/sql/sql_connection.hpp"

namespace boka::detail {

// Runs `sql` (a statement without parameters or rows: BEGIN IMMEDIATE, COMMIT,
// SAVEPOINT ...) through the connection's cached raw statements (no parse per call). Throws
// soci::sqlite3_soci_error.
void sqlite_execute(SqlConnection& connection, const char* sql);

// Row access inside a transaction the caller began on `connection`, which must outlive the
// returned transaction; used by one thread. `map` maps SQLite's exceptions. `memo`, if not
// null, is the transaction's (StorageTransaction::memo), owned by the caller.
std::unique_ptr<StorageTransaction> make_sqlite_transaction(SqlConnection& connection,
                                                            bool writable, SqlErrorMapper map,
                                                            TransactionMemo* memo = nullptr);

}  // namespace boka::detail
