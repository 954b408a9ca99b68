// boka/metrics.hpp: counters, gauges and histograms, exposed in the Prometheus text format.
//
// The engine registers its own metrics (docs/operations.md lists them) in the registry it is
// given (EngineOptions::metrics) or in one of its own (Operations::metrics()); a host adds its
// own (HTTP requests, say) to the same registry and serves exposition() at /metrics.
//
// Thread-safety: everything here may be used from any number of threads. Updating a metric
// is lock-free (relaxed atomics); registering or looking a metric up takes a shared lock
// (exclusive only the first time a name and label set is seen); exposition() reads every
// value with atomics, so a scrape never stops the hot paths.
//
// Ownership: the registry owns every metric; the references it returns stay valid for the
// registry's lifetime. Metrics are never removed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boka/status.hpp"

namespace boka {

// Label name/value pairs, e.g. {{"outcome", "conflict"}}. Order does not matter.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Only goes up (Prometheus counter). Starts at 0.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Goes up and down (Prometheus gauge). Starts at 0.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Counts observations into cumulative buckets (Prometheus histogram): le bounds are
// ascending and finite; +Inf is implied.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;
  const std::vector<double>& upper_bounds() const noexcept { return bounds_; }
  // Per-bucket (not cumulative) counts; the last is the +Inf bucket.
  std::vector<std::uint64_t> bucket_counts() const;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Latency buckets in seconds from 10 us to 10 s, for calls that take micro- to
// milliseconds (the conflict check, availability, storage round trips).
std::vector<double> latency_buckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Returns the metric named `name` with these labels, creating it on first use. The
  // first registration of a name fixes its type, help text and label names (and, for a
  // histogram, its buckets). invalid_argument for a malformed name or label name (names
  // are [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix), for
  // a name already registered with another type or other label names, or for bad buckets.
  Result<Counter*> counter(std::string_view name, std::string_view help,
                           const MetricLabels& labels = {});
  Result<Gauge*> gauge(std::string_view name, std::string_view help,
                       const MetricLabels& labels = {});
  Result<Histogram*> histogram(std::string_view name, std::string_view help,
                               std::vector<double> upper_bounds, const MetricLabels& labels = {});
  // A gauge whose value `read` computes at exposition (a count held elsewhere). `read`
  // runs on the scraping thread, outside the registry's lock; it must be thread-safe and
  // must not throw. A read that fails should return NaN: the sample is then left out.
  // Registering the name again replaces the callback (the newest owner reports).
  Status gauge_callback(std::string_view name, std::string_view help, std::function<double()> read);

  // Every metric in the Prometheus text exposition format 0.0.4 (what `promtool check
  // metrics` accepts), families sorted by name, series by labels.
  std::string exposition() const;

 private:
  struct Family;
  Result<Family*> family(std::string_view name, std::string_view help, int type,
                         const MetricLabels& labels);
  // The series `name` + `labels` if it exists with `type` (select: the family's map of that
  // type), under the shared lock only; else null.
  template <typename Select>
  auto existing(std::string_view name, int type, const MetricLabels& labels, Select select) const
      -> decltype(select(std::declval<Family&>()).begin()->second.get());
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

}  // namespace boka
