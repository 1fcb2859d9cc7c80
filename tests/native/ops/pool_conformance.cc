// Conformance entries: Pooling (every type and border convention), against a direct float64 reference.
#include <array>
#include <cmath>
#include <limits>

#include "core/param.h"
#include "ops/conformance.h"

namespace sn::conformance {
namespace {

Shape tuple(const Params& p, const std::string& key) { return *detail::parse_int_tuple(param(p, key, "()")); }

const char* kFirstOrder = "MXNet's pooling gradient is not differentiable again";

// MXNet's pooling in float64: windows per convention, clipped to the padded input for the average's count
// (count_include_pad) and to the data for the values.
RefFn pool_ref() {
  return [](const std::vector<Ref>& inputs, const Params& prm) {
    const Ref& x = inputs[0];
    const Shape& ds = x.shape;
    const int nsp = ds.ndim() - 2;
    const bool global = param(prm, "global_pool", "False") == "True";
    const std::string type = param(prm, "pool_type", "max"), conv = param(prm, "pooling_convention", "valid");
    const Shape kt = tuple(prm, "kernel"), st = tuple(prm, "stride"), pt = tuple(prm, "pad");
    const bool include_pad = param(prm, "count_include_pad", "True") != "False";
    const int64_t pv = std::stoll(param(prm, "p_value", "2"));
    std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, s{1, 1, 1}, p{0, 0, 0};
    for (int i = 0; i < nsp; ++i) {
      const size_t a = static_cast<size_t>(3 - nsp + i);
      in[a] = ds[2 + i];
      k[a] = global ? in[a] : kt[i];
      if (!global && st.ndim()) s[a] = st[i];
      if (!global && pt.ndim()) p[a] = pt[i];
      const int64_t room = in[a] + 2 * p[a] - k[a];
      out[a] = global ? 1 : conv == "same" ? (in[a] + s[a] - 1) / s[a]
                          : conv == "full" ? 1 + (room + s[a] - 1) / s[a] : 1 + room / s[a];
    }
    Shape os{ds[0], ds[1]};
    for (int i = 3 - nsp; i < 3; ++i) os.push_back(out[static_cast<size_t>(i)]);
    Ref y{os, std::vector<double>(static_cast<size_t>(os.size()))};
    const int64_t planes = ds[0] * ds[1], isz = in[0] * in[1] * in[2];
    size_t at = 0;
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t o0 = 0; o0 < out[0]; ++o0)
        for (int64_t o1 = 0; o1 < out[1]; ++o1)
          for (int64_t o2 = 0; o2 < out[2]; ++o2) {
            const std::array<int64_t, 3> o{o0, o1, o2};
            std::array<int64_t, 3> lo{}, hi{};
            int64_t padded = 1;
            for (size_t a = 0; a < 3; ++a) {
              const int64_t start = o[a] * s[a] - p[a], end = std::min(start + k[a], in[a] + p[a]);
              padded *= end - start;
              lo[a] = std::max<int64_t>(start, 0);
              hi[a] = std::min(end, in[a]);
            }
            double acc = type == "max" ? -std::numeric_limits<double>::infinity() : 0.0;
            int64_t count = 0;
            for (int64_t i0 = lo[0]; i0 < hi[0]; ++i0)
              for (int64_t i1 = lo[1]; i1 < hi[1]; ++i1)
                for (int64_t i2 = lo[2]; i2 < hi[2]; ++i2) {
                  const double v = x.v[static_cast<size_t>(pl * isz + (i0 * in[1] + i1) * in[2] + i2)];
                  ++count;
                  if (type == "max") acc = std::max(acc, v);
                  else if (type == "lp") acc += std::pow(v, static_cast<double>(pv));
                  else acc += v;
                }
            if (type == "avg") acc /= static_cast<double>(include_pad ? padded : count);
            if (type == "lp") acc = pv == 3 ? std::cbrt(acc) : std::pow(acc, 1.0 / static_cast<double>(pv));
            y.v[at++] = acc;
          }
    return std::vector<Ref>{y};
  };
}

const AddCase max2d{{.op = "Pooling", .params = {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}},
                     .shapes = {{2, 3, 6, 5}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                     .label = "max"}};
const AddCase max_overlap_pad{{.op = "Pooling", .params = {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}},
                               .shapes = {{1, 2, 7, 6}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                               .label = "max_pad"}};
const AddCase max_full{{.op = "Pooling",
                        .params = {{"kernel", "(3, 2)"}, {"stride", "(2, 2)"}, {"pooling_convention", "full"}},
                        .shapes = {{2, 2, 6, 5}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                        .label = "max_full"}};
const AddCase max_same_1d{{.op = "Pooling",
                           .params = {{"kernel", "(3,)"}, {"stride", "(2,)"}, {"pooling_convention", "same"}},
                           .shapes = {{2, 3, 7}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                           .label = "max_same_1d"}};
const AddCase avg_pad{{.op = "Pooling",
                       .params = {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}, {"pool_type", "avg"}},
                       .shapes = {{2, 2, 5, 6}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                       .label = "avg_include_pad"}};
const AddCase avg_exclude_pad{{.op = "Pooling",
                               .params = {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"},
                                          {"pool_type", "avg"}, {"count_include_pad", "False"}},
                               .shapes = {{2, 2, 5, 6}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                               .label = "avg_exclude_pad"}};
const AddCase avg_full{{.op = "Pooling",
                        .params = {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pool_type", "avg"},
                                   {"pooling_convention", "full"}},
                        .shapes = {{1, 3, 5, 5}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                        .label = "avg_full"}};
const AddCase sum3d{{.op = "Pooling", .params = {{"kernel", "(2, 2, 2)"}, {"pool_type", "sum"}},
                     .shapes = {{1, 2, 3, 4, 3}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                     .label = "sum_3d"}};
const AddCase lp2{{.op = "Pooling", .params = {{"kernel", "(2, 2)"}, {"pool_type", "lp"}, {"p_value", "2"}},
                   .shapes = {{2, 2, 4, 4}}, .domain = {{0.2, 2}}, .reference = pool_ref(),
                   .first_order_only = kFirstOrder, .label = "lp2"}};
const AddCase lp3{{.op = "Pooling",
                   .params = {{"kernel", "(2,)"}, {"stride", "(2,)"}, {"pool_type", "lp"}, {"p_value", "3"}},
                   .shapes = {{2, 3, 6}}, .domain = {{0.2, 2}}, .reference = pool_ref(),
                   .first_order_only = kFirstOrder, .label = "lp3"}};
const AddCase global_max{{.op = "Pooling", .params = {{"global_pool", "True"}},
                          .shapes = {{2, 3, 4, 5}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                          .label = "global_max"}};
const AddCase global_avg{{.op = "Pooling", .params = {{"global_pool", "True"}, {"pool_type", "avg"}, {"kernel", "(1, 1)"}},
                          .shapes = {{2, 3, 4, 5}}, .reference = pool_ref(), .first_order_only = kFirstOrder,
                          .label = "global_avg"}};

struct Elsewhere {
  Elsewhere() {
    covered_elsewhere()["_backward_Pooling"] =
        "checked as Pooling's gradient in every pooling entry (directional differences) and pool_test.cc";
  }
} elsewhere;

}  // namespace
}  // namespace sn::conformance
