// Fuzz target: the storage URI (sqlite:... and postgresql://..., src/storage) and the
// configuration variables of the example programs (examples/server/config.cpp).
//
// Input: byte 0 picks the mode. URI mode (0): the rest is a storage URI, parsed, never
// opened. Configuration mode (1): the rest is "NAME=value" entries separated by NUL bytes,
// read through config_from_env as the environment. Properties, beyond "no crash":
//  - a sqlite URI either parses or is refused with invalid_argument naming the storage URI;
//  - the libpq connection string boka builds from a postgresql URI reads back, through
//    libpq's own parser, to exactly the settings libpq read from the URI (no value can
//    smuggle in another keyword);
//  - no message quotes a secret: the URI's password, ENCRYPTION_KEY,
//    PREVIOUS_ENCRYPTION_KEYS' keys, BOKA_SMTP_PASSWORD, a password in BOKA_REDIS_URL;
//  - a refused configuration starts with the name of the variable at fault;
//  - redacted_uri never shows the password of the URI it redacts, in its user information
//    or in a password= query parameter.
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "boka/boka.hpp"
#include "config.hpp"
#include "fuzz_support.hpp"
#include "storage/sql/postgresql_storage.hpp"
#include "storage/sql/sqlite_storage.hpp"

using namespace boka;

namespace {

// The password part of "scheme://user:password@host...", or "".
std::string password_of(const std::string& uri) {
  const auto scheme = uri.find("://");
  if (scheme == std::string::npos) return "";
  const auto at = uri.rfind('@', uri.find_first_of("/?", scheme + 3));
  if (at == std::string::npos || at < scheme + 3) return "";
  const std::string userinfo = uri.substr(scheme + 3, at - scheme - 3);
  const auto colon = userinfo.find(':');
  return colon == std::string::npos ? "" : userinfo.substr(colon + 1);
}

void no_secret(const std::string& message, const std::string& secret, const char* what) {
  FUZZ_CHECK(!fuzz::quotes_secret(message, secret), std::string(what) + " quoted: " + message);
}

std::map<std::string, std::string> conninfo(const std::string& text) {
  std::map<std::string, std::string> out;
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(text.c_str(), &error);
  if (parsed == nullptr) {
    PQfreemem(error);
    out["<error>"] = "";
    return out;
  }
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  PQconninfoFree(parsed);
  return out;
}

// The password of `uri`, when it appears nowhere else in it (the same text in a host or
// database name is that name, not a leak).
std::string sole_password_of(const std::string& uri) {
  const std::string password = password_of(uri);
  if (password.empty()) return password;
  const auto first = uri.find(password);
  return uri.find(password, first + 1) == std::string::npos ? password : std::string();
}

void uri(const std::string& text) {
  if (text.rfind("sqlite:", 0) == 0) {
    auto options = detail::parse_sqlite_uri(std::string_view(text).substr(7));
    if (!options.ok()) {
      FUZZ_CHECK(options.status().code() == Code::invalid_argument, options.status().message());
      FUZZ_CHECK(options.status().message().rfind("storage URI: ", 0) == 0,
                 options.status().message());
    } else {
      FUZZ_CHECK(!options->path.empty(), text);
      FUZZ_CHECK(options->pool_size >= 1 && options->busy_timeout_ms >= 0, text);
    }
    return;
  }
  const std::string password = sole_password_of(text);
  auto options = detail::parse_postgresql_uri(text);
  if (!options.ok()) {
    FUZZ_CHECK(options.status().code() == Code::invalid_argument, options.status().message());
    no_secret(options.status().message(), password, "the URI's password");
    return;
  }
  no_secret(options->location, password, "the URI's password (in location)");
  // What libpq reads from the URI, boka's own options left out, is what it reads back from
  // the keyword=value string boka built.
  std::string for_libpq = text;
  const auto q = for_libpq.find('?');
  if (q != std::string::npos) {
    std::string kept, query = for_libpq.substr(q + 1);
    for_libpq.resize(q);
    std::size_t start = 0;
    while (start <= query.size()) {
      const auto amp = std::min(query.find('&', start), query.size());
      const std::string pair = query.substr(start, amp - start);
      const std::string key = pair.substr(0, pair.find('='));
      if (key != "pool_size" && key != "acquire_timeout_ms" && key != "app_role" && !pair.empty()) {
        kept += (kept.empty() ? "?" : "&") + pair;
      }
      start = amp + 1;
    }
    for_libpq += kept;
  }
  const auto expected = conninfo(for_libpq);
  const auto built = conninfo(options->libpq_uri);
  FUZZ_CHECK(built.count("<error>") == 0, "libpq cannot read the string boka built");
  FUZZ_CHECK(built == expected, "the connection string changed the settings");
}


void configuration(const std::string& text) {
  std::map<std::string, std::string> env;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\0', start), text.size());
    const std::string entry = text.substr(start, end - start);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    start = end + 1;
  }
  auto config = server::config_from_env([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  const auto secrets = [&](const std::string& message) {
    for (const char* name : {"ENCRYPTION_KEY", "BOKA_SMTP_PASSWORD"}) {
      if (env.count(name)) no_secret(message, env[name], name);
    }
    if (env.count("PREVIOUS_ENCRYPTION_KEYS")) {
      const std::string& keys = env["PREVIOUS_ENCRYPTION_KEYS"];
      std::size_t s = 0;
      while (s <= keys.size()) {
        const auto comma = std::min(keys.find(',', s), keys.size());
        const std::string item = keys.substr(s, comma - s);
        if (const auto colon = item.find(':'); colon != std::string::npos) {
          no_secret(message, item.substr(colon + 1), "a previous encryption key");
        }
        s = comma + 1;
      }
    }
    for (const char* name : {"DATABASE_URL", "BOKA_REDIS_URL", "BOKA_SMTP_URL"}) {
      if (env.count(name)) no_secret(message, sole_password_of(env[name]), name);
    }
  };
  if (!config.ok()) {
    const std::string& message = config.status().message();
    FUZZ_CHECK(config.status().code() == Code::invalid_argument, message);
    // It starts with the variable at fault (one that was set, or one another requires):
    // an upper-case name, then ':', ' ' or ',' (two variables that only fail together).
    std::size_t n = 0;
    while (n < message.size() && (std::isupper(static_cast<unsigned char>(message[n])) ||
                                  std::isdigit(static_cast<unsigned char>(message[n])) ||
                                  message[n] == '_')) {
      ++n;
    }
    FUZZ_CHECK(n >= 4 && n < message.size() &&
                   (message[n] == ':' || message[n] == ' ' || message[n] == ','),
               "the message names no variable: " + message);
    secrets(message);
    return;
  }
  (void)server::engine_options(*config);
  (void)server::require_database(*config);
  if (!config->database_url.empty()) {
    const std::string redacted = server::redacted_uri(config->database_url);
    no_secret(redacted, sole_password_of(config->database_url),
              "DATABASE_URL's password (redacted)");
    // A "password=" query parameter (libpq reads it too) is hidden as well: any "password="
    // after a '?' or '&'.
    const std::string& url = config->database_url;
    for (auto p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 1)) {
      if (p == 0 || (url[p - 1] != '?' && url[p - 1] != '&')) continue;
      const auto value = url.substr(p + 9, url.find('&', p) - p - 9);
      if (url.find(value) == url.rfind(value)) {
        no_secret(redacted, value, "DATABASE_URL's password= parameter (redacted)");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(boka::fuzz::as_text(data + 1, size - 1));
  if (data[0] % 2 == 0) {
    uri(text);
  } else {
    configuration(text);
  }
  return 0;
}
