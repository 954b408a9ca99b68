// boka-server's browser session and business addresses (web.cpp; docs/web.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http.hpp"

namespace boka::server {

// The CSRF token of a browser session: the hex SHA-256 of the session token under a domain
// tag. A page learns it from the X-CSRF-Token header of same-origin answers and sends it back
// on every state change; a cross-site form or script can neither read nor derive it.
std::string csrf_token_for(const std::string& session_token);
// Whether `given` is the session's CSRF token (constant-time).
bool csrf_token_matches(const std::string& session_token, const std::string& given);

// The session token in the request's boka_session cookie, if any.
std::optional<std::string> session_cookie(const Request& req);
// Sets the browser session (HttpOnly; Secure; SameSite=Strict; Path=/) and its CSRF header.
void set_session_cookie(Response& res, const std::string& token);
// Tells the browser to drop the session cookie.
void clear_session_cookie(Response& res);

// A business's address on the public pages: the tenant name in lower case with every run of
// other characters as one "-", at most 64 characters ("Harbour Salon" -> "harbour-salon").
std::string business_slug(std::string_view name);

}  // namespace boka::server
