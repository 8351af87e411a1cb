#include "imap/proto/thread.hpp"

#include <gtest/gtest.h>

namespace estafeta::imap {
namespace {

TEST(BaseSubject, Rfc5256Rules) {
  EXPECT_EQ(base_subject("Hello").text, "hello");
  EXPECT_FALSE(base_subject("Hello").reply_or_forward);
  EXPECT_EQ(base_subject("Re: Hello").text, "hello");
  EXPECT_TRUE(base_subject("Re: Hello").reply_or_forward);
  EXPECT_EQ(base_subject("RE: re:  Fwd:\tHello  world").text, "hello world");
  EXPECT_EQ(base_subject("[list] Re: Hello").text, "hello");
  EXPECT_EQ(base_subject("Re[2]: Hello").text, "hello");
  EXPECT_EQ(base_subject("Hello (fwd)").text, "hello");
  EXPECT_TRUE(base_subject("Hello (fwd)").reply_or_forward);
  EXPECT_EQ(base_subject("[Fwd: Re: Hello]").text, "hello");
  EXPECT_EQ(base_subject("[only a blob]").text, "[only a blob]") << "a blob that is the whole subject stays";
  EXPECT_FALSE(base_subject("[list] Hello").reply_or_forward) << "a blob alone is not a reply";
  EXPECT_EQ(base_subject("Regarding this").text, "regarding this");
  EXPECT_EQ(base_subject("").text, "");
}

TEST(MsgIds, Normalised) {
  EXPECT_EQ(parse_msg_ids("<a@b> <\"c\"@d>\r\n <e@f>"), (std::vector<std::string>{"a@b", "c@d", "e@f"}));
  EXPECT_TRUE(parse_msg_ids("no ids here <nope>").empty());
}

ThreadMessage m(std::uint32_t n, std::string id, std::vector<std::string> refs, std::string subject,
                std::int64_t date) {
  return ThreadMessage{n, std::move(id), std::move(refs), std::move(subject), date};
}

TEST(Thread, OrderedSubject) {
  std::vector<ThreadMessage> msgs{m(1, "a@x", {}, "Lunch", 100), m(2, "b@x", {}, "Re: Lunch", 300),
                                  m(3, "c@x", {}, "Report", 200), m(4, "d@x", {}, "re: lunch", 250),
                                  m(5, "e@x", {}, "Alone", 50)};
  EXPECT_EQ(thread_orderedsubject(msgs), "(5)(1 (4)(2))(3)");
}

TEST(Thread, References) {
  // 1 ← 2 ← 3, 4 replies to a message we do not have (dummy), 5 has the
  // same subject as 1 without references, 6 stands alone.
  std::vector<ThreadMessage> msgs{
      m(1, "a@x", {}, "Plan", 100),
      m(2, "b@x", {"a@x"}, "Re: Plan", 200),
      m(3, "c@x", {"a@x", "b@x"}, "Re: Plan", 300),
      m(4, "d@x", {"missing@x"}, "Other", 150),
      m(5, "e@x", {}, "Re: Plan", 400),
      m(6, "f@x", {}, "Solo", 50),
  };
  EXPECT_EQ(thread_references(msgs), "(6)(1 (2 3)(5))(4)");
}

TEST(Thread, ReferencesLoopsAndDuplicates) {
  std::vector<ThreadMessage> msgs{
      m(1, "a@x", {"b@x"}, "x", 1), m(2, "b@x", {"a@x"}, "y", 2),  // would make a loop: ignored
      m(3, "a@x", {}, "z", 3),                                     // duplicate id: gets its own
  };
  auto out = thread_references(msgs);
  EXPECT_NE(out.find("3"), std::string::npos);
  EXPECT_NE(out.find("1"), std::string::npos);
  EXPECT_NE(out.find("2"), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '('), std::count(out.begin(), out.end(), ')'));
}

TEST(Thread, DummyWithSeveralChildrenStaysAtTheTop) {
  std::vector<ThreadMessage> msgs{m(1, "b@x", {"root@x"}, "Re: q", 10), m(2, "c@x", {"root@x"}, "Re: q", 20)};
  EXPECT_EQ(thread_references(msgs), "((1)(2))");
}

}  // namespace
}  // namespace estafeta::imap
