// Conformance entries: joining, splitting, slicing, tiling, padding and
// reordering ops (shape_ops.cc). References index element by element.
#include <algorithm>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

using Index = std::vector<int64_t>;

Index unravel(int64_t flat, const Shape& s) {
  Index idx(static_cast<size_t>(s.ndim()));
  for (int d = s.ndim() - 1; d >= 0; --d) {
    idx[static_cast<size_t>(d)] = flat % s[d];
    flat /= s[d];
  }
  return idx;
}
int64_t ravel(const Index& idx, const Shape& s) {
  int64_t f = 0;
  for (int d = 0; d < s.ndim(); ++d) f = f * s[d] + idx[static_cast<size_t>(d)];
  return f;
}
// out[i] = in[src(index of i)]; src returns -1 for "value".
Ref gather(const Ref& in, const Shape& out_shape, const std::function<int64_t(const Index&)>& src, double value = 0) {
  Ref r{out_shape, std::vector<double>(static_cast<size_t>(out_shape.size()))};
  for (int64_t i = 0; i < r.size(); ++i) {
    const int64_t k = src(unravel(i, out_shape));
    r.v[static_cast<size_t>(i)] = k < 0 ? value : in.v[static_cast<size_t>(k)];
  }
  return r;
}
// An integer tuple parameter, None items as kTupleNone (the parser the ops use).
Shape tuple(const Params& p, const std::string& key) { return *detail::parse_int_tuple(param(p, key, "()")); }
constexpr int64_t kNone = detail::kTupleNone;

// --- Concat / stack / SliceChannel ---
RefFn concat_ref(int dim) {
  return [dim](const std::vector<Ref>& in, const Params&) {
    Shape out = in[0].shape;
    out[dim] = 0;
    for (const Ref& r : in) out[dim] += r.shape[dim];
    Ref r{out, {}};
    for (int64_t i = 0; i < out.size(); ++i) {
      Index idx = unravel(i, out);
      size_t k = 0;
      while (idx[static_cast<size_t>(dim)] >= in[k].shape[dim]) idx[static_cast<size_t>(dim)] -= in[k++].shape[dim];
      r.v.push_back(in[k].v[static_cast<size_t>(ravel(idx, in[k].shape))]);
    }
    return std::vector<Ref>{r};
  };
}
const AddCase concat{{.op = "Concat", .params = {{"num_args", "3"}, {"dim", "1"}}, .shapes = {{2, 1, 3}, {2, 2, 3}, {2, 3, 3}},
                      .reference = concat_ref(1), .dtypes = kFloatsAndInts}};
const AddCase concat0{{.op = "concat", .params = {{"num_args", "2"}, {"dim", "-1"}}, .shapes = {{2, 3}, {2, 1}},
                       .reference = concat_ref(1), .label = "last_axis"}};
const AddCase stack{{.op = "stack", .params = {{"num_args", "3"}, {"axis", "1"}}, .shapes = {{2, 3}, {2, 3}, {2, 3}},
                     .reference = [](const std::vector<Ref>& in, const Params&) {
                       Ref r{Shape{2, 3, 3}, std::vector<double>(18)};
                       for (int64_t i = 0; i < 18; ++i) {
                         const Index idx = unravel(i, r.shape);  // (row, input, column)
                         r.v[static_cast<size_t>(i)] = in[static_cast<size_t>(idx[1])].v[static_cast<size_t>(idx[0] * 3 + idx[2])];
                       }
                       return std::vector<Ref>{r};
                     },
                     .dtypes = kFloatsAndInts}};
const AddCase split{{.op = "SliceChannel", .params = {{"num_outputs", "3"}, {"axis", "1"}}, .shapes = {{2, 6, 2}},
                     .reference = [](const std::vector<Ref>& in, const Params&) {
                       std::vector<Ref> outs;
                       for (int k = 0; k < 3; ++k)
                         outs.push_back(gather(in[0], Shape{2, 2, 2}, [&](const Index& i) {
                           return ravel({i[0], i[1] + 2 * k, i[2]}, in[0].shape);
                         }));
                       return outs;
                     },
                     .dtypes = kFloatsAndInts}};
