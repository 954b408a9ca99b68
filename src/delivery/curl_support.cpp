#include "delivery/curl_support.hpp"

#include <mutex>
#include <string>

namespace boka::delivery::detail {

Status ensure_curl_initialized() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return InternalError(std::string("libcurl failed to initialise: ") +
                         curl_easy_strerror(result));
  }
  return Status::Ok();
}

}  // namespace boka::delivery::detail
