// How CustomerFilter::query selects customers (StorageTransaction::list_customers), in one
// place for every store: the memory store runs customer_matches_query, the SQL stores run
// the same test as LIKE patterns built with like_literal.
#pragma once

#include <string>
#include <string_view>

#include "boka/customer.hpp"

namespace boka::detail {

// ASCII letters lower-cased, every other byte kept: what the engine does to the query.
// Stores compare names and emails lowered the same way, never by a database's own idea
// of case (PostgreSQL's lower() folds "Ö" under most locales, SQLite's does not), so every
// store answers a query alike.
inline std::string lower_ascii_text(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Whether `customer` matches `query`: the query (lowered again, in case a caller did not)
// is a prefix of the lowered display name, of any word of it (the text after a space), or
// of the lowered email. An empty query matches every customer.
inline bool customer_matches_query(const Customer& customer, std::string_view query) {
  if (query.empty()) return true;
  const std::string q = lower_ascii_text(query);
  const std::string name = lower_ascii_text(customer.display_name);
  if (name.rfind(q, 0) == 0) return true;
  if (name.find(" " + q) != std::string::npos) return true;
  return lower_ascii_text(customer.email).rfind(q, 0) == 0;
}

// The escape character of boka's LIKE patterns: ... LIKE :pattern ESCAPE '!'. Not a
// backslash, whose meaning in a string literal depends on PostgreSQL's settings.
inline constexpr char kLikeEscape = '!';

// `text` as a LIKE pattern that matches exactly it: the wildcards % and _ and the escape
// character itself each preceded by kLikeEscape.
inline std::string like_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%' || c == '_' || c == kLikeEscape) out += kLikeEscape;
    out += c;
  }
  return out;
}

}  // namespace boka::detail
