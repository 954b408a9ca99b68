// Storage conformance for the audit trail: chains append in order, one per tenant, every
// field round trips, and queries filter and page.
#include <catch2/catch.hpp>

#include "for_each_store.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;
using namespace boka::conformance::suite;
using boka::conformance::for_each_store;

namespace {

void check_same_record(const AuditRecord& got, const AuditRecord& want) {
  CHECK(got.tenant == want.tenant);
  CHECK(got.seq == want.seq);
  CHECK(got.at == want.at);
  CHECK(got.actor == want.actor);
  CHECK(got.action == want.action);
  CHECK(got.target == want.target);
  CHECK(got.outcome == want.outcome);
  CHECK(got.reason == want.reason);
  CHECK(got.source == want.source);
  CHECK(got.detail_json == want.detail_json);
  CHECK(got.prev_hash == want.prev_hash);
  CHECK(got.hash == want.hash);
}

std::vector<std::int64_t> seqs(const std::vector<AuditRecord>& records) {
  std::vector<std::int64_t> out;
  for (const auto& r : records) out.push_back(r.seq);
  return out;
}

}  // namespace

TEST_CASE(
    "conformance: audit chains append in order - one chain per tenant - every field round trips") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const Instant t0 = utc(2026, 5, 1, 9);
    std::vector<AuditRecord> records = {
        record(a, t0 + Seconds(20), "", "auth.login_failed", "user:11",
               AuditOutcome::failure),                                           // 0
        record(a, t0, "user:11", "auth.login_succeeded", "user:11"),             // 1
        record(b, t0 + Seconds(10), "system", "resource.create", "resource:4"),  // 2
        record(a, t0 + Seconds(30), "user:11", "reservation.reserve", "",
               AuditOutcome::conflict),                                                   // 3
        record(a, t0 + Seconds(10), "api_key:2", "reservation.cancel", "reservation:9"),  // 4
        record(TenantId{}, t0, "system", "tenant.create", "tenant:1"),                    // 5
    };
    records[0].reason = "wrong password";
    records[0].source = "203.0.113.9";
    records[0].detail_json = R"({"email":"ann@example.com","detail":"wrong \"pw\"\n"})";
    records[3].reason = "resource 4 is fully booked at 2026-05-01T10:00:00Z";
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              for (auto& r : records) BOKA_RETURN_IF_ERROR(append(t, r));
              return Status::Ok();
            }).ok());
    CHECK(records[0].seq == 1);
    CHECK(records[1].seq == 2);
    CHECK(records[1].prev_hash == records[0].hash);
    CHECK(records[2].seq == 1);  // chain b starts at 1
    CHECK(records[2].prev_hash.empty());
    CHECK(records[3].seq == 3);
    CHECK(records[4].seq == 4);
    CHECK(records[5].seq == 1);  // the system chain
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              AuditQuery q;
              q.tenant = a;
              auto all = t.list_audit(q).value();
              REQUIRE(all.size() == 4);
              check_same_record(all[0], records[0]);
              check_same_record(all[1], records[1]);
              check_same_record(all[2], records[3]);
              check_same_record(all[3], records[4]);
              auto heads = t.audit_heads().value();
              REQUIRE(heads.size() == 3);
              CHECK(heads[0].tenant == 0);
              CHECK(heads[0].seq == 1);
              CHECK(heads[0].hash == records[5].hash);
              CHECK(heads[1].tenant == a);
              CHECK(heads[1].seq == 4);
              CHECK(heads[1].hash == records[4].hash);
              CHECK(heads[2].tenant == b);
              CHECK(heads[2].seq == 1);
              return Status::Ok();
            }).ok());
    // A seq that is not next is refused; the chain is unchanged.
    auto st = write(*s, [&](StorageTransaction& t) -> Status {
      BOKA_ASSIGN_OR_RETURN(auto head, t.lock_audit_head(a));
      AuditRecord r = record(a, t0, "system", "x.y", "");
      r.seq = head.seq;  // taken
      r.hash = "dup";
      return t.append_audit(r);
    });
    CHECK(st.code() == Code::already_exists);
  });
}

TEST_CASE("conformance: audit queries filter by actor target action outcome time and page by seq") {
  for_each_store([](std::shared_ptr<Storage> s) {
    const TenantId a = add_tenant(*s, "a");
    const TenantId b = add_tenant(*s, "b");
    const Instant t0 = utc(2026, 5, 1, 9);
    std::vector<AuditRecord> records = {
        record(a, t0 + Seconds(20), "", "auth.login_failed", "user:11", AuditOutcome::failure),
        record(a, t0, "user:11", "auth.login_succeeded", "user:11"),
        record(a, t0 + Seconds(30), "user:11", "reservation.reserve", "", AuditOutcome::conflict),
        record(a, t0 + Seconds(10), "api_key:2", "reservation.cancel", "reservation:9"),
        record(a, t0 - Seconds(1), "system", "auth", "user:12"),
        record(a, t0 + Seconds(10), "system", "authx.login", "user:11"),
        record(b, t0, "user:11", "auth.login_succeeded", "user:11"),
    };
    REQUIRE(write(*s, [&](StorageTransaction& t) -> Status {
              for (auto& r : records) BOKA_RETURN_IF_ERROR(append(t, r));
              return Status::Ok();
            }).ok());
    REQUIRE(read(*s, [&](StorageTransaction& t) -> Status {
              using Seqs = std::vector<std::int64_t>;
              auto q = [&]() {
                AuditQuery x;
                x.tenant = a;
                return x;
              };
              auto list = [&](const AuditQuery& x) { return seqs(t.list_audit(x).value()); };
              AuditQuery x = q();
              x.actor = "user:11";
              CHECK(list(x) == Seqs{2, 3});
              x = q();
              x.target = "user:11";
              CHECK(list(x) == Seqs{1, 2, 6});
              x = q();
              x.action = "auth.login_failed";  // exact
              CHECK(list(x) == Seqs{1});
              x = q();
              x.action = "auth.";  // a prefix: not "auth" itself, not "authx."
              CHECK(list(x) == Seqs{1, 2});
              x = q();
              x.action = "reservation.";
              CHECK(list(x) == Seqs{3, 4});
              x = q();
              x.action = "auth";
              CHECK(list(x) == Seqs{5});
              x = q();
              x.outcome = AuditOutcome::conflict;
              CHECK(list(x) == Seqs{3});
              x = q();
              x.from = t0;
              x.to = t0 + Seconds(30);  // [from, to)
              CHECK(list(x) == Seqs{1, 2, 4, 6});
              x = q();
              x.after_seq = 2;
              x.limit = 3;
              CHECK(list(x) == Seqs{3, 4, 5});
              x = q();
              x.actor = "user:11";
              x.action = "auth.";
              x.from = t0 + Seconds(1);
              CHECK(list(x).empty());
              x = q();
              x.tenant = b;
              CHECK(list(x) == Seqs{1});
              x.tenant = TenantId{b + 100};
              CHECK(list(x).empty());
              return Status::Ok();
            }).ok());
  });
}
