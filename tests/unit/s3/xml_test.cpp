#include "storage/s3/xml.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace pgexport::s3 {
namespace {

TEST(Xml, ParsesAnS3Answer) {
  const auto root = parse_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a &amp; b</Key><Size>3</Size><ETag>&quot;e&quot;</ETag></Contents>"
      "<Contents><Key>caf&#xE9;&#233;</Key><Size>0</Size></Contents>"
      "</ListBucketResult>");
  EXPECT_EQ(root.name, "ListBucketResult");
  const auto contents = root.children_named("Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0]->child_text("Key"), "a & b");
  EXPECT_EQ(contents[0]->child_text("ETag"), "\"e\"");
  EXPECT_EQ(contents[1]->child_text("Key"), "caf\xc3\xa9\xc3\xa9");
  EXPECT_EQ(root.child_text("Missing"), "");
  EXPECT_EQ(root.child("Missing"), nullptr);
}

TEST(Xml, RgwErrorWithEmptyMessage) {
  const auto root = parse_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message></Message>"
      "<BucketName>b</BucketName><RequestId>tx0</RequestId><HostId>h</HostId><Empty/></Error>");
  EXPECT_EQ(root.child_text("Code"), "NoSuchKey");
  EXPECT_EQ(root.child_text("Message"), "");
  EXPECT_NE(root.child("Empty"), nullptr);
}

TEST(Xml, LeadingWhitespaceCommentsAndCdata) {
  // S3 pads a long CompleteMultipartUpload with whitespace before the document.
  const auto root =
      parse_xml("   \n\n<!-- c --><R a='1' b=\"2\"><![CDATA[<x>]]><s:K>v</s:K></R>  ");
  EXPECT_EQ(root.text, "<x>");
  EXPECT_EQ(root.child_text("K"), "v");
}

TEST(Xml, MalformedDocumentsAreRetryableErrors) {
  for (const char* document : {"", "   ", "<a>", "<a></b>", "<a>&bogus;</a>", "<a>x</a><b/>",
                               "<a><b></a>", "<a>&#xZZ;</a>", "text"}) {
    try {
      parse_xml(document);
      FAIL() << document;
    } catch (const Error& error) {
      EXPECT_TRUE(error.retryable()) << document;
    }
  }
}

TEST(Xml, DeepNestingIsRejected) {
  std::string document;
  for (int i = 0; i < 100; ++i) document += "<a>";
  for (int i = 0; i < 100; ++i) document += "</a>";
  EXPECT_THROW(parse_xml(document), Error);
}

TEST(Xml, EscapeRoundTrips) {
  const std::string text = "a<b>&\"c'\rd";
  EXPECT_EQ(xml_escape(text), "a&lt;b&gt;&amp;&quot;c&apos;&#13;d");
  EXPECT_EQ(parse_xml("<k>" + xml_escape(text) + "</k>").text, text);
}

}  // namespace
}  // namespace pgexport::s3