const AddCase split_squeeze{{.op = "split", .params = {{"num_outputs", "3"}, {"axis", "-1"}, {"squeeze_axis", "1"}},
                             .shapes = {{2, 3}},
                             .reference = [](const std::vector<Ref>& in, const Params&) {
                               std::vector<Ref> outs;
                               for (int k = 0; k < 3; ++k)
                                 outs.push_back(gather(in[0], Shape{2}, [&](const Index& i) { return i[0] * 3 + k; }));
                               return outs;
                             },
                             .label = "squeeze"}};

// --- slicing ---
int64_t none_or(int64_t v, int64_t dflt) { return v == kNone ? dflt : v; }
// Python slice of one axis as a list of indices.
Index py_slice(int64_t n, int64_t b, int64_t e, int64_t s) {
  Index out;
  if (s > 0) {
    b = none_or(b, 0);
    e = none_or(e, n);
    if (b < 0) b += n;
    if (e < 0) e += n;
    b = std::clamp<int64_t>(b, 0, n);
    e = std::clamp<int64_t>(e, 0, n);
    for (int64_t i = b; i < e; i += s) out.push_back(i);
  } else {
    b = none_or(b, n - 1);
    e = none_or(e, -n - 1);
    if (b < 0) b += n;
    if (e < 0) e += n;
    b = std::clamp<int64_t>(b, -1, n - 1);
    e = std::clamp<int64_t>(e, -1, n - 1);
    for (int64_t i = b; i > e; i += s) out.push_back(i);
  }
  return out;
}
std::vector<Index> slice_indices(const Shape& in, const Shape& b, const Shape& e, const Shape& s) {
  std::vector<Index> per_axis;
  for (int d = 0; d < in.ndim(); ++d) {
    const bool given = d < b.ndim();
    per_axis.push_back(py_slice(in[d], given ? b[d] : kNone, given ? e[d] : kNone,
                                d < s.ndim() ? none_or(s[d], 1) : 1));
  }
  return per_axis;
}
Ref slice_ref(const Ref& x, const std::vector<Index>& axes) {
  Shape out;
  for (const Index& a : axes) out.push_back(static_cast<int64_t>(a.size()));
  return gather(x, out, [&](const Index& i) {
    Index src;
    for (size_t d = 0; d < axes.size(); ++d) src.push_back(axes[d][static_cast<size_t>(i[d])]);
    return ravel(src, x.shape);
  });
}
RefFn slice_fn() {
  return [](const std::vector<Ref>& in, const Params& p) {
    return std::vector<Ref>{slice_ref(in[0], slice_indices(in[0].shape, tuple(p, "begin"), tuple(p, "end"), tuple(p, "step")))};
  };
}
const AddCase slice_basic{{.op = "slice", .params = {{"begin", "(1, None)"}, {"end", "(3, -1)"}}, .shapes = {{4, 5}},
                           .reference = slice_fn(), .dtypes = kFloatsAndInts}};
const AddCase slice_step{{.op = "slice", .params = {{"begin", "(None, 4, 0)"}, {"end", "(None, 0, 3)"}, {"step", "(2, -2, 1)"}},
                          .shapes = {{5, 6, 3}}, .reference = slice_fn(), .label = "steps"}};
const AddCase slice_rev{{.op = "crop", .params = {{"begin", "(None,)"}, {"end", "(None,)"}, {"step", "(-1,)"}},
                         .shapes = {{4, 2}}, .reference = slice_fn(), .label = "reversed"}};
const AddCase backward_slice{{.op = "_backward_slice",
                              .params = {{"shape", "(5, 6)"}, {"begin", "(1, None)"}, {"end", "(5, 1)"}, {"step", "(2, -2)"}},
                              .shapes = {{2, 2}},
                              .reference = [](const std::vector<Ref>& in, const Params&) {
                                Ref r{Shape{5, 6}, std::vector<double>(30, 0.0)};
                                const Index rows = py_slice(5, 1, 5, 2), cols = py_slice(6, kNone, 1, -2);
                                for (size_t a = 0; a < rows.size(); ++a)
                                  for (size_t c = 0; c < cols.size(); ++c)
                                    r.v[static_cast<size_t>(rows[a] * 6 + cols[c])] = in[0].v[a * cols.size() + c];
                                return std::vector<Ref>{r};
                              }}};
