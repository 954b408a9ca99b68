#include "storage/sql/sqlite_migrations.hpp"

namespace boka::detail {

// Times are Unix seconds (INTEGER). Child rows (pool_members, allocations) repeat their
// parent's tenant_id so that every table can be filtered (and, on PostgreSQL, policed by
// row level security) on its own. Ids are INTEGER PRIMARY KEY (the rowid), never
// AUTOINCREMENT: ids of rolled-back inserts are reused, exactly as in the memory store.
const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       {
           R"(CREATE TABLE tenants (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                archived_at INTEGER,
                version INTEGER NOT NULL))",
           R"(CREATE TABLE schedules (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                rules TEXT NOT NULL,
                archived_at INTEGER,
                version INTEGER NOT NULL))",
           "CREATE INDEX schedules_tenant ON schedules(tenant_id)",
           R"(CREATE TABLE resources (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                zone TEXT NOT NULL,
                capacity INTEGER NOT NULL CHECK (capacity >= 1),
                slot_step INTEGER NOT NULL,
                min_notice INTEGER NOT NULL,
                max_horizon INTEGER NOT NULL,
                buffer_before INTEGER NOT NULL,
                buffer_after INTEGER NOT NULL,
                min_duration INTEGER NOT NULL,
                max_duration INTEGER NOT NULL,
                daily_limit INTEGER NOT NULL,
                schedule_id INTEGER REFERENCES schedules(id),
                metadata TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                archived_at INTEGER,
                version INTEGER NOT NULL))",
           "CREATE INDEX resources_tenant ON resources(tenant_id)",
           R"(CREATE TABLE pools (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                archived_at INTEGER,
                version INTEGER NOT NULL))",
           "CREATE INDEX pools_tenant ON pools(tenant_id)",
           R"(CREATE TABLE pool_members (
                pool_id INTEGER NOT NULL REFERENCES pools(id),
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                position INTEGER NOT NULL,
                resource_id INTEGER NOT NULL REFERENCES resources(id),
                PRIMARY KEY (pool_id, position)))",
           R"(CREATE TABLE reservations (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                status INTEGER NOT NULL,
                start_at INTEGER NOT NULL,
                end_at INTEGER NOT NULL CHECK (end_at > start_at),
                hold_expires_at INTEGER,
                idempotency_key TEXT NOT NULL,
                customer TEXT NOT NULL,
                metadata TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                version INTEGER NOT NULL))",
           "CREATE INDEX reservations_tenant ON reservations(tenant_id, id)",
           // Only reservations with a customer are indexed by it (queries add customer <> '').
           "CREATE INDEX reservations_customer ON reservations(tenant_id, customer) "
           "WHERE customer <> ''",
           "CREATE INDEX reservations_held ON reservations(hold_expires_at) WHERE status = 0",
           R"(CREATE TABLE allocations (
                reservation_id INTEGER NOT NULL REFERENCES reservations(id),
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                resource_id INTEGER NOT NULL REFERENCES resources(id),
                quantity INTEGER NOT NULL CHECK (quantity >= 1),
                pool_id INTEGER REFERENCES pools(id),
                PRIMARY KEY (reservation_id, resource_id)) WITHOUT ROWID)",
           "CREATE INDEX allocations_resource ON allocations(resource_id, reservation_id)",
           R"(CREATE TABLE idempotency_keys (
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                reservation_id INTEGER NOT NULL REFERENCES reservations(id),
                PRIMARY KEY (tenant_id, key)))",
       }},
      {2,
       {
           // Authentication. Secrets are stored only as hashes (password: Argon2id PHC;
           // tokens and key secrets: SHA-256) or sealed (TOTP secrets: AES-256-GCM).
           R"(CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                email TEXT NOT NULL,
                display_name TEXT NOT NULL,
                role INTEGER NOT NULL,
                state INTEGER NOT NULL,
                password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_login_at INTEGER,
                failed_logins INTEGER NOT NULL,
                last_failed_at INTEGER,
                locked_until INTEGER,
                failure_window_start INTEGER,
                failures_in_window INTEGER NOT NULL,
                totp_secret TEXT NOT NULL,
                totp_pending TEXT NOT NULL,
                totp_last_step INTEGER NOT NULL,
                totp_failures INTEGER NOT NULL,
                totp_locked_until INTEGER,
                recovery_codes TEXT NOT NULL,
                version INTEGER NOT NULL,
                UNIQUE (tenant_id, email)))",
           "CREATE INDEX users_role ON users(role) WHERE role >= 2",
           R"(CREATE TABLE sessions (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                user_id INTEGER NOT NULL REFERENCES users(id),
                token_hash TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL,
                idle_expires_at INTEGER NOT NULL,
                absolute_expires_at INTEGER NOT NULL,
                idle_seconds INTEGER NOT NULL,
                mfa_passed INTEGER NOT NULL,
                mfa_pending INTEGER NOT NULL,
                source TEXT NOT NULL,
                revoked_at INTEGER))",
           "CREATE INDEX sessions_user ON sessions(tenant_id, user_id)",
           R"(CREATE TABLE api_keys (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                created_by INTEGER NOT NULL,
                name TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                scopes INTEGER NOT NULL,
                role INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER,
                last_used_at INTEGER,
                revoked_at INTEGER,
                emergency INTEGER NOT NULL))",
           "CREATE INDEX api_keys_tenant ON api_keys(tenant_id)",
           R"(CREATE TABLE security_events (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                user_id INTEGER NOT NULL,
                email TEXT NOT NULL,
                actor TEXT NOT NULL,
                source TEXT NOT NULL,
                detail TEXT NOT NULL))",
           "CREATE INDEX security_events_at ON security_events(tenant_id, at)",
       }},
      // 3: the hash-chained audit trail (boka/audit.hpp) replaces security_events, whose
      // rows (not chained) stay readable as legacy_security_events. Audit rows are
      // append-only: the triggers refuse UPDATE and DELETE for every connection. A chain's
      // head is its highest seq (the primary key finds it); settings holds heartbeats.
      {3,
       {
           "ALTER TABLE security_events RENAME TO legacy_security_events",
           R"(CREATE TABLE audit_log (
                tenant_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                outcome INTEGER NOT NULL,
                reason TEXT NOT NULL,
                source TEXT NOT NULL,
                detail TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (tenant_id, seq)) WITHOUT ROWID)",
           // No secondary index: every index is one more page written by every booking's
           // commit. Audit queries read a tenant's chain in seq order and filter.
           R"(CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END)",
           R"(CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END)",
           R"(CREATE TABLE settings (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL))",
       }},
      // 4: an API key records its creator's tenant (a superadmin creates keys in other
      // tenants) and the key it was created with, so revoking a key revokes its children.
      {4,
       {
           "ALTER TABLE api_keys ADD COLUMN creator_tenant_id INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE api_keys ADD COLUMN parent_key_id INTEGER NOT NULL DEFAULT 0",
           "UPDATE api_keys SET creator_tenant_id = tenant_id WHERE created_by <> 0",
       }},
      // 5: recurring series (boka/series.hpp). A series row groups its occurrences, which
      // are ordinary reservations naming it in series_id.
      {5,
       {
           R"(CREATE TABLE series (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                spec TEXT NOT NULL,
                split_from INTEGER REFERENCES series(id),
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                version INTEGER NOT NULL))",
           "ALTER TABLE reservations ADD COLUMN series_id INTEGER REFERENCES series(id)",
           // The occurrence's generated local date as yyyymmdd (its RECURRENCE-ID).
           "ALTER TABLE reservations ADD COLUMN occurrence_date INTEGER",
           "CREATE INDEX reservations_series ON reservations(series_id) "
           "WHERE series_id IS NOT NULL",
       }},
      // 6: the waitlist (boka/waitlist.hpp). An entry keeps its allocation requests as one
      // JSON array; waitlist_targets repeats the resources ('r') and pools ('p') they name,
      // one row each, so the entries waiting for a freed resource or pool are found through
      // an index instead of by reading every entry's JSON.
      {6,
       {
           R"(CREATE TABLE waitlist_entries (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                earliest_start INTEGER NOT NULL,
                latest_start INTEGER NOT NULL,
                duration_seconds INTEGER NOT NULL,
                customer TEXT NOT NULL,
                priority INTEGER NOT NULL,
                joined_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                status INTEGER NOT NULL,
                offer_reservation_id INTEGER REFERENCES reservations(id),
                offer_expires_at INTEGER,
                allocations_json TEXT NOT NULL,
                metadata_json TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                version INTEGER NOT NULL))",
           // The queue: a tenant's entries of a status in queue order.
           "CREATE INDEX waitlist_queue ON waitlist_entries(tenant_id, status, priority DESC, "
           "joined_at, id)",
           "CREATE INDEX waitlist_offer ON waitlist_entries(offer_reservation_id) "
           "WHERE offer_reservation_id IS NOT NULL",
           // The sweep's deadlines: waiting entries by expires_at, offered by offer_expires_at.
           "CREATE INDEX waitlist_waiting_due ON waitlist_entries(expires_at) WHERE status = 0",
           "CREATE INDEX waitlist_offered_due ON waitlist_entries(offer_expires_at) "
           "WHERE status = 1",
           R"(CREATE TABLE waitlist_targets (
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                entry_id INTEGER NOT NULL REFERENCES waitlist_entries(id),
                kind TEXT NOT NULL CHECK (kind IN ('r', 'p')),
                target_id INTEGER NOT NULL,
                PRIMARY KEY (entry_id, kind, target_id)) WITHOUT ROWID)",
           "CREATE INDEX waitlist_targets_target ON waitlist_targets(tenant_id, kind, "
           "target_id, entry_id)",
       }},
      // 7: services, customers and booking rules (boka/service.hpp, customer.hpp, rules.hpp).
      // A service keeps its allowed durations and allocation requests as JSON arrays.
      // Customers have no unique index: the engine keeps emails, external refs and users
      // unique among live customers (merged and erased records keep none of them).
      // Reservations, series and waitlist entries name their customer record; reservations
      // also keep the service and the terms they were booked under.
      {7,
       {
           R"(CREATE TABLE services (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                duration_seconds INTEGER NOT NULL CHECK (duration_seconds > 0),
                allowed_durations_json TEXT NOT NULL,
                allocations_json TEXT NOT NULL,
                buffer_before INTEGER NOT NULL CHECK (buffer_before >= 0),
                buffer_after INTEGER NOT NULL CHECK (buffer_after >= 0),
                min_notice INTEGER NOT NULL CHECK (min_notice >= 0),
                price_minor INTEGER CHECK (price_minor >= 0),
                currency TEXT NOT NULL,
                customer_bookable INTEGER NOT NULL CHECK (customer_bookable IN (0, 1)),
                cancel_cutoff INTEGER NOT NULL CHECK (cancel_cutoff >= 0),
                reschedule_cutoff INTEGER NOT NULL CHECK (reschedule_cutoff >= 0),
                max_active_per_customer INTEGER NOT NULL CHECK (max_active_per_customer >= 0),
                max_per_customer_per_day INTEGER NOT NULL CHECK (max_per_customer_per_day >= 0),
                metadata_json TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                archived_at INTEGER,
                version INTEGER NOT NULL))",
           "CREATE INDEX services_tenant ON services(tenant_id, id)",
           R"(CREATE TABLE customers (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                display_name TEXT NOT NULL,
                email TEXT NOT NULL,
                phone TEXT NOT NULL,
                locale TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                notes TEXT NOT NULL,
                external_ref TEXT NOT NULL,
                user_id INTEGER REFERENCES users(id),
                merged_into INTEGER REFERENCES customers(id),
                erased_at INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                version INTEGER NOT NULL))",
           // Lists and searches read a tenant's customers in id order.
           "CREATE INDEX customers_tenant ON customers(tenant_id, id)",
           // The lookups of find_live_customers. Emails are stored lower-cased (by the
           // engine), so this is the index by lower-cased email; queries add the condition.
           "CREATE INDEX customers_email ON customers(tenant_id, email) WHERE email <> ''",
           "CREATE INDEX customers_external_ref ON customers(tenant_id, external_ref) "
           "WHERE external_ref <> ''",
           "CREATE INDEX customers_user ON customers(tenant_id, user_id) "
           "WHERE user_id IS NOT NULL",
           "ALTER TABLE reservations ADD COLUMN customer_id INTEGER REFERENCES customers(id)",
           "ALTER TABLE reservations ADD COLUMN notes TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE reservations ADD COLUMN service_id INTEGER REFERENCES services(id)",
           "ALTER TABLE reservations ADD COLUMN price_minor INTEGER",
           "ALTER TABLE reservations ADD COLUMN currency TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE reservations ADD COLUMN buffer_before INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE reservations ADD COLUMN buffer_after INTEGER NOT NULL DEFAULT 0",
           // Listing in start order (ReservationOrder::by_start) and its keyset.
           "CREATE INDEX reservations_start ON reservations(tenant_id, start_at, id)",
           "CREATE INDEX reservations_customer_id ON reservations(tenant_id, customer_id) "
           "WHERE customer_id IS NOT NULL",
           "CREATE INDEX reservations_service ON reservations(tenant_id, service_id) "
           "WHERE service_id IS NOT NULL",
           // The pool filter: only allocations picked from a pool are indexed.
           "CREATE INDEX allocations_pool ON allocations(pool_id, reservation_id) "
           "WHERE pool_id IS NOT NULL",
           "ALTER TABLE series ADD COLUMN customer_id INTEGER REFERENCES customers(id)",
           "CREATE INDEX series_customer ON series(tenant_id, customer_id) "
           "WHERE customer_id IS NOT NULL",
           "ALTER TABLE waitlist_entries ADD COLUMN customer_id INTEGER REFERENCES customers(id)",
           "CREATE INDEX waitlist_customer ON waitlist_entries(tenant_id, customer_id) "
           "WHERE customer_id IS NOT NULL",
           // Booking rules (boka/rules.hpp) of tenants and resources; 0 is "no rule".
           "ALTER TABLE tenants ADD COLUMN cancel_cutoff INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE tenants ADD COLUMN reschedule_cutoff INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE tenants ADD COLUMN max_active_per_customer INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE tenants ADD COLUMN max_per_customer_per_day INTEGER NOT NULL DEFAULT 0",
           // Tenant::max_hold, 30 days unless set.
           "ALTER TABLE tenants ADD COLUMN max_hold INTEGER NOT NULL DEFAULT 2592000",
           "ALTER TABLE resources ADD COLUMN cancel_cutoff INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE resources ADD COLUMN reschedule_cutoff INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE resources ADD COLUMN max_active_per_customer INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE resources ADD COLUMN max_per_customer_per_day INTEGER NOT NULL DEFAULT 0",
       }},
      // 8: the event feed (boka/events.hpp, docs/events.md). AUTOINCREMENT: an id is never
      // given twice, even after pruning removed the newest events. One writer at a time, so
      // an event's position is its id: the table has no position column.
      {8,
       {
           R"(CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                type TEXT NOT NULL,
                subject TEXT NOT NULL,
                occurred_at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                source TEXT NOT NULL,
                customer_id INTEGER,
                payload TEXT NOT NULL))",
           "CREATE INDEX events_feed ON events(tenant_id, id)",
           "CREATE INDEX events_subject ON events(tenant_id, subject, id)",
           "CREATE INDEX events_customer ON events(tenant_id, customer_id) "
           "WHERE customer_id IS NOT NULL",
           "CREATE INDEX events_occurred ON events(occurred_at)",
       }},
      // 9: webhooks (boka/webhooks.hpp, docs/webhooks.md): endpoints (secrets sealed by the
      // engine), one delivery per event and endpoint, and each attempt of a delivery.
      {9,
       {
           R"(CREATE TABLE webhook_endpoints (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                url TEXT NOT NULL,
                event_types TEXT NOT NULL,
                description TEXT NOT NULL,
                active INTEGER NOT NULL,
                disabled_reason TEXT NOT NULL,
                after_position INTEGER NOT NULL,
                failing_since INTEGER,
                previous_secret_expires_at INTEGER,
                secret TEXT NOT NULL,
                previous_secret TEXT NOT NULL,
                deleted INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                version INTEGER NOT NULL))",
           "CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, id)",
           R"(CREATE TABLE webhook_deliveries (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id),
                event_id INTEGER NOT NULL,
                event_position INTEGER NOT NULL,
                event_type TEXT NOT NULL,
                subject TEXT NOT NULL,
                status INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                last_status_code INTEGER,
                last_latency_ms INTEGER,
                last_error TEXT NOT NULL,
                replay INTEGER NOT NULL,
                leased_until INTEGER,
                created_at INTEGER NOT NULL,
                delivered_at INTEGER))",
           "CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries(tenant_id, id)",
           // due_deliveries: pending ones by due time, and each endpoint and subject's first.
           "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, id) "
           "WHERE status = 0",
           "CREATE INDEX webhook_deliveries_subject ON webhook_deliveries(endpoint_id, subject, "
           "event_position) WHERE status = 0",
           // Pruning keeps the events a pending delivery still needs.
           "CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id) WHERE status = 0",
           R"(CREATE TABLE webhook_attempts (
                delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                attempt INTEGER NOT NULL,
                at INTEGER NOT NULL,
                status_code INTEGER,
                latency_ms INTEGER NOT NULL,
                error TEXT NOT NULL,
                PRIMARY KEY (delivery_id, attempt)))",
       }},
      // 10: calendar feeds (boka/feeds.hpp, docs/feeds.md): a token's secret is stored as its
      // SHA-256 only.
      {10,
       {
           R"(CREATE TABLE calendar_feeds (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                kind INTEGER NOT NULL,
                subject INTEGER NOT NULL,
                name TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER))",
           "CREATE INDEX calendar_feeds_tenant ON calendar_feeds(tenant_id, id)",
       }},
      // 11: mail, payments (boka/mail.hpp, boka/payments.hpp): per-tenant settings as named
      // JSON documents, outgoing messages with their content and a per-tenant key that makes
      // each once only, the payment provider's events taken (once each), and the payment state
      // of reservations.
      {11,
       {
           R"(CREATE TABLE tenant_settings (
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (tenant_id, name)))",
           R"(CREATE TABLE emails (
                id INTEGER PRIMARY KEY,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                kind INTEGER NOT NULL,
                reservation_id INTEGER NOT NULL,
                customer_id INTEGER,
                event_id INTEGER,
                dedupe_key TEXT NOT NULL,
                recipient TEXT NOT NULL,
                subject TEXT NOT NULL,
                locale TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                message_id TEXT NOT NULL,
                status INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                last_smtp_code INTEGER,
                last_error TEXT NOT NULL,
                leased_until INTEGER,
                created_at INTEGER NOT NULL,
                sent_at INTEGER,
                text_body TEXT NOT NULL,
                html_body TEXT NOT NULL,
                ics TEXT NOT NULL,
                UNIQUE (tenant_id, dedupe_key)))",
           "CREATE INDEX emails_tenant ON emails(tenant_id, id)",
           "CREATE INDEX emails_due ON emails(next_attempt_at, id) WHERE status = 0",
           "CREATE INDEX emails_customer ON emails(tenant_id, customer_id)",
           R"(CREATE TABLE payment_events (
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                provider_event_id TEXT NOT NULL,
                type TEXT NOT NULL,
                outcome INTEGER NOT NULL,
                reservation_id INTEGER,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (tenant_id, provider_event_id)))",
           "ALTER TABLE reservations ADD COLUMN payment_status INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE reservations ADD COLUMN payment_reference TEXT NOT NULL DEFAULT ''",
       }},
      // 12: waitlist_targets with its key columns first. SQLite 3.40 (Debian 12's) reports
      // "NULL value in waitlist_targets.tenant_id" from PRAGMA integrity_check for a
      // WITHOUT ROWID table whose NOT NULL column precedes its key columns: the data is fine,
      // but every backup of a store with a waitlist entry failed verification. Same rows,
      // same index.
      {12,
       {
           R"(CREATE TABLE waitlist_targets_12 (
                entry_id INTEGER NOT NULL REFERENCES waitlist_entries(id),
                kind TEXT NOT NULL CHECK (kind IN ('r', 'p')),
                target_id INTEGER NOT NULL,
                tenant_id INTEGER NOT NULL REFERENCES tenants(id),
                PRIMARY KEY (entry_id, kind, target_id)) WITHOUT ROWID)",
           "INSERT INTO waitlist_targets_12 (entry_id, kind, target_id, tenant_id) "
           "SELECT entry_id, kind, target_id, tenant_id FROM waitlist_targets",
           "DROP TABLE waitlist_targets",
           "ALTER TABLE waitlist_targets_12 RENAME TO waitlist_targets",
           "CREATE INDEX waitlist_targets_target ON waitlist_targets(tenant_id, kind, "
           "target_id, entry_id)",
       }},
  };
  return kMigrations;
}

}  // namespace boka::detail
