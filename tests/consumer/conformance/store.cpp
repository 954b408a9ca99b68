// The conformance suite run against a store defined outside boka: a StorageWrapper around
// boka's in-memory store that counts its transactions. boka::conformance brings the test
// cases, Catch2::Catch2WithMain the main(); this file names the store.
#include <boka/conformance.hpp>
#include <boka/storage_spi.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

class CountingStore final : public boka::StorageWrapper {
 public:
  using StorageWrapper::StorageWrapper;
  boka::Status read(const boka::TxnScope& scope, Work work) override {
    ++transactions_;
    return StorageWrapper::read(scope, work);
  }
  boka::Status write(const boka::WriteIntent& intent, Work work) override {
    ++transactions_;
    return StorageWrapper::write(intent, work);
  }

 private:
  std::atomic<long> transactions_{0};
};

}  // namespace

std::vector<boka::conformance::StoreFactory> boka::conformance::conformance_stores() {
  return {{"counting-memory", [] {
             auto inner = boka::open_storage("memory:");
             if (!inner.ok()) throw std::runtime_error(inner.status().to_string());
             return std::shared_ptr<boka::Storage>(std::make_shared<CountingStore>(*inner));
           }}};
}
