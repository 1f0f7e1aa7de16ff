#include <gtest/gtest.h>
#include "rgflow/rbm/rbm.hpp"
TEST(Rbm, Constructs) { rgflow::Rbm r(3, 2); EXPECT_EQ(r.n_visible(), 3); }
