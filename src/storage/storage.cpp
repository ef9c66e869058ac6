#include "storage/storage.hpp"

namespace pgexport::storage {

ObjectInfo put_object(Storage& storage, const std::string& key, std::string_view bytes) {
  auto writer = storage.create(key);
  writer->write(bytes);
  return writer->commit();
}

}  // namespace pgexport::storage
