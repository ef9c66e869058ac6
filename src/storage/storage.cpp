#include "storage/storage.hpp"

#include <optional>

#include "common/error.hpp"

namespace pgexport::storage {

ConditionalWrite create_commit_point(
    Storage& storage, const std::string& key, std::string_view bytes,
    const std::function<void(const std::exception& create_error, const std::exception& read_error)>&
        unknown) {
  try {
    return storage.create_if_absent(key, bytes);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::interrupted) throw;
    std::optional<std::string> stored;
    try {
      stored = storage.read(key);
    } catch (const Error& read_error) {
      unknown(error, read_error);
      throw;  // `unknown` must throw; should it not, the read's error stands
    }
    if (!stored) throw;
    return *stored == bytes ? ConditionalWrite::written : ConditionalWrite::condition_failed;
  }
}

ObjectInfo put_object(Storage& storage, const std::string& key, std::string_view bytes) {
  auto writer = storage.create(key);
  writer->write(bytes);
  return writer->commit();
}

}  // namespace pgexport::storage