const AddCase slice_axis{{.op = "slice_axis", .params = {{"axis", "1"}, {"begin", "-3"}, {"end", "None"}}, .shapes = {{2, 5, 2}},
                          .reference = [](const std::vector<Ref>& in, const Params&) {
                            return std::vector<Ref>{slice_ref(in[0], {py_slice(2, 0, 2, 1), py_slice(5, -3, kNone, 1), py_slice(2, 0, 2, 1)})};
                          },
                          .dtypes = kFloatsAndInts}};
const AddCase slice_like{{.op = "slice_like", .params = {{"axes", "(0, -1)"}}, .shapes = {{4, 3, 5}, {2, 7, 3}},
                          .reference = [](const std::vector<Ref>& in, const Params&) {
                            return std::vector<Ref>{slice_ref(in[0], {py_slice(4, 0, 2, 1), py_slice(3, 0, 3, 1), py_slice(5, 0, 3, 1)})};
                          }}};

// --- squeeze, tile, repeat ---
const AddCase squeeze{{.op = "squeeze", .shapes = {{1, 3, 1, 2}},
                       .reference = [](const std::vector<Ref>& in, const Params&) {
                         Ref r = in[0];
                         r.shape = Shape{3, 2};
                         return std::vector<Ref>{r};
                       },
                       .dtypes = kFloatsAndInts}};
const AddCase squeeze_axis{{.op = "squeeze", .params = {{"axis", "(2,)"}}, .shapes = {{1, 3, 1, 2}},
                            .reference = [](const std::vector<Ref>& in, const Params&) {
                              Ref r = in[0];
                              r.shape = Shape{1, 3, 2};
                              return std::vector<Ref>{r};
                            },
                            .label = "axis"}};
const AddCase tile{{.op = "tile", .params = {{"reps", "(2, 1, 3)"}}, .shapes = {{2, 3}},
                    .reference = [](const std::vector<Ref>& in, const Params&) {
                      return std::vector<Ref>{gather(in[0], Shape{2, 2, 9}, [&](const Index& i) { return (i[1] % 2) * 3 + i[2] % 3; })};
                    },
                    .dtypes = kFloatsAndInts}};
const AddCase repeat{{.op = "repeat", .params = {{"repeats", "3"}, {"axis", "1"}}, .shapes = {{2, 2, 3}},
                      .reference = [](const std::vector<Ref>& in, const Params&) {
                        return std::vector<Ref>{gather(in[0], Shape{2, 6, 3}, [&](const Index& i) { return ravel({i[0], i[1] / 3, i[2]}, in[0].shape); })};
                      },
                      .dtypes = kFloatsAndInts}};
const AddCase repeat_flat{{.op = "repeat", .params = {{"repeats", "2"}}, .shapes = {{2, 3}},
                           .reference = [](const std::vector<Ref>& in, const Params&) {
                             return std::vector<Ref>{gather(in[0], Shape{12}, [&](const Index& i) { return i[0] / 2; })};
                           },
                           .label = "flattened"}};

// --- Pad ---
int64_t pad_src(int64_t o, int64_t n, int64_t before, const std::string& mode) {
  int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : n - 1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}
RefFn pad_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Shape w = tuple(p, "pad_width");
    const std::string mode = param(p, "mode", "constant");
    const double c = std::stod(param(p, "constant_value", "0"));
    Shape out;
    for (int d = 0; d < in[0].shape.ndim(); ++d) out.push_back(in[0].shape[d] + w[2 * d] + w[2 * d + 1]);
    return std::vector<Ref>{gather(in[0], out, [&](const Index& i) {
      Index src;
      for (int d = 0; d < out.ndim(); ++d) {
        const int64_t s = pad_src(i[static_cast<size_t>(d)], in[0].shape[d], w[2 * d], mode);
        if (s < 0) return int64_t{-1};
        src.push_back(s);
      }
      return ravel(src, in[0].shape);
    }, c)};
  };
}
const AddCase pad_constant{{.op = "Pad", .params = {{"mode", "constant"}, {"pad_width", "(0, 0, 1, 2, 2, 1)"}, {"constant_value", "1.5"}},
                            .shapes = {{2, 3, 4}}, .reference = pad_ref(), .dtypes = kFloats}};
