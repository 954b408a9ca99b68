// The credential cache and the store wrapper that invalidates it (engine_impl.hpp;
// docs/architecture.md, "Credential cache").
#include "engine/engine_impl.hpp"

namespace boka::detail {

namespace {

// The most snapshots kept: beyond it the cache starts over (a burst of distinct sessions
// costs one read each, as without a cache).
constexpr std::size_t kMaxEntries = 10000;

// A snapshot keeps what verification needs, not the user's secrets.
CredentialSnapshot without_secrets(CredentialSnapshot s) {
  if (s.user) {
    s.user->password_hash.clear();
    s.user->totp_secret.clear();
    s.user->totp_pending.clear();
    s.user->recovery_code_hashes.clear();
  }
  if (s.key) s.key->secret_hash.clear();
  if (s.session) s.session->token_hash.clear();
  return s;
}

}  // namespace

std::optional<CredentialSnapshot> CredentialCache::find(const std::string& key) const {
  if (!enabled()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.generation != generation() || now - it->second.stored >= ttl_) {
    return std::nullopt;
  }
  return it->second.snapshot;
}

void CredentialCache::put(const std::string& key, std::uint64_t read_at,
                          CredentialSnapshot snapshot) {
  if (!enabled() || read_at != generation()) return;
  Entry e{read_at, std::chrono::steady_clock::now(), without_secrets(std::move(snapshot))};
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[key] = std::move(e);
}

namespace {

class CredentialWatch final : public StorageWrapper {
 public:
  CredentialWatch(std::shared_ptr<Storage> target, CredentialCache& cache)
      : StorageWrapper(std::move(target)), cache_(cache) {}

  Status write(const WriteIntent& intent, Work work) override {
    bool touched = false;
    Status st = StorageWrapper::write(intent, [&](StorageTransaction& t) -> Status {
      Txn watched(t, cache_, touched);
      return work(watched);
    });
    // Again after the commit: a verification that read between the write and the commit
    // saw the old row, and must not keep it.
    if (touched) cache_.invalidate();
    return st;
  }

 private:
  struct Txn final : StorageTransactionWrapper {
    Txn(StorageTransaction& t, CredentialCache& cache, bool& touched)
        : StorageTransactionWrapper(t), cache_(cache), touched_(touched) {}
    void changed() {
      touched_ = true;
      cache_.invalidate();
    }
    Status update_user(const StoredUser& x) override {
      changed();
      return StorageTransactionWrapper::update_user(x);
    }
    Status update_session(const StoredSession& x) override {
      changed();
      return StorageTransactionWrapper::update_session(x);
    }
    Result<std::int64_t> revoke_sessions(TenantId t, UserId u, Instant at,
                                         SessionId keep) override {
      changed();
      return StorageTransactionWrapper::revoke_sessions(t, u, at, keep);
    }
    Status update_api_key(const StoredApiKey& x) override {
      changed();
      return StorageTransactionWrapper::update_api_key(x);
    }
    // A customer user's own bookings follow the customer record linked to them.
    Result<CustomerId> insert_customer(const Customer& x) override {
      changed();
      return StorageTransactionWrapper::insert_customer(x);
    }
    Status update_customer(const Customer& x) override {
      changed();
      return StorageTransactionWrapper::update_customer(x);
    }
    CredentialCache& cache_;
    bool& touched_;
  };

  CredentialCache& cache_;
};

}  // namespace

std::shared_ptr<Storage> make_credential_watch(std::shared_ptr<Storage> target,
                                               CredentialCache& cache) {
  return std::make_shared<CredentialWatch>(std::move(target), cache);
}

}  // namespace boka::detail
