// Audit queries, table statistics and settings for the SQL stores (the hot appends are
// prepared statements of each dialect's transaction: sqlite_transaction.cpp,
// postgresql_transaction.cpp). Same statements on SQLite and PostgreSQL
// except table sizes. These functions throw SOCI's exceptions; SqlTransaction maps them.
#pragma once

#include <soci/soci.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::detail::sql_audit {

// Every chain's head (tenant_id, seq, hash by tenant): the record with the highest seq,
// found through the primary key. Plain SQL, shared with the backup code's raw SQLite reads.
inline constexpr const char* kAuditHeadsSql =
    "SELECT a.tenant_id, a.seq, a.hash FROM audit_log a JOIN (SELECT tenant_id, MAX(seq) AS seq "
    "FROM audit_log GROUP BY tenant_id) h ON h.tenant_id = a.tenant_id AND h.seq = a.seq "
    "ORDER BY a.tenant_id";

// boka's tables in both SQL dialects, in the order table_stats reports them.
const std::vector<std::string>& boka_tables();
// The schema version from which table_stats and backup manifests count `table` (one of
// boka_tables(), else -1): 0 for the tables counted since manifests exist; 6 for series
// (created by migration 5 but counted only from 6 on) and the waitlist tables (migration
// 6); 7 for services and customers (migration 7). A manifest written at an older schema
// version does not list them.
int counted_since(std::string_view table);

std::vector<AuditRecord> list_audit(soci::session& sql, const AuditQuery& query);
std::vector<AuditHead> audit_heads(soci::session& sql);
std::vector<TableStats> table_stats(soci::session& sql, bool postgresql);
std::optional<std::string> get_setting(soci::session& sql, std::string_view name);
void put_setting(soci::session& sql, std::string_view name, std::string_view value);

}  // namespace boka::detail::sql_audit
