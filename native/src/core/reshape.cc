#include "core/reshape.h"

#include <algorithm>
#include <vector>

#include "core/error.h"

namespace sn {

namespace {

Shape infer_forward(const std::vector<int64_t>& in, const std::vector<int64_t>& spec, std::string_view op,
                    const Shape& in_shape, const Shape& spec_shape) {
  auto fail = [&](const std::string& why) {
    SN_THROW(kShape, op, ": cannot reshape ", in_shape, " to ", spec_shape, ": ", why);
  };
  std::vector<int64_t> out;
  int infer_at = -1;
  size_t src = 0;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t v = spec[i];
    if (v > 0) {
      out.push_back(v);
      ++src;
    } else if (v == 0) {
      if (src >= in.size()) fail(str("0 at position ", i, " copies an input dim that does not exist"));
      out.push_back(in[src++]);
    } else if (v == -1) {
      if (infer_at >= 0) fail("at most one -1 is allowed");
      infer_at = static_cast<int>(out.size());
      out.push_back(1);
      ++src;
    } else if (v == -2) {
      while (src < in.size()) out.push_back(in[src++]);
    } else if (v == -3) {
      if (src + 1 >= in.size()) fail(str("-3 at position ", i, " needs two input dims"));
      out.push_back(in[src] * in[src + 1]);
      src += 2;
    } else if (v == -4) {
      if (i + 2 >= spec.size()) fail(str("-4 at position ", i, " must be followed by two values"));
      if (src >= in.size()) fail(str("-4 at position ", i, " splits an input dim that does not exist"));
      int64_t d = in[src++];
      int64_t a = spec[i + 1], b = spec[i + 2];
      if (a < -1 || b < -1 || a == 0 || b == 0) fail("the two values after -4 must be positive or -1");
      if (a == -1 && b == -1) fail("the two values after -4 cannot both be -1");
      if (a == -1) a = b > 0 && d % b == 0 ? d / b : -2;
      if (b == -1) b = a > 0 && d % a == 0 ? d / a : -2;
      if (a <= 0 || b <= 0 || a * b != d) fail(str("-4 cannot split ", d, " into ", spec[i + 1], " x ", spec[i + 2]));
      out.push_back(a);
      out.push_back(b);
      i += 2;
    } else {
      fail(str("special value ", v, " is not one of 0, -1, -2, -3, -4"));
    }
  }
  int64_t in_size = 1;
  for (int64_t d : in) in_size *= d;
  if (infer_at >= 0) {
    int64_t known = 1;
    for (size_t i = 0; i < out.size(); ++i)
      if (static_cast<int>(i) != infer_at) known *= out[i];
    if (known == 0 || in_size % known != 0) fail(str("-1 cannot be inferred: ", in_size, " elements are not divisible by ", known));
    out[static_cast<size_t>(infer_at)] = in_size / known;
  }
  int64_t out_size = 1;
  for (int64_t d : out) out_size *= d;
  if (out_size != in_size) fail(str("the sizes differ (", in_size, " vs ", out_size, " elements)"));
  return Shape(std::span<const int64_t>(out));
}

}  // namespace

Shape infer_reshape(const Shape& in, const Shape& spec, bool reverse, std::string_view op) {
  SN_CHECK_SHAPE(in.is_known(), op, ": cannot reshape an array of unknown shape ", in);
  std::vector<int64_t> i(in.begin(), in.end()), s(spec.begin(), spec.end());
  if (!reverse) return infer_forward(i, s, op, in, spec);
  // Matching from the right: reverse both, infer, reverse back (-4's pair stays in order).
  std::reverse(i.begin(), i.end());
  std::vector<int64_t> rs;
  for (size_t k = s.size(); k-- > 0;) {
    if (k >= 2 && s[k - 2] == -4) {
      rs.push_back(-4);
      rs.push_back(s[k]);
      rs.push_back(s[k - 1]);
      k -= 2;
    } else {
      rs.push_back(s[k]);
    }
  }
  Shape r = infer_forward(i, rs, op, in, spec);
  std::vector<int64_t> out(r.begin(), r.end());
  std::reverse(out.begin(), out.end());
  return Shape(std::span<const int64_t>(out));
}

}  // namespace sn
