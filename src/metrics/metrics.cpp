#include "boka/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace boka {
namespace {

enum Type : int { kCounter = 0, kGauge = 1, kHistogram = 2, kCallback = 3 };

const char* type_name(int type) {
  switch (type) {
    case kCounter: return "counter";
    case kHistogram: return "histogram";
    default: return "gauge";
  }
}

bool valid_name(std::string_view s, bool colon_ok) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (colon_ok && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Label values and help text escaped as the text format requires.
std::string escape(std::string_view s, bool quote_too) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote_too && c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// Go's strconv.FormatFloat(v, 'g', -1, 64) is what Prometheus writes; %.17g round-trips and
// promtool accepts it. Integers print without a fraction.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest form that reads back as the same double (0.00025, not 0.00025000000000000001).
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) noexcept {
  // Few buckets (about 15): a linear scan beats a binary search and stays branch-predictable.
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,     0.1,     0.25,   0.5,     1,      2.5,   5,      10};
}

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  int type = kCounter;
  std::vector<std::string> label_names;  // sorted
  std::vector<double> bounds;            // histograms
  std::function<double()> read;          // callback gauges
  // Label values in label_names order -> the series.
  std::map<std::vector<std::string>, std::unique_ptr<Counter>> counters;
  std::map<std::vector<std::string>, std::unique_ptr<Gauge>> gauges;
  std::map<std::vector<std::string>, std::unique_ptr<Histogram>> histograms;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

namespace {

struct SortedLabels {
  std::vector<std::string> names;
  std::vector<std::string> values;
};

Result<SortedLabels> sort_labels(std::string_view metric, const MetricLabels& labels) {
  MetricLabels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  SortedLabels out;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const std::string& n = sorted[i].first;
    if (!valid_name(n, false) || n.rfind("__", 0) == 0 || n == "le") {
      return InvalidArgument("metric " + std::string(metric) + ": label name \"" + n +
                             "\" is not valid");
    }
    if (i > 0 && sorted[i - 1].first == n) {
      return InvalidArgument("metric " + std::string(metric) + ": label \"" + n + "\" given twice");
    }
    out.names.push_back(n);
    out.values.push_back(sorted[i].second);
  }
  return out;
}

}  // namespace

Result<MetricsRegistry::Family*> MetricsRegistry::family(std::string_view name,
                                                         std::string_view help, int type,
                                                         const MetricLabels& labels) {
  if (!valid_name(name, true) || name.rfind("__", 0) == 0) {
    return InvalidArgument("metric name \"" + std::string(name) + "\" is not valid");
  }
  BOKA_ASSIGN_OR_RETURN(auto sorted, sort_labels(name, labels));
  // Caller holds the exclusive lock.
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto f = std::make_unique<Family>();
    f->name = std::string(name);
    f->help = std::string(help);
    f->type = type;
    f->label_names = sorted.names;
    it = families_.emplace(f->name, std::move(f)).first;
  }
  Family& f = *it->second;
  if (f.type != type) {
    return InvalidArgument("metric " + std::string(name) + " is already registered as a " +
                           type_name(f.type));
  }
  if (f.label_names != sorted.names) {
    return InvalidArgument("metric " + std::string(name) +
                           " is already registered with other label names");
  }
  return &f;
}

template <typename Select>
auto MetricsRegistry::existing(std::string_view name, int type, const MetricLabels& labels,
                               Select select) const
    -> decltype(select(std::declval<Family&>()).begin()->second.get()) {
  std::shared_lock lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end() || it->second->type != type) return nullptr;
  auto sorted = sort_labels(name, labels);
  if (!sorted.ok() || sorted->names != it->second->label_names) return nullptr;
  auto& series = select(*it->second);
  auto s = series.find(sorted->values);
  return s == series.end() ? nullptr : s->second.get();
}

