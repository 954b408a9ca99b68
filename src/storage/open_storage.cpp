#include <algorithm>
#include <charconv>
#include <string>

#include "boka/storage_spi.hpp"
#include "storage/memory_storage.hpp"
#include "storage/sql/sqlite_storage.hpp"
#if BOKA_WITH_POSTGRESQL
#include "storage/sql/postgresql_storage.hpp"
#endif

namespace boka {
namespace {

Result<int> parse_int(std::string_view value, std::string_view name, int lo, int hi) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out < lo || out > hi) {
    return InvalidArgument("storage URI: option " + std::string(name) + "=" + std::string(value) +
                           " must be an integer in " + std::to_string(lo) + ".." +
                           std::to_string(hi));
  }
  return out;
}

}  // namespace

Result<SqliteOptions> detail::parse_sqlite_uri(std::string_view rest) {
  SqliteOptions options;
  const auto q = rest.find('?');
  options.path = std::string(rest.substr(0, q));
  if (options.path.empty()) {
    return InvalidArgument("storage URI: sqlite: needs a file path, as in sqlite:boka.db");
  }
  if (options.path.find_first_of(" \t\n\"'") != std::string::npos) {
    return InvalidArgument("storage URI: the sqlite path must not contain spaces or quotes");
  }
  std::string_view query = q == std::string_view::npos ? "" : rest.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("storage URI: option \"" + std::string(pair) + "\" needs a value");
    }
    std::string_view key = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (key == "durability") {
      if (value == "full")
        options.durability = Durability::full;
      else if (value == "normal")
        options.durability = Durability::normal;
      else
        return InvalidArgument("storage URI: durability must be full or normal, got \"" +
                               std::string(value) + "\"");
    } else if (key == "busy_timeout_ms") {
      BOKA_ASSIGN_OR_RETURN(options.busy_timeout_ms, parse_int(value, key, 0, 600000));
    } else if (key == "pool_size") {
      BOKA_ASSIGN_OR_RETURN(options.pool_size, parse_int(value, key, 1, 256));
    } else if (key == "mode") {
      if (value == "ro")
        options.read_only = true;
      else if (value == "rw")
        options.read_only = false;
      else
        return InvalidArgument("storage URI: mode must be ro or rw, got \"" + std::string(value) +
                               "\"");
    } else {
      return InvalidArgument("storage URI: unknown sqlite option \"" + std::string(key) +
                             "\" (known: durability, busy_timeout_ms, pool_size, mode)");
    }
  }
  return options;
}

namespace {

Result<std::shared_ptr<Storage>> open_sqlite(std::string_view rest) {
  BOKA_ASSIGN_OR_RETURN(auto options, detail::parse_sqlite_uri(rest));
  return open_sqlite_storage(options);
}

}  // namespace

Result<std::shared_ptr<Storage>> open_storage(std::string_view uri) {
  if (uri == "memory:") return detail::make_memory_storage();
  if (uri.rfind("sqlite:", 0) == 0) return open_sqlite(uri.substr(7));
  if (uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0) {
#if BOKA_WITH_POSTGRESQL
    BOKA_ASSIGN_OR_RETURN(auto options, detail::parse_postgresql_uri(uri));
    return detail::open_postgresql_storage(options);
#else
    return NotSupported(
        "storage URI: this build of boka has no PostgreSQL store "
        "(configure with -DBOKA_WITH_POSTGRESQL=ON)");
#endif
  }
  // Quote only the scheme: the rest of a mistyped URI may hold a password.
  const std::string_view scheme = uri.substr(0, std::min<std::size_t>(uri.find(':'), 32));
  return InvalidArgument("storage URI: scheme \"" + std::string(scheme) +
                         "\" is not one of memory:, sqlite:<path>, postgresql://");
}

}  // namespace boka
