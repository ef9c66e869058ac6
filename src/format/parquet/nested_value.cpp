#include "format/parquet/nested_value.hpp"

#include <type_traits>

namespace pgexport::format::parquet {
namespace {

// PostgreSQL's binary integers are big-endian.
template <typename T>
std::string big_endian(T value) {
  std::string bytes(sizeof(T), '\0');
  auto bits = static_cast<std::make_unsigned_t<T>>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    bytes[sizeof(T) - 1 - i] = static_cast<char>(bits & 0xff);
    bits = static_cast<std::make_unsigned_t<T>>(bits >> 8);
  }
  return bytes;
}

}  // namespace

NestedValue NestedValue::string(std::string_view text) {
  NestedValue value;
  value.kind_ = Kind::primitive;
  value.bytes_ = text;
  return value;
}

NestedValue NestedValue::int32(int32_t number) {
  NestedValue value;
  value.kind_ = Kind::primitive;
  value.bytes_ = big_endian(number);
  return value;
}

NestedValue NestedValue::int64(int64_t number) {
  NestedValue value;
  value.kind_ = Kind::primitive;
  value.bytes_ = big_endian(number);
  return value;
}

NestedValue NestedValue::boolean(bool truth) {
  NestedValue value;
  value.kind_ = Kind::primitive;
  value.bytes_.assign(1, truth ? '\1' : '\0');
  return value;
}

NestedValue NestedValue::group(std::vector<NestedValue> fields) {
  NestedValue value;
  value.kind_ = Kind::group;
  value.children_ = std::move(fields);
  return value;
}

NestedValue NestedValue::list(std::vector<NestedValue> elements) {
  NestedValue value;
  value.kind_ = Kind::entries;
  value.children_.reserve(elements.size());
  for (auto& element : elements) value.children_.push_back(group({std::move(element)}));
  return value;
}

NestedValue NestedValue::map(std::vector<std::pair<NestedValue, NestedValue>> pairs) {
  NestedValue value;
  value.kind_ = Kind::entries;
  value.children_.reserve(pairs.size());
  for (auto& [key, item] : pairs) {
    value.children_.push_back(group({std::move(key), std::move(item)}));
  }
  return value;
}

}  // namespace pgexport::format::parquet
