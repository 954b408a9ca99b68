#include "model.hpp"

using boka::model::run_model;

TEST_CASE("randomized model: memory store agrees with the oracle") {
  run_model("memory:", 4000, 20261130);
  run_model("memory:", 2000, 7);
}

TEST_CASE("randomized model: SQLite store agrees with the oracle") {
  boka::test::TempDb db;
  run_model(db.uri("durability=normal"), 1500, 99);
}

TEST_CASE("randomized model: series and the waitlist agree with the oracle (memory, SQLite)") {
  boka::model::run_queue_model("memory:", 3000, 20261205);
  boka::test::TempDb db;
  boka::model::run_queue_model(db.uri("durability=normal"), 1200, 16);
}

TEST_CASE("randomized model: services and booking rules agree with the oracle (memory, SQLite)") {
  boka::model::run_rules_model("memory:", 3000, 20261205);
  boka::test::TempDb db;
  boka::model::run_rules_model(db.uri("durability=normal"), 1200, 17);
}
