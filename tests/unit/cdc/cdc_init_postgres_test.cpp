// cdc init against PostgreSQL: --replica-identity-full on a partitioned table without a key.
//
// Needs PGEXPORT_TEST_PG_CONNINFO (see tests/unit/pg/replication_fixture.hpp); fails without.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../pg/replication_fixture.hpp"
#include "cdc/base_run.hpp"
#include "cdc/cdc_init.hpp"
#include "format/csv/csv_format.hpp"
#include "storage/local/local_storage.hpp"

namespace pgexport::cdc {
namespace {

namespace fs = std::filesystem;

class CdcInitPostgres : public pg::replication::ReplicationFixture {
 protected:
  void SetUp() override {
    ReplicationFixture::SetUp();
    if (HasFatalFailure()) return;
    root_ = fs::temp_directory_path() / name_;
    fs::create_directories(root_);
    storage_ = std::make_unique<storage::LocalStorage>(root_.string());
  }
  void TearDown() override {
    ReplicationFixture::TearDown();
    if (!root_.empty()) fs::remove_all(root_);
  }

  InitConfig config() {
    InitConfig init;
    init.export_config.source.conninfo = conninfo_;
    init.export_config.run_id = "base";
    init.export_config.jobs = 1;
    init.export_config.filter.include = {name_ + ".*"};
    init.export_config.format_name = "csv";
    init.export_config.compression_name = "zstd";
    init.slot = name_;
    init.publication = publication();
    return init;
  }

  fs::path root_;
  std::unique_ptr<storage::LocalStorage> storage_;
};

TEST_F(CdcInitPostgres, AKeylessPartitionedTableGetsFullIdentityOnItselfAndItsPartitions) {
  exec(
      fmt::format("CREATE TABLE {0}.parts (at date NOT NULL, v text) PARTITION BY RANGE (at); "
                  "CREATE TABLE {0}.parts_2025 PARTITION OF {0}.parts "
                  " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); "
                  "CREATE TABLE {0}.parts_2026 PARTITION OF {0}.parts "
                  " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01'); "
                  "INSERT INTO {0}.parts VALUES ('2025-06-01', 'a'), ('2026-06-01', 'b')",
                  name_));
  InitConfig init = config();
  init.replica_identity_full = true;
  format::CsvFormat format;
  run_init(init, format, *storage_);

  // Changes are published under the partitioned table's name, so it needs the identity as
  // much as the partitions the server checks: without it the base run records key "none" and
  // cdc run refuses the base run it just made.
  EXPECT_EQ(exec(fmt::format("SELECT string_agg(relname || '=' || relreplident::text, ',' "
                             "ORDER BY relname) FROM pg_catalog.pg_class "
                             "WHERE relnamespace = '{}'::regnamespace AND relkind IN ('r', 'p')",
                             name_))
                .text(0, 0),
            "parts=f,parts_2025=f,parts_2026=f");
  auto manifest = storage_->read("runs/base/_manifest.json");
  ASSERT_TRUE(manifest);
  const auto tables = nlohmann::json::parse(*manifest)["tables"];
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0]["name"], "parts");
  EXPECT_EQ(tables[0]["key"]["kind"], "full row");
  const BaseRun base = find_base_run(*storage_, name_);
  ASSERT_EQ(base.tables.size(), 1u);
  EXPECT_EQ(base.tables[0].key_kind, KeyKind::full_row);
}

}  // namespace
}  // namespace pgexport::cdc