const AddCase pad_edge{{.op = "pad", .params = {{"mode", "edge"}, {"pad_width", "(1, 0, 2, 3)"}}, .shapes = {{3, 4}},
                        .reference = pad_ref(), .label = "edge"}};
const AddCase pad_reflect{{.op = "Pad", .params = {{"mode", "reflect"}, {"pad_width", "(0, 0, 2, 3)"}}, .shapes = {{2, 4}},
                           .reference = pad_ref(), .label = "reflect"}};
const AddCase pad_int{{.op = "Pad", .params = {{"mode", "constant"}, {"pad_width", "(1, 1)"}, {"constant_value", "7"}},
                       .shapes = {{3}}, .reference = pad_ref(), .dtypes = {DType::kInt32, DType::kInt64, DType::kUInt8},
                       .skip_gradient = true, .label = "integers"}};
// The adjoint of Pad: each gradient summed into the element it came from.
RefFn backward_pad_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Shape w = tuple(p, "pad_width");
    const std::string mode = param(p, "mode", "constant");
    Shape xs;
    for (int d = 0; d < in[0].shape.ndim(); ++d) xs.push_back(in[0].shape[d] - w[2 * d] - w[2 * d + 1]);
    Ref r{xs, std::vector<double>(static_cast<size_t>(xs.size()), 0.0)};
    for (int64_t o = 0; o < in[0].size(); ++o) {
      Index i = unravel(o, in[0].shape), src;
      bool inside = true;
      for (int d = 0; d < xs.ndim(); ++d) {
        const int64_t s = pad_src(i[static_cast<size_t>(d)], xs[d], w[2 * d], mode);
        inside &= s >= 0;
        src.push_back(s);
      }
      if (inside) r.v[static_cast<size_t>(ravel(src, xs))] += in[0].v[static_cast<size_t>(o)];
    }
    return std::vector<Ref>{r};
  };
}
const AddCase backward_pad{{.op = "_backward_pad", .params = {{"mode", "reflect"}, {"pad_width", "(1, 2, 2, 1)"}},
                            .shapes = {{6, 7}}, .reference = backward_pad_ref()}};
const AddCase backward_pad_c{{.op = "_backward_pad", .params = {{"mode", "constant"}, {"pad_width", "(1, 2)"}},
                              .shapes = {{6}}, .reference = backward_pad_ref(), .label = "constant"}};

// --- reverse, SwapAxis ---
const AddCase reverse{{.op = "reverse", .params = {{"axis", "(0, 2)"}}, .shapes = {{2, 3, 4}},
                       .reference = [](const std::vector<Ref>& in, const Params&) {
                         return std::vector<Ref>{gather(in[0], in[0].shape, [&](const Index& i) {
                           return ravel({1 - i[0], i[1], 3 - i[2]}, in[0].shape);
                         })};
                       },
                       .dtypes = kFloatsAndInts}};
const AddCase flip{{.op = "flip", .params = {{"axis", "(-1,)"}}, .shapes = {{5}},
                    .reference = [](const std::vector<Ref>& in, const Params&) {
                      return std::vector<Ref>{gather(in[0], in[0].shape, [&](const Index& i) { return 4 - i[0]; })};
                    },
                    .label = "alias"}};
const AddCase swapaxis{{.op = "SwapAxis", .params = {{"dim1", "0"}, {"dim2", "2"}}, .shapes = {{2, 3, 4}},
                        .reference = [](const std::vector<Ref>& in, const Params&) {
                          return std::vector<Ref>{gather(in[0], Shape{4, 3, 2}, [&](const Index& i) {
                            return ravel({i[2], i[1], i[0]}, in[0].shape);
                          })};
                        },
                        .dtypes = kFloatsAndInts}};

}  // namespace
}  // namespace sn::conformance
