// Arrays in the JSON Lines format: PostgreSQL's array literal parsed into JSON arrays.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "common/error.hpp"
#include "format/jsonl/value_renderer.hpp"

namespace pgexport::format::jsonl {
namespace {

pg::TypeDesc array_of(pg::Oid element_oid, pg::TypeKind element_kind = pg::TypeKind::base) {
  auto element = std::make_shared<pg::TypeDesc>();
  element->oid = element->declared_oid = element_oid;
  element->kind = element_kind;
  pg::TypeDesc type;
  type.oid = type.declared_oid = 1000 + element_oid;  // any oid: the kind decides
  type.kind = pg::TypeKind::array;
  type.element = element;
  return type;
}

std::string render(const pg::TypeDesc& type, std::string_view text) {
  ValueRenderer renderer;
  std::string out;
  renderer.render(plan_value(type), text, out);
  // Whatever is rendered must be JSON.
  EXPECT_TRUE(nlohmann::json::accept(out)) << out;
  return out;
}

TEST(JsonlArray, OneDimensionOfNumbersWithNulls) {
  auto int4s = array_of(pg::oid::kInt4);
  EXPECT_EQ(render(int4s, "{1,2,3}"), "[1,2,3]");
  EXPECT_EQ(render(int4s, "{NULL,-2,NULL}"), "[null,-2,null]");
  EXPECT_EQ(render(int4s, "{null}"), "[null]");
  EXPECT_EQ(render(int4s, "{42}"), "[42]");
}

TEST(JsonlArray, EmptyArraysAreEmpty) {
  EXPECT_EQ(render(array_of(pg::oid::kInt4), "{}"), "[]");
  EXPECT_EQ(render(array_of(pg::oid::kText), "{}"), "[]");
}

TEST(JsonlArray, QuotedTextElements) {
  auto texts = array_of(pg::oid::kText);
  // As array_out writes them: quoted when empty, "NULL", or holding blanks, quotes,
  // backslashes, braces or the delimiter.
  EXPECT_EQ(render(texts, R"x({plain,"a b","NULL","","x\"y\\z","{}","a,b",NULL})x"),
            R"x(["plain","a b","NULL","","x\"y\\z","{}","a,b",null])x");
  EXPECT_EQ(render(texts, "{\"line\nbreak\",\"tab\there\"}"), R"x(["line\nbreak","tab\there"])x");
  EXPECT_EQ(render(texts, "{\xf0\x9f\x98\x80,\"\xd7\xa9\xd7\x9c \xd7\x95\xd7\x9d\"}"),
            "[\"\xf0\x9f\x98\x80\",\"\xd7\xa9\xd7\x9c \xd7\x95\xd7\x9d\"]");
  EXPECT_EQ(render(texts, R"x({"\\","\"","\\\""})x"), R"x(["\\","\"","\\\""])x");
}

TEST(JsonlArray, MultipleDimensionsNest) {
  auto int4s = array_of(pg::oid::kInt4);
  EXPECT_EQ(render(int4s, "{{1,NULL},{3,4}}"), "[[1,null],[3,4]]");
  EXPECT_EQ(render(int4s, "{{{1},{2}},{{3},{4}}}"), "[[[1],[2]],[[3],[4]]]");
  EXPECT_EQ(render(array_of(pg::oid::kText), R"x({{"a b",c},{NULL,"}"}})x"),
            R"x([["a b","c"],[null,"}"]])x");
  EXPECT_EQ(render(int4s, "{{{{{{1}}}}}}"), "[[[[[[1]]]]]]");
  EXPECT_THROW(render(int4s, "{{{{{{{1}}}}}}}"), Error);
}

TEST(JsonlArray, NonDefaultLowerBoundsBecomeAnObject) {
  auto int4s = array_of(pg::oid::kInt4);
  EXPECT_EQ(render(int4s, "[0:1]={1,2}"), R"x({"lower_bounds":[0],"values":[1,2]})x");
  EXPECT_EQ(render(int4s, "[2:3][-1:0]={{1,2},{3,4}}"),
            R"x({"lower_bounds":[2,-1],"values":[[1,2],[3,4]]})x");
  EXPECT_EQ(render(int4s, "[-2147483648:-2147483648]={7}"),
            R"x({"lower_bounds":[-2147483648],"values":[7]})x");
  // A decoration that only restates the default bounds changes nothing.
  EXPECT_EQ(render(int4s, "[1:2]={1,2}"), "[1,2]");
}

