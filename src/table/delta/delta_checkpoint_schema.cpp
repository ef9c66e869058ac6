#include "table/delta/delta_checkpoint_schema.hpp"

namespace pgexport::table::delta {

std::vector<format::parquet::NestedField> checkpoint_schema() {
  using Field = format::parquet::NestedField;
  auto string_map = [](const char* name) {
    return Field::map(name, Field::string("key"), Field::string("value"));
  };
  auto string_list = [](const char* name) { return Field::list(name, Field::string("element")); };
  // Every field is optional, as Spark writes them: a row holds one action, the others NULL.
  return {
      Field::group("txn",
                   {Field::string("appId"), Field::int64("version"), Field::int64("lastUpdated")}),
      Field::group("add",
                   {Field::string("path"), string_map("partitionValues"), Field::int64("size"),
                    Field::int64("modificationTime"), Field::boolean("dataChange"),
                    Field::string("stats"), string_map("tags")}),
      // Tombstones are for VACUUM only: no stats and no tags (PROTOCOL.md).
      Field::group("remove", {Field::string("path"), Field::int64("deletionTimestamp"),
                              Field::boolean("dataChange"), Field::boolean("extendedFileMetadata"),
                              string_map("partitionValues"), Field::int64("size")}),
      Field::group("metaData",
                   {Field::string("id"), Field::string("name"), Field::string("description"),
                    Field::group("format", {Field::string("provider"), string_map("options")}),
                    Field::string("schemaString"), string_list("partitionColumns"),
                    string_map("configuration"), Field::int64("createdTime")}),
      Field::group("protocol", {Field::int32("minReaderVersion"), Field::int32("minWriterVersion"),
                                string_list("readerFeatures"), string_list("writerFeatures")}),
  };
}

}  // namespace pgexport::table::delta
