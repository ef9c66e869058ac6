#include "pg/replication/lsn.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace pgexport::pg::replication {
namespace {

TEST(Lsn, ParsesHighAndLowHalves) {
  EXPECT_EQ(Lsn::parse("0/16B3748").value(), 0x16B3748u);
  EXPECT_EQ(Lsn::parse("16/B374D848").value(), 0x16'B374D848u);
  EXPECT_EQ(Lsn::parse("FFFFFFFF/FFFFFFFF").value(), UINT64_MAX);
  EXPECT_EQ(Lsn::parse("0/0").value(), 0u);
  // PostgreSQL accepts either case and leading zeros; so do we.
  EXPECT_EQ(Lsn::parse("00000001/0000000a").value(), 0x1'0000000Au);
}

TEST(Lsn, FormatsAsPostgresPrints) {
  EXPECT_EQ(Lsn(0x16B3748).to_string(), "0/16B3748");
  EXPECT_EQ(Lsn(0x16'B374D848).to_string(), "16/B374D848");
  EXPECT_EQ(Lsn(0).to_string(), "0/0");
  EXPECT_EQ(Lsn(UINT64_MAX).to_string(), "FFFFFFFF/FFFFFFFF");
  EXPECT_EQ(Lsn(0x1'00000000).to_string(), "1/0");
}

TEST(Lsn, RoundTrips) {
  for (uint64_t value : std::initializer_list<uint64_t>{0ull, 1ull, 0xFFFFFFFFull, 0x1'00000000ull,
                                                        0xABCDEF01'23456789ull,
                                                        0x7FFFFFFF'FFFFFFFFull, UINT64_MAX}) {
    Lsn lsn(value);
    EXPECT_EQ(Lsn::parse(lsn.to_string()), lsn) << lsn.to_string();
  }
  for (const char* text : {"0/1", "A/B", "12345678/9ABCDEF0", "0/FFFFFFFF"}) {
    EXPECT_EQ(Lsn::parse(text).to_string(), text);
  }
}

TEST(Lsn, Compares) {
  EXPECT_LT(Lsn::parse("0/FFFFFFFF"), Lsn::parse("1/0"));
  EXPECT_GT(Lsn::parse("2/0"), Lsn::parse("1/FFFFFFFF"));
  EXPECT_EQ(Lsn::parse("0/a"), Lsn::parse("0/A"));
  EXPECT_NE(Lsn::parse("0/A"), Lsn::parse("0/B"));
  EXPECT_FALSE(Lsn().is_valid());
  EXPECT_TRUE(Lsn(1).is_valid());
}

TEST(Lsn, RefusesInvalidText) {
  for (const char* text :
       {"", "/", "0/", "/0", "0", "16B3748", "0//1", "0/1/2", "G/0", "0/-1", "+1/0", " 0/1", "0/1 ",
        "0x1/0", "123456789/0", "0/123456789", "1.5/0"}) {
    try {
      Lsn::parse(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage) << text;
      EXPECT_EQ(std::string(error.what()).rfind("invalid LSN '" + std::string(text) + "'", 0), 0u)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("for example 0/16B3748"), std::string::npos);
    }
  }
}

TEST(Lsn, ErrorQuotesOnlyTheStartOfLongInput) {
  std::string text(1000, 'A');
  try {
    Lsn::parse(text);
    FAIL() << "accepted a long text";
  } catch (const Error& error) {
    EXPECT_LT(std::string(error.what()).size(), 300u);
    EXPECT_NE(std::string(error.what()).find("AAAA..."), std::string::npos);
  }
}

TEST(Lsn, EndOfWrittenWalTakesAPositionPastAPageHeaderBackToThePageStart) {
  constexpr uint64_t kPage = 8192;
  // Just past a page's short header, and past a segment's long header: the boundary itself.
  EXPECT_EQ(end_of_written_wal(Lsn(5 * kPage + 24), kPage), Lsn(5 * kPage));
  EXPECT_EQ(end_of_written_wal(Lsn(2048 * kPage + 40), kPage), Lsn(2048 * kPage));
  // Anywhere else a record can end: unchanged.
  EXPECT_EQ(end_of_written_wal(Lsn(5 * kPage + 32), kPage), Lsn(5 * kPage + 32));
  EXPECT_EQ(end_of_written_wal(Lsn(5 * kPage), kPage), Lsn(5 * kPage));
  EXPECT_EQ(end_of_written_wal(Lsn(5 * kPage + 8000), kPage), Lsn(5 * kPage + 8000));
  // Another wal_block_size moves the headers with it.
  EXPECT_EQ(end_of_written_wal(Lsn(3 * 16384 + 24), 16384), Lsn(3 * 16384));
  EXPECT_EQ(end_of_written_wal(Lsn(3 * 16384 + 8192 + 24), 16384), Lsn(3 * 16384 + 8192 + 24));
}

}  // namespace
}  // namespace pgexport::pg::replication
