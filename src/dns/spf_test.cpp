#include <gtest/gtest.h>
#include "dns/spf.hpp"
namespace estafeta::dns { namespace {
TEST(Spf, Placeholder) { EXPECT_TRUE(is_spf_record("v=spf1")); }
}}
