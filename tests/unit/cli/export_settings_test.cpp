// How the export options become an ExportConfig where the layout changes what they mean.
#include "cli/export_settings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.hpp"

namespace pgexport::cli {
namespace {

exporter::ExportConfig config_of(std::vector<const char*> args) {
  CLI::App app;
  Settings settings;
  bind_options(app, export_options(), settings);
  args.insert(args.begin(), "pgexport");
  app.parse(static_cast<int>(args.size()), const_cast<char**>(args.data()));
  return make_export_config(settings);
}

ErrorKind refusal_of(std::vector<const char*> args) {
  try {
    config_of(std::move(args));
  } catch (const Error& error) {
    return error.kind();
  }
  return ErrorKind::internal;
}

TEST(ExportSettings, CompressionDefaultsToZstdAndToNoneForDmsCsv) {
  EXPECT_EQ(config_of({}).compression_name, "zstd");
  EXPECT_EQ(config_of({}).layout, exporter::DataLayout::runs);
  auto dms = config_of({"--layout", "dms"});
  EXPECT_EQ(dms.layout, exporter::DataLayout::dms);
  EXPECT_EQ(dms.compression_name, "none");  // DMS's CompressionType NONE
  EXPECT_EQ(dms.codec, compress::StreamCodec::none);
  EXPECT_EQ(config_of({"--layout", "dms", "--compression", "gzip"}).codec,
            compress::StreamCodec::gzip);
  // Parquet compresses its pages, so the usual default stays.
  EXPECT_EQ(config_of({"--layout", "dms", "--format", "parquet"}).compression_name, "zstd");
}

TEST(ExportSettings, TheTimestampColumnIsForTheDmsLayout) {
  EXPECT_EQ(config_of({"--layout", "dms", "--dms-timestamp-column", "ts"}).dms_timestamp_column,
            "ts");
  EXPECT_FALSE(config_of({"--layout", "dms"}).dms_timestamp_column);
  EXPECT_EQ(refusal_of({"--dms-timestamp-column", "ts"}), ErrorKind::usage);
}

TEST(ExportSettings, TheDmsLayoutRefusesWhatDmsCannotWrite) {
  EXPECT_EQ(refusal_of({"--layout", "dms", "--format", "jsonl"}), ErrorKind::usage);
  EXPECT_EQ(refusal_of({"--layout", "dms", "--compression", "zstd"}), ErrorKind::usage);
  EXPECT_EQ(refusal_of({"--layout", "dms", "--spool", "/tmp/spool"}), ErrorKind::usage);
}

}  // namespace
}  // namespace pgexport::cli