Result<Counter*> MetricsRegistry::counter(std::string_view name, std::string_view help,
                                          const MetricLabels& labels) {
  if (Counter* found = existing(
          name, kCounter, labels, [](Family & f) -> auto& { return f.counters; })) {
    return found;
  }
  std::unique_lock lock(mutex_);
  BOKA_ASSIGN_OR_RETURN(Family * f, family(name, help, kCounter, labels));
  BOKA_ASSIGN_OR_RETURN(auto sorted, sort_labels(name, labels));
  auto& slot = f->counters[sorted.values];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Result<Gauge*> MetricsRegistry::gauge(std::string_view name, std::string_view help,
                                      const MetricLabels& labels) {
  if (Gauge* found = existing(
          name, kGauge, labels, [](Family & f) -> auto& { return f.gauges; })) {
    return found;
  }
  std::unique_lock lock(mutex_);
  BOKA_ASSIGN_OR_RETURN(Family * f, family(name, help, kGauge, labels));
  BOKA_ASSIGN_OR_RETURN(auto sorted, sort_labels(name, labels));
  auto& slot = f->gauges[sorted.values];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

Result<Histogram*> MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                              std::vector<double> upper_bounds,
                                              const MetricLabels& labels) {
  // A series seen before (with these buckets): the shared lock only.
  if (Histogram* found = existing(
          name, kHistogram, labels, [](Family & f) -> auto& { return f.histograms; });
      found != nullptr && found->upper_bounds() == upper_bounds) {
    return found;
  }
  if (upper_bounds.empty()) {
    return InvalidArgument("metric " + std::string(name) + ": needs at least one bucket");
  }
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i] > upper_bounds[i - 1]))) {
      return InvalidArgument("metric " + std::string(name) +
                             ": bucket bounds must be finite and strictly ascending");
    }
  }
  std::unique_lock lock(mutex_);
  BOKA_ASSIGN_OR_RETURN(Family * f, family(name, help, kHistogram, labels));
  if (f->bounds.empty()) f->bounds = upper_bounds;
  if (f->bounds != upper_bounds) {
    return InvalidArgument("metric " + std::string(name) +
                           " is already registered with other buckets");
  }
  BOKA_ASSIGN_OR_RETURN(auto sorted, sort_labels(name, labels));
  auto& slot = f->histograms[sorted.values];
  if (!slot) slot = std::make_unique<Histogram>(std::move(upper_bounds));
  return slot.get();
}

Status MetricsRegistry::gauge_callback(std::string_view name, std::string_view help,
                                       std::function<double()> read) {
  if (!read) return InvalidArgument("metric " + std::string(name) + ": callback is empty");
  std::unique_lock lock(mutex_);
  BOKA_ASSIGN_OR_RETURN(Family * f, family(name, help, kCallback, {}));
  f->read = std::move(read);
  return Status::Ok();
}

std::string MetricsRegistry::exposition() const {
  // Callbacks run outside the lock (they may query storage); copy them out first.
  std::vector<std::pair<const Family*, std::function<double()>>> callbacks;
  std::string out;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [name, f] : families_) {
      if (f->type == kCallback) callbacks.emplace_back(f.get(), f->read);
    }
  }
  std::map<std::string, double> callback_values;
  for (auto& [f, read] : callbacks) callback_values[f->name] = read();

  std::shared_lock lock(mutex_);
  for (const auto& [name, fp] : families_) {
    const Family& f = *fp;
    out += "# HELP " + f.name + " " + escape(f.help, false) + "\n";
    out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
    const auto labels = [&](const std::vector<std::string>& values, const std::string& extra) {
      std::string s;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!s.empty()) s += ",";
        s += f.label_names[i] + "=\"" + escape(values[i], true) + "\"";
      }
      if (!extra.empty()) s += (s.empty() ? "" : ",") + extra;
      return s.empty() ? std::string() : "{" + s + "}";
    };
    switch (f.type) {
      case kCounter:
        for (const auto& [values, c] : f.counters) {
          out += f.name + labels(values, "") + " " + std::to_string(c->value()) + "\n";
        }
        break;
      case kGauge:
        for (const auto& [values, g] : f.gauges) {
          out += f.name + labels(values, "") + " " + number(g->value()) + "\n";
        }
        break;
      case kCallback: {
        const double v = callback_values.count(f.name) ? callback_values[f.name] : NAN;
        if (!std::isnan(v)) out += f.name + " " + number(v) + "\n";
        break;
      }
      case kHistogram:
        for (const auto& [values, h] : f.histograms) {
          const auto counts = h->bucket_counts();
          std::uint64_t cumulative = 0;
          for (std::size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            const std::string le =
                i < h->upper_bounds().size() ? number(h->upper_bounds()[i]) : "+Inf";
            out += f.name + "_bucket" + labels(values, "le=\"" + le + "\"") + " " +
                   std::to_string(cumulative) + "\n";
          }
          out += f.name + "_sum" + labels(values, "") + " " + number(h->sum()) + "\n";
          // The count is the +Inf bucket, so the two always agree within one scrape.
          out += f.name + "_count" + labels(values, "") + " " + std::to_string(cumulative) + "\n";
        }
        break;
    }
  }
  return out;
}

}  // namespace boka
