// What the HTTP and SMTP clients share about libcurl: its one-time global initialisation
// and owners for its handles. Internal to src/delivery.
//
// Thread-safety: ensure_curl_initialized may be called from any thread; the owners are
// single-threaded, one per call.
#pragma once

#include <curl/curl.h>

#include <memory>

#include "boka/status.hpp"

namespace boka::delivery::detail {

// curl_global_init(CURL_GLOBAL_DEFAULT), once per process (std::call_once); later calls
// return the first call's result. Code::internal if it failed. libcurl is never cleaned
// up globally: other threads may still be using it at exit.
Status ensure_curl_initialized();

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

// Appends `item` (copied) to `list`; false when out of memory (the list is unchanged).
inline bool append(CurlList& list, const char* item) {
  curl_slist* grown = curl_slist_append(list.get(), item);
  if (grown == nullptr) return false;
  (void)list.release();
  list.reset(grown);
  return true;
}

}  // namespace boka::delivery::detail
