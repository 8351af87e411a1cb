#include "dns/cares/answer_lifetime.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace estafeta::dns {
namespace {

using std::chrono::seconds;
using Bytes = std::vector<unsigned char>;

void u16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}
void u32(Bytes& b, unsigned long v) {
  u16(b, static_cast<unsigned>(v >> 16));
  u16(b, static_cast<unsigned>(v & 0xFFFF));
}
void name(Bytes& b, const std::string& dotted) {
  std::size_t start = 0;
  while (start < dotted.size()) {
    auto dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    b.push_back(static_cast<unsigned char>(dot - start));
    b.insert(b.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.push_back(0);
}

struct Rr {
  unsigned type;
  unsigned long ttl;
  Bytes rdata;
};

// A response to "example.com" with the answer and authority records given;
// every record's owner is a compression pointer to the question's name.
Bytes message(const std::vector<Rr>& answers, const std::vector<Rr>& authority = {}) {
  Bytes b;
  u16(b, 0x1234);
  u16(b, 0x8180);
  u16(b, 1);
  u16(b, static_cast<unsigned>(answers.size()));
  u16(b, static_cast<unsigned>(authority.size()));
  u16(b, 0);
  name(b, "example.com");
  u16(b, 16);
  u16(b, 1);
  for (const auto* section : {&answers, &authority})
    for (const auto& rr : *section) {
      b.push_back(0xC0);
      b.push_back(12);
      u16(b, rr.type);
      u16(b, 1);
      u32(b, rr.ttl);
      u16(b, static_cast<unsigned>(rr.rdata.size()));
      b.insert(b.end(), rr.rdata.begin(), rr.rdata.end());
    }
  return b;
}

Rr a_record(unsigned long ttl) { return {1, ttl, {192, 0, 2, 1}}; }

Rr soa(unsigned long ttl, unsigned long minimum) {
  Bytes r;
  name(r, "ns.example.com");
  r.push_back(0xC0);  // RNAME compressed
  r.push_back(12);
  for (unsigned long v : {2026120401ul, 7200ul, 3600ul, 1209600ul, minimum}) u32(r, v);
  return {6, ttl, r};
}

TEST(AnswerLifetime, RecordsAreKeptForTheSmallestTtl) {
  EXPECT_EQ(answer_lifetime(AnswerKind::records, message({a_record(300), a_record(60), a_record(900)})), seconds(60));
}

TEST(AnswerLifetime, LongTtlsAreCutToTheLimit) {
  EXPECT_EQ(answer_lifetime(AnswerKind::records, message({a_record(86400)})), seconds(3600));
  LifetimeLimits limits;
  limits.records = seconds(10);
  EXPECT_EQ(answer_lifetime(AnswerKind::records, message({a_record(86400)}), limits), seconds(10));
}

TEST(AnswerLifetime, ZeroAndTopBitTtlsAreNotKept) {
  EXPECT_EQ(answer_lifetime(AnswerKind::records, message({a_record(0)})), std::nullopt);
  // RFC 2181 §8: a TTL with the most significant bit set is 0.
  EXPECT_EQ(answer_lifetime(AnswerKind::records, message({a_record(0x80000010ul), a_record(60)})), std::nullopt);
}

TEST(AnswerLifetime, NegativeAnswersUseTheSoaTtlOrMinimumWhicheverIsLess) {
  EXPECT_EQ(answer_lifetime(AnswerKind::negative, message({}, {soa(3600, 300)})), seconds(300));
  EXPECT_EQ(answer_lifetime(AnswerKind::negative, message({}, {soa(120, 300)})), seconds(120));
  EXPECT_EQ(answer_lifetime(AnswerKind::negative, message({}, {soa(86400, 86400)})), seconds(900));
  // An NS record before the SOA is skipped.
  Bytes ns;
  name(ns, "ns.example.com");
  EXPECT_EQ(answer_lifetime(AnswerKind::negative, message({}, {{2, 60, ns}, soa(600, 600)})), seconds(600));
}

TEST(AnswerLifetime, NegativeAnswersWithoutSoaAreNotKept) {
  EXPECT_EQ(answer_lifetime(AnswerKind::negative, message({})), std::nullopt);
}

TEST(AnswerLifetime, FailuresAreKeptBriefly) {
  EXPECT_EQ(answer_lifetime(AnswerKind::failure, {}), seconds(5));
  LifetimeLimits none;
  none.failure = seconds(0);
  EXPECT_EQ(answer_lifetime(AnswerKind::failure, {}, none), std::nullopt);
}

TEST(AnswerLifetime, TruncatedOrMalformedMessagesAreNotKept) {
  auto whole = message({a_record(60)});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    Bytes cut(whole.begin(), whole.begin() + static_cast<long>(n));
    EXPECT_EQ(answer_lifetime(AnswerKind::records, cut), std::nullopt) << n;
  }
  auto bad_label = whole;
  bad_label[12] = 0x40;  // a reserved label type
  EXPECT_EQ(answer_lifetime(AnswerKind::records, bad_label), std::nullopt);
}

}  // namespace
}  // namespace estafeta::dns