TEST(JsonlArray, ElementsUseTheirTypesRendering) {
  EXPECT_EQ(render(array_of(pg::oid::kBool), "{t,f,NULL}"), "[true,false,null]");
  EXPECT_EQ(render(array_of(pg::oid::kInt8), "{1,9007199254740992,-9223372036854775808}"),
            R"x([1,"9007199254740992","-9223372036854775808"])x");
  EXPECT_EQ(render(array_of(pg::oid::kFloat8), "{NaN,-Infinity,-0,1e+100,0.1}"),
            R"x(["NaN","-Infinity",-0,1e+100,0.1])x");
  EXPECT_EQ(render(array_of(pg::oid::kNumeric), "{1.50,NaN,Infinity}"),
            R"x(["1.50","NaN","Infinity"])x");
  // bytea elements are quoted by array_out because of their backslash.
  EXPECT_EQ(render(array_of(pg::oid::kBytea), R"x({"\\x","\\x00ff",NULL})x"),
            R"x(["","AP8=",null])x");
  EXPECT_EQ(render(array_of(pg::oid::kDate), "{2024-02-29,infinity,\"4713-01-01 BC\"}"),
            R"x(["2024-02-29","infinity","4713-01-01 BC"])x");
  EXPECT_EQ(render(array_of(16500, pg::TypeKind::composite), R"x({"(1,\"a\"\"b\")",NULL})x"),
            R"x(["(1,\"a\"\"b\")",null])x");
}

TEST(JsonlArray, JsonElementsAreStringsSoNullStaysDistinctFromJsonNull) {
  auto jsonbs = array_of(pg::oid::kJsonb);
  EXPECT_EQ(render(jsonbs, R"x({"null",NULL,"{\"a\": [1, 2]}"})x"),
            R"x(["null",null,"{\"a\": [1, 2]}"])x");
  EXPECT_EQ(describe_value(plan_value(jsonbs))["element"],
            nlohmann::json({{"json_type", "string"}, {"encoding", "json_text"}}));
}

TEST(JsonlArray, BoxArraysUseTheSemicolonDelimiter) {
  auto boxes = array_of(603);
  EXPECT_EQ(render(boxes, "{(3,4),(1,2);(1,1),(0,0)}"), R"x(["(3,4),(1,2)","(1,1),(0,0)"])x");
  EXPECT_EQ(render(boxes, "{{(3,4),(1,2)};{(1,1),(0,0)}}"),
            R"x([["(3,4),(1,2)"],["(1,1),(0,0)"]])x");
}

TEST(JsonlArray, Int2VectorAndOidVectorAreText) {
  pg::TypeDesc vector = array_of(pg::oid::kInt2);
  vector.oid = 22;  // int2vector: category A with an element type, but printed "1 2 3"
  EXPECT_EQ(render(vector, "1 2 3"), "\"1 2 3\"");
  vector.oid = 30;  // oidvector
  EXPECT_EQ(render(vector, "1 2"), "\"1 2\"");
}

TEST(JsonlArray, ArraysOfDomainsOverArraysKeepTheInnerLiteralAsText) {
  pg::TypeDesc type = array_of(pg::oid::kInt4);
  auto element = std::make_shared<pg::TypeDesc>(array_of(pg::oid::kInt4));
  type.element = element;
  EXPECT_EQ(render(type, R"x({"{1,2}",NULL})x"), R"x(["{1,2}",null])x");
}

TEST(JsonlArray, DescribeNamesTheElement) {
  EXPECT_EQ(describe_value(plan_value(array_of(pg::oid::kInt4))),
            nlohmann::json({{"json_type", "array"},
                            {"element", {{"json_type", "number"}}},
                            {"nondefault_lower_bounds", "object"}}));
}

TEST(JsonlArray, MalformedLiteralsAreErrorsNotBadJson) {
  auto int4s = array_of(pg::oid::kInt4);
  for (const char* bad :
       {"", "{", "}", "{1,2", "{1,2}}", "{1,,2}", "{1,}", "{,1}", "1,2", "{1}x", "[0:1]{1,2}",
        "[0:1={1,2}", "[a:1]={1}", "{{1},2}x", "{\"1}", "{1\"2\"}", "{1{2}}"}) {
    ValueRenderer renderer;
    std::string out;
    EXPECT_THROW(renderer.render(plan_value(int4s), bad, out), Error) << bad;
  }
}

TEST(JsonlArray, ARendererIsReusableAfterLongQuotedElements) {
  ValueRenderer renderer;
  auto plan = plan_value(array_of(pg::oid::kText));
  std::string long_element(50000, 'z');
  std::string out;
  renderer.render(plan, "{\"\\\\" + long_element + "\",b}", out);
  EXPECT_EQ(out, "[\"\\\\" + long_element + "\",\"b\"]");
  out.clear();
  renderer.render(plan, R"x({"a\"",b})x", out);
  EXPECT_EQ(out, R"x(["a\"","b"])x");
}

}  // namespace
}  // namespace pgexport::format::jsonl
