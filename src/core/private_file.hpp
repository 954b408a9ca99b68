// Files that hold what boka stores (databases, backups, manifests) are created readable by
// their owner only: a booking database holds password hashes, sealed TOTP secrets and
// personal data, and the default umask (022) would make a new file world-readable.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "boka/status.hpp"

namespace boka::detail {

// Creates `path` empty with mode 0600 if it does not exist; an existing file is left as it
// is (its owner chose its mode). SQLite gives the -wal and -shm files it creates beside a
// database the database file's mode.
inline Status create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno == EEXIST) return Status::Ok();
  return StorageError("cannot create " + path + ": " + std::strerror(errno));
}

}  // namespace boka::detail
