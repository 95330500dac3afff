#include "spec/yaml_error.h"

#include <catch2/catch.hpp>

using bundle::Code;
using bundle::spec::Location;
using bundle::spec::Mapping;
using bundle::spec::quote_value;
using bundle::spec::YamlErrors;

TEST_CASE("yaml-cpp keeps both pairs of a duplicate key, and Mapping reports the second",
          "[spec][yaml]") {
    YAML::Node node = YAML::Load("a: 1\nb: 2\na: 3\n");
    REQUIRE(node.size() == 3);  // the reason Mapping walks the pairs itself
    YamlErrors errors("f.yaml");
    Mapping map = Mapping::read(node, "thing", {"a", "b"}, errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors.to_error().message == "f.yaml:3:1: duplicate key 'a' in thing (first at line 1)");
    REQUIRE(map.find("a"));
    CHECK(map.find("a")->value.Scalar() == "1");
}

TEST_CASE("errors come back sorted by position, one line each", "[spec][yaml]") {
    YamlErrors errors("f.yaml");
    errors.add(Location{"f.yaml", 9, 2}, "late");
    errors.add(Location{"f.yaml", 1, 5}, "early");
    errors.add(Location{"f.yaml", 9, 1}, "middle");
    auto error = errors.to_error();
    CHECK(error.code == Code::invalid_input);
    CHECK(error.where.empty());
    CHECK(error.message == "f.yaml:1:5: early\nf.yaml:9:1: middle\nf.yaml:9:2: late");
}

TEST_CASE("marks become 1-based locations", "[spec][yaml]") {
    YamlErrors errors("f.yaml");
    YAML::Node node = YAML::Load("a:\n  b: c\n");
    Location where = errors.at(node["a"]["b"]);
    CHECK(where.file == "f.yaml");
    CHECK(where.line == 2);
    CHECK(where.column == 6);
    CHECK(errors.at(YAML::Mark::null_mark()).line == 1);
}

TEST_CASE("quote_value escapes control characters and cuts long text", "[spec][yaml]") {
    CHECK(quote_value("abc") == "'abc'");
    CHECK(quote_value(std::string_view("a\0\x1b\x7f", 4)) == "'a\\x00\\x1b\\x7f'");
    CHECK(quote_value(std::string(100, 'x')) == "'" + std::string(64, 'x') + "...'");
}
