// Shape and layout ops that select, join, split or repeat data: Concat,
// stack, SliceChannel (split), slice, slice_axis, slice_like, tile,
// repeat, Pad, reverse (flip), SwapAxis, with their gradients. Their copies go
// through strided_copy (negative strides reverse, zero strides repeat).
#include <numeric>

#include "ndarray/kernels.h"
#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

using detail::kTupleNone;

std::vector<int64_t> row_major_strides(const Shape& s) {
  std::vector<int64_t> st(static_cast<size_t>(s.ndim()), 1);
  for (int i = s.ndim() - 2; i >= 0; --i) st[static_cast<size_t>(i)] = st[static_cast<size_t>(i) + 1] * s[i + 1];
  return st;
}


std::string tuple_text(const Shape& s) { return detail::print_int_tuple(s); }
std::string int_text(int64_t v) { return std::to_string(v); }

bool all_known(const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes)
    if (!s.is_known()) return false;
  return true;
}

// --- slicing: one normalised form (begin, step, length per axis) for slice / slice_axis / slice_like ---------

struct Window {
  std::vector<int64_t> begin, step;
  Shape shape;  // the selected lengths
};

// Python slice semantics per axis; `begin`/`end`/`step` may be shorter than the rank and hold kTupleNone.
Window slice_window(const OpDef& op, const Shape& in, const Shape& begin, const Shape& end, const Shape& step) {
  const int nd = in.ndim();
  SN_CHECK_SHAPE(begin.ndim() <= nd && end.ndim() <= nd && step.ndim() <= nd, op.name, ": begin ", tuple_text(begin),
                 ", end ", tuple_text(end), " and step ", tuple_text(step), " may not be longer than the input's rank ",
                 nd, " (shape ", in, ")");
  SN_CHECK_SHAPE(begin.ndim() == end.ndim(), op.name, ": begin ", tuple_text(begin), " and end ", tuple_text(end),
                 " must have the same length");
  SN_CHECK_SHAPE(step.ndim() == 0 || step.ndim() == begin.ndim(), op.name, ": step ", tuple_text(step),
                 " must be empty or as long as begin ", tuple_text(begin));
  Window w;
  for (int i = 0; i < nd; ++i) {
    const int64_t n = in[i];
    int64_t s = i < step.ndim() && step[i] != kTupleNone ? step[i] : 1;
    SN_CHECK(s != 0, op.name, ": step must not be 0 (axis ", i, ")");
    const bool has_b = i < begin.ndim() && begin[i] != kTupleNone, has_e = i < end.ndim() && end[i] != kTupleNone;
    int64_t b, e, len;
    if (s > 0) {
      b = has_b ? begin[i] : 0;
      e = has_e ? end[i] : n;
      if (b < 0) b += n;
      if (e < 0) e += n;
      b = std::clamp<int64_t>(b, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
      len = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = has_b ? begin[i] : n - 1;
      e = has_e ? end[i] : -1 - n;  // "before the first element"
      if (b < 0) b += n;
      if (e < 0) e += n;
      b = std::clamp<int64_t>(b, -1, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
      len = b > e ? (b - e - s - 1) / -s : 0;
    }
    w.begin.push_back(len > 0 ? b : 0);
    w.step.push_back(s);
    w.shape.push_back(len);
  }
  return w;
}

// Copies the window of `full` to `part` (Gather) or `part` into the window of `full` (Scatter).
void window_copy(const Window& w, const TensorView& full, const TensorView& part, bool gather, int threads) {
  const auto st = row_major_strides(full.shape);
  std::vector<int64_t> win_strides(st.size());
  int64_t offset = 0;
  for (size_t i = 0; i < st.size(); ++i) {
    win_strides[i] = st[i] * w.step[i];
    offset += st[i] * w.begin[i];
  }
  const int eb = dtype_size(full.dtype);
  StridedView window{static_cast<char*>(full.data) + offset * eb, win_strides};
  const auto pst = row_major_strides(part.shape);
  StridedView dense{part.data, pst};
  strided_copy(part.shape.dims(), eb, gather ? window : dense, gather ? dense : window, threads);
}

struct SliceParam {
  Shape begin, end, step;
  static void describe(ParamBuilder<SliceParam>& b) {
    b.field("begin", &SliceParam::begin, "Start of each axis' slice (None: from the start).");
    b.field("end", &SliceParam::end, "End (exclusive) of each axis' slice (None: to the end).");
    b.field("step", &SliceParam::step, "Step of each axis' slice (None: 1; negative walks backwards).")
        .set_default(Shape{});
  }
};

bool infer_slice(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<SliceParam>();
  merge_shape(*attrs.op, out[0], slice_window(*attrs.op, in[0], p.begin, p.end, p.step).shape, "the output");
  return true;
}
void slice_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SliceParam>();
  window_copy(slice_window(*ctx.attrs.op, in[0].shape, p.begin, p.end, p.step), in[0], out[0], true,
              ctx.run.num_threads);
}

// _backward_slice(ograd; shape, begin, end, step): zeros of `shape` with ograd in the window (the adjoint).
struct BackwardSliceParam {
  Shape shape, begin, end, step;
  static void describe(ParamBuilder<BackwardSliceParam>& b) {
    b.field("shape", &BackwardSliceParam::shape, "Shape of the sliced input.");
    b.field("begin", &BackwardSliceParam::begin, "The forward slice's begin.");
    b.field("end", &BackwardSliceParam::end, "The forward slice's end.");
    b.field("step", &BackwardSliceParam::step, "The forward slice's step.").set_default(Shape{});
  }
};
bool infer_backward_slice(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BackwardSliceParam>();
  for (int64_t d : p.shape.dims())
    SN_CHECK_SHAPE(d >= 0, attrs.op->name, ": shape ", tuple_text(p.shape), " has a negative dim");
  merge_input_shape(*attrs.op, in[0], slice_window(*attrs.op, p.shape, p.begin, p.end, p.step).shape, 0);
  merge_shape(*attrs.op, out[0], p.shape, "the output");
  return true;
}
void backward_slice_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BackwardSliceParam>();
  const int eb = dtype_size(out[0].dtype);
  std::memset(out[0].data, 0, static_cast<size_t>(out[0].size() * eb));
  window_copy(slice_window(*ctx.attrs.op, p.shape, p.begin, p.end, p.step), out[0], in[0], false, ctx.run.num_threads);
}

// Every slicing op's gradient: the head gradient scattered into zeros of the input's shape.
void scatter_back(GradBuilder& b, const Shape& begin, const Shape& end, const Shape& step) {
  const std::string shape = tuple_text(b.known_input_shape(0)), bt = tuple_text(begin), et = tuple_text(end),
                    st = tuple_text(step);
  b.set_input_grad(0, b.op("_backward_slice", {b.out_grad(0)}, {{"shape", shape}, {"begin", bt}, {"end", et}, {"step", st}}));
}
void slice_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<SliceParam>();
  scatter_back(b, p.begin, p.end, p.step);
}
void backward_slice_grad(GradBuilder& b) {  // the adjoint of the adjoint: slice again
  const auto& p = b.attrs().get<BackwardSliceParam>();
  const std::string bt = tuple_text(p.begin), et = tuple_text(p.end), st = tuple_text(p.step);
  b.set_input_grad(0, b.op("slice", {b.out_grad(0)}, {{"begin", bt}, {"end", et}, {"step", st}}));
}

// slice_axis(data; axis, begin, end)
struct SliceAxisParam {
  int64_t axis = 0, begin = 0;
  std::optional<int64_t> end;
  static void describe(ParamBuilder<SliceAxisParam>& b) {
    b.field("axis", &SliceAxisParam::axis, "The axis to slice (negative counts from the end).");
    b.field("begin", &SliceAxisParam::begin, "Start index (negative counts from the end).");
    b.field("end", &SliceAxisParam::end, "End index, exclusive (None: to the end).");
  }
};
// slice_axis as full-rank begin/end tuples.
std::pair<Shape, Shape> slice_axis_bounds(const OpDef& op, const SliceAxisParam& p, int nd) {
  const int ax = checked_axis(op, p.axis, nd);
  Shape begin(nd, kTupleNone), end(nd, kTupleNone);
  begin[ax] = p.begin;
  end[ax] = p.end.value_or(kTupleNone);
  return {begin, end};
}
Window slice_axis_window(const OpDef& op, const SliceAxisParam& p, const Shape& in) {
  auto [begin, end] = slice_axis_bounds(op, p, in.ndim());
  const int ax = checked_axis(op, p.axis, in.ndim());
  const int64_t n = in[ax], b = p.begin < 0 ? p.begin + n : p.begin;
  const int64_t e = p.end ? (*p.end < 0 ? *p.end + n : *p.end) : n;
  SN_CHECK_INDEX(b >= 0 && b < n && e > b && e <= n, op.name, ": begin ", p.begin, " and end ",
                 p.end ? std::to_string(*p.end) : std::string("None"), " must select a non-empty range of axis ", ax,
                 " (size ", n, ")");
  return slice_window(op, in, begin, end, Shape{});
}
bool infer_slice_axis(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  merge_shape(*attrs.op, out[0], slice_axis_window(*attrs.op, attrs.get<SliceAxisParam>(), in[0]).shape, "the output");
  return true;
}
void slice_axis_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  window_copy(slice_axis_window(*ctx.attrs.op, ctx.params<SliceAxisParam>(), in[0].shape), in[0], out[0], true,
              ctx.run.num_threads);
}
void slice_axis_grad(GradBuilder& b) {
  auto [begin, end] = slice_axis_bounds(*b.attrs().op, b.attrs().get<SliceAxisParam>(), b.known_input_shape(0).ndim());
  scatter_back(b, begin, end, Shape{});
}

// slice_like(data, shape_like; axes): data cut to shape_like's dims on `axes` (all when empty), from 0.
struct SliceLikeParam {
  Shape axes;
  static void describe(ParamBuilder<SliceLikeParam>& b) {
    b.field("axes", &SliceLikeParam::axes, "The axes to cut (all when empty).").set_default(Shape{});
  }
};
Shape slice_like_end(const OpDef& op, const SliceLikeParam& p, const Shape& data, const Shape& like) {
  const int nd = data.ndim();
  Shape end(nd, kTupleNone);
  if (p.axes.ndim() == 0) {
    SN_CHECK_SHAPE(like.ndim() == nd, op.name, ": without axes, shape_like (shape ", like,
                   ") must have the rank of data (shape ", data, ")");
    for (int i = 0; i < nd; ++i) end[i] = like[i];
  } else {
    for (int64_t a : p.axes.dims()) {
      const int ax = checked_axis(op, a, nd, "axes item");
      SN_CHECK_SHAPE(ax < like.ndim(), op.name, ": axis ", a, " is beyond shape_like's rank (shape ", like, ")");
      end[ax] = like[ax];
    }
  }
  for (int i = 0; i < nd; ++i)
    SN_CHECK_SHAPE(end[i] == kTupleNone || end[i] <= data[i], op.name, ": shape_like (shape ", like,
                   ") is larger than data (shape ", data, ") on axis ", i);
  return end;
}
bool infer_slice_like(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  const Shape end = slice_like_end(*attrs.op, attrs.get<SliceLikeParam>(), in[0], in[1]);
  merge_shape(*attrs.op, out[0], slice_window(*attrs.op, in[0], Shape(in[0].ndim(), 0), end, Shape{}).shape,
              "the output");
  return true;
}
void slice_like_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape end = slice_like_end(*ctx.attrs.op, ctx.params<SliceLikeParam>(), in[0].shape, in[1].shape);
  window_copy(slice_window(*ctx.attrs.op, in[0].shape, Shape(in[0].shape.ndim(), 0), end, Shape{}), in[0], out[0],
              true, ctx.run.num_threads);
}
void slice_like_grad(GradBuilder& b) {
  const Shape data = b.known_input_shape(0);
  scatter_back(b, Shape(data.ndim(), 0),
               slice_like_end(*b.attrs().op, b.attrs().get<SliceLikeParam>(), data, b.known_input_shape(1)), Shape{});
}

// --- Concat / stack / SliceChannel ------------------------------------------------------------------------------

struct ConcatParam {
  int num_args = 1;
  int64_t dim = 1;
  static void describe(ParamBuilder<ConcatParam>& b) {
    b.field("num_args", &ConcatParam::num_args, "Number of inputs.").set_lower_bound(1);
    b.field("dim", &ConcatParam::dim, "The axis to join along.").set_default(int64_t{1});
  }
};
int concat_inputs(const OpAttrs& attrs) { return attrs.get<ConcatParam>().num_args; }

bool infer_concat(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!all_known(in)) return false;
  const OpDef& op = *attrs.op;
  const int nd = in[0].ndim();
  const int ax = checked_axis(op, attrs.get<ConcatParam>().dim, nd, "dim");
  Shape r = in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    bool ok = in[i].ndim() == nd;
    for (int d = 0; ok && d < nd; ++d) ok = d == ax || in[i][d] == r[d];
    SN_CHECK_SHAPE(ok, op.name, ": input ", i, " has shape ", in[i], " but input 0 has shape ", in[0],
                   "; they may differ only on dim ", ax);
    r[ax] += in[i][ax];
  }
  merge_shape(op, out[0], r, "the output");
  return true;
}

// Joins (or splits) contiguous pieces: each outer index holds, in order, every part's `chunk` elements.
void join_parts(std::span<const TensorView> parts, const TensorView& whole, int64_t outer, bool split, int threads) {
  const int eb = dtype_size(whole.dtype);
  std::vector<int64_t> chunk(parts.size()), offset(parts.size());
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    chunk[i] = outer == 0 ? 0 : parts[i].size() / outer * eb;
    offset[i] = total;
    total += chunk[i];
  }
  auto* w = static_cast<char*>(whole.data);
  parallel_for(outer * static_cast<int64_t>(parts.size()), threads, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) {
      const int64_t o = k / static_cast<int64_t>(parts.size());
      const size_t i = static_cast<size_t>(k % static_cast<int64_t>(parts.size()));
      char* p = static_cast<char*>(parts[i].data) + o * chunk[i];
      char* q = w + o * total + offset[i];
      if (split) std::memcpy(p, q, static_cast<size_t>(chunk[i]));
      else std::memcpy(q, p, static_cast<size_t>(chunk[i]));
    }
  }, std::max<int64_t>(1, total / std::max<int64_t>(1, static_cast<int64_t>(parts.size())) / 4));
}

void concat_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int ax = checked_axis(*ctx.attrs.op, ctx.params<ConcatParam>().dim, out[0].shape.ndim(), "dim");
  join_parts(in, out[0], out[0].shape.size(0, ax), false, ctx.run.num_threads);
}
void concat_grad(GradBuilder& b) {
  const int64_t dim = b.attrs().get<ConcatParam>().dim;
  int64_t offset = 0;
  for (int i = 0; i < b.num_inputs(); ++i) {
    const Shape s = b.known_input_shape(i);
    const int ax = checked_axis(*b.attrs().op, dim, s.ndim(), "dim");
    const std::string axis = int_text(ax), begin = int_text(offset), end = int_text(offset + s[ax]);
    b.set_input_grad(i, b.op("slice_axis", {b.out_grad(0)}, {{"axis", axis}, {"begin", begin}, {"end", end}}));
    offset += s[ax];
  }
}

struct StackParam {
  int num_args = 1;
  int64_t axis = 0;
  static void describe(ParamBuilder<StackParam>& b) {
    b.field("num_args", &StackParam::num_args, "Number of inputs.").set_lower_bound(1);
    b.field("axis", &StackParam::axis, "Where the new axis goes.").set_default(int64_t{0});
  }
};
int stack_inputs(const OpAttrs& attrs) { return attrs.get<StackParam>().num_args; }
int stack_axis(const OpDef& op, int64_t axis, int nd) {  // an axis of the (nd + 1)-dim output
  return checked_axis(op, axis, nd + 1);
}
bool infer_stack(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!all_known(in)) return false;
  for (size_t i = 1; i < in.size(); ++i)
    SN_CHECK_SHAPE(in[i] == in[0], attrs.op->name, ": input ", i, " has shape ", in[i], " but input 0 has shape ",
                   in[0], "; stacked arrays must have the same shape");
  const int ax = stack_axis(*attrs.op, attrs.get<StackParam>().axis, in[0].ndim());
  Shape r;
  for (int d = 0; d <= in[0].ndim(); ++d) {
    if (d == ax) r.push_back(static_cast<int64_t>(in.size()));
    if (d < in[0].ndim()) r.push_back(in[0][d]);
  }
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}
void stack_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int ax = stack_axis(*ctx.attrs.op, ctx.params<StackParam>().axis, in[0].shape.ndim());
  join_parts(in, out[0], in[0].shape.size(0, ax), false, ctx.run.num_threads);
}
void stack_grad(GradBuilder& b) {
  const std::string n = int_text(b.num_inputs());
  const std::string axis = int_text(b.attrs().get<StackParam>().axis);
  std::vector<GradValue> parts =
      b.apply("SliceChannel", {b.out_grad(0)}, {{"num_outputs", n}, {"axis", axis}, {"squeeze_axis", "True"}});
  for (int i = 0; i < b.num_inputs(); ++i) b.set_input_grad(i, parts[static_cast<size_t>(i)]);
}

struct SplitParam {
  int num_outputs = 1;
  int64_t axis = 1;
  bool squeeze_axis = false;
  static void describe(ParamBuilder<SplitParam>& b) {
    b.field("num_outputs", &SplitParam::num_outputs, "Number of equal parts.").set_lower_bound(1);
    b.field("axis", &SplitParam::axis, "The axis to split.").set_default(int64_t{1});
    b.field("squeeze_axis", &SplitParam::squeeze_axis, "Drop the split axis (each part must then have size 1 on it).")
        .set_default(false);
  }
};
int split_outputs(const OpAttrs& attrs) { return attrs.get<SplitParam>().num_outputs; }
bool infer_split(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<SplitParam>();
  const OpDef& op = *attrs.op;
  const int ax = checked_axis(op, p.axis, in[0].ndim());
  const int64_t n = in[0][ax];
  SN_CHECK_SHAPE(n % p.num_outputs == 0, op.name, ": axis ", ax, " of the input (shape ", in[0], ") has size ", n,
                 ", which does not split into ", p.num_outputs, " equal parts");
  SN_CHECK_SHAPE(!p.squeeze_axis || n == p.num_outputs, op.name, ": squeeze_axis needs parts of size 1, but axis ", ax,
                 " has size ", n, " for ", p.num_outputs, " outputs");
  Shape r;
  for (int d = 0; d < in[0].ndim(); ++d) {
    if (d == ax && p.squeeze_axis) continue;
    r.push_back(d == ax ? n / p.num_outputs : in[0][d]);
  }
  for (Shape& o : out) merge_shape(op, o, r, "an output");
  return true;
}
void split_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int ax = checked_axis(*ctx.attrs.op, ctx.params<SplitParam>().axis, in[0].shape.ndim());
  join_parts(out, in[0], in[0].shape.size(0, ax), true, ctx.run.num_threads);
}
void split_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<SplitParam>();
  std::vector<GradValue> parts;
  for (int i = 0; i < p.num_outputs; ++i) parts.push_back(b.out_grad(i));
  const std::string n = int_text(p.num_outputs), axis = int_text(p.axis);
  if (p.squeeze_axis) b.set_input_grad(0, b.op("stack", parts, {{"num_args", n}, {"axis", axis}}));
  else b.set_input_grad(0, b.op("Concat", parts, {{"num_args", n}, {"dim", axis}}));
}

// --- tile and repeat: strided copies with zero strides, gradients summing the copies -------------------------

struct TileParam {
  Shape reps;
  static void describe(ParamBuilder<TileParam>& b) {
    b.field("reps", &TileParam::reps, "Repetitions per axis (aligned on the right with the input's axes).");
  }
};
// The input's and reps' shapes padded with leading 1s to a common rank.
std::pair<Shape, Shape> tile_shapes(const OpDef& op, const Shape& in, const Shape& reps) {
  for (int64_t r : reps.dims()) SN_CHECK(r >= 0, op.name, ": reps ", tuple_text(reps), " has a negative item");
  const int nd = std::max(in.ndim(), reps.ndim());
  Shape s(nd, 1), r(nd, 1);
  for (int i = 0; i < in.ndim(); ++i) s[nd - in.ndim() + i] = in[i];
  for (int i = 0; i < reps.ndim(); ++i) r[nd - reps.ndim() + i] = reps[i];
  return {s, r};
}
bool infer_tile(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  auto [s, r] = tile_shapes(*attrs.op, in[0], attrs.get<TileParam>().reps);
  Shape o;
  for (int i = 0; i < s.ndim(); ++i) o.push_back(checked_dim_mul(*attrs.op, s[i], r[i], "the tiled dim"));
  merge_shape(*attrs.op, out[0], o, "the output");
  return true;
}
// (r0, s0, r1, s1, ...): the repeat dims read with stride 0.
void tile_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  auto [s, r] = tile_shapes(*ctx.attrs.op, in[0].shape, ctx.params<TileParam>().reps);
  const auto st = row_major_strides(s);
  Shape view;
  std::vector<int64_t> src;
  for (int i = 0; i < s.ndim(); ++i) {
    view.push_back(r[i]);
    view.push_back(s[i]);
    src.push_back(0);
    src.push_back(st[static_cast<size_t>(i)]);
  }
  strided_copy(view.dims(), dtype_size(in[0].dtype), StridedView{in[0].data, src},
               StridedView{out[0].data, row_major_strides(view)}, ctx.run.num_threads);
}
void tile_grad(GradBuilder& b) {
  const Shape in = b.known_input_shape(0);
  auto [s, r] = tile_shapes(*b.attrs().op, in, b.attrs().get<TileParam>().reps);
  Shape view, axes;
  for (int i = 0; i < s.ndim(); ++i) {
    axes.push_back(view.ndim());
    view.push_back(r[i]);
    view.push_back(s[i]);
  }
  const std::string vt = tuple_text(view), at = tuple_text(axes), it = tuple_text(in);
  GradValue g = b.op("Reshape", {b.out_grad(0)}, {{"shape", vt}});
  g = b.op("sum", {g}, {{"axis", at}});
  b.set_input_grad(0, b.op("Reshape", {g}, {{"shape", it}}));
}

struct RepeatParam {
  int64_t repeats = 1;
  std::optional<int64_t> axis;
  static void describe(ParamBuilder<RepeatParam>& b) {
    b.field("repeats", &RepeatParam::repeats, "How many times each element repeats.").set_lower_bound(0);
    b.field("axis", &RepeatParam::axis, "The axis to repeat along (None: the flattened input).");
  }
};
// (outer, n, repeats, inner) view of the output, reading the input with stride 0 on `repeats`.
struct RepeatView {
  int64_t outer, n, inner;
};
RepeatView repeat_view(const OpDef& op, const RepeatParam& p, const Shape& in) {
  if (!p.axis) return {1, in.size(), 1};
  const int ax = checked_axis(op, *p.axis, in.ndim());
  return {in.size(0, ax), in[ax], in.size(ax + 1, in.ndim())};
}
bool infer_repeat(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<RepeatParam>();
  Shape r;
  if (!p.axis) {
    r.push_back(checked_dim_mul(*attrs.op, in[0].size(), p.repeats, "the repeated size"));
  } else {
    r = in[0];
    const int ax = checked_axis(*attrs.op, *p.axis, in[0].ndim());
    r[ax] = checked_dim_mul(*attrs.op, r[ax], p.repeats, "the repeated dim");
  }
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}
void repeat_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<RepeatParam>();
  const RepeatView v = repeat_view(*ctx.attrs.op, p, in[0].shape);
  const Shape view{v.outer, v.n, p.repeats, v.inner};
  const std::vector<int64_t> src{v.n * v.inner, v.inner, 0, 1};
  strided_copy(view.dims(), dtype_size(in[0].dtype), StridedView{in[0].data, src},
               StridedView{out[0].data, row_major_strides(view)}, ctx.run.num_threads);
}
void repeat_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<RepeatParam>();
  const Shape in = b.known_input_shape(0);
  const RepeatView v = repeat_view(*b.attrs().op, p, in);
  const std::string vt = tuple_text(Shape{v.outer, v.n, p.repeats, v.inner}), it = tuple_text(in);
  GradValue g = b.op("Reshape", {b.out_grad(0)}, {{"shape", vt}});
  g = b.op("sum", {g}, {{"axis", "(2,)"}});
  b.set_input_grad(0, b.op("Reshape", {g}, {{"shape", it}}));
}

// --- Pad -----------------------------------------------------------------------------------------------------

enum class PadMode { kConstant, kEdge, kReflect };
struct PadParam {
  PadMode mode = PadMode::kConstant;
  Shape pad_width;
  double constant_value = 0;
  static void describe(ParamBuilder<PadParam>& b) {
    b.field("mode", &PadParam::mode, "constant: the constant value; edge: the border value repeated; reflect: "
                                     "mirrored without repeating the border.")
        .set_enum({{"constant", PadMode::kConstant}, {"edge", PadMode::kEdge}, {"reflect", PadMode::kReflect}})
        .set_default(PadMode::kConstant);
    b.field("pad_width", &PadParam::pad_width, "(before, after) per axis, 2 * ndim items.");
    b.field("constant_value", &PadParam::constant_value, "The value for mode constant.").set_default(0.0);
  }
};
// The padded shape of `in`; widths that do not fit it are errors naming the op.
Shape padded_shape(const OpDef& op, const PadParam& p, const Shape& in) {
  const int nd = in.ndim();
  SN_CHECK_SHAPE(p.pad_width.ndim() == 2 * nd, op.name, ": pad_width ", tuple_text(p.pad_width), " has ",
                 p.pad_width.ndim(), " items but an input of shape ", in, " needs ", 2 * nd, " (before, after per axis)");
  Shape out;
  for (int d = 0; d < nd; ++d) {
    const int64_t n = in[d], before = p.pad_width[2 * d], after = p.pad_width[2 * d + 1];
    SN_CHECK(before >= 0 && after >= 0, op.name, ": pad_width ", tuple_text(p.pad_width), " has a negative item");
    if (p.mode == PadMode::kReflect) {
      SN_CHECK(before < n && after < n, op.name, ": mode reflect needs pads smaller than the axis, but axis ", d,
               " has size ", n, " and pads (", before, ", ", after, ")");
    } else if (p.mode == PadMode::kEdge) {
      SN_CHECK(n > 0 || (before == 0 && after == 0), op.name, ": mode edge cannot pad the empty axis ", d);
    }
    out.push_back(checked_dim_add(op, checked_dim_add(op, n, before, "the padded dim"), after, "the padded dim"));
  }
  return out;
}
// Per axis of a (checked) padding, the input index each output index reads (-1: the constant).
std::vector<std::vector<int64_t>> pad_sources(const PadParam& p, const Shape& in) {
  const int nd = in.ndim();
  std::vector<std::vector<int64_t>> src(static_cast<size_t>(nd));
  for (int d = 0; d < nd; ++d) {
    const int64_t n = in[d], before = p.pad_width[2 * d], after = p.pad_width[2 * d + 1];
    auto& s = src[static_cast<size_t>(d)];
    s.reserve(static_cast<size_t>(n + before + after));
    for (int64_t o = 0; o < n + before + after; ++o) {
      int64_t i = o - before;
      if (i < 0 || i >= n) {
        if (p.mode == PadMode::kConstant) i = -1;
        else if (p.mode == PadMode::kEdge) i = i < 0 ? 0 : n - 1;
        else i = i < 0 ? -i : 2 * (n - 1) - i;
      }
      s.push_back(i);
    }
  }
  return src;
}
bool infer_pad(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  merge_shape(*attrs.op, out[0], padded_shape(*attrs.op, attrs.get<PadParam>(), in[0]), "the output");
  return true;
}
// Visits every output element with its input offset (-1 for the constant), rows of the last axis in parallel.
template <class F>
void for_each_padded(const std::vector<std::vector<int64_t>>& src, const Shape& in, const Shape& out, int threads,
                     bool parallel, F f) {
  const int nd = out.ndim();
  const auto st = row_major_strides(in);
  const int64_t inner = out[nd - 1], rows = inner == 0 ? 0 : out.size() / inner;
  auto body = [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      int64_t rem = r, base = 0;
      bool constant = false;
      for (int d = nd - 2; d >= 0; --d) {
        const int64_t o = rem % out[d];
        rem /= out[d];
        const int64_t i = src[static_cast<size_t>(d)][static_cast<size_t>(o)];
        if (i < 0) constant = true;
        else base += i * st[static_cast<size_t>(d)];
      }
      const auto& last = src[static_cast<size_t>(nd - 1)];
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t i = last[static_cast<size_t>(j)];
        f(r * inner + j, constant || i < 0 ? -1 : base + i);
      }
    }
  };
  if (parallel) parallel_for(rows, threads, body, inner);
  else body(0, rows);
}
void pad_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<PadParam>();
  auto src = pad_sources(p, in[0].shape);
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    const T c = store<T>(scalar_as<T>(p.constant_value));
    for_each_padded(src, in[0].shape, out[0].shape, ctx.run.num_threads, true,
                    [&](int64_t o, int64_t i) { y[o] = i < 0 ? c : x[i]; });
  });
}
// _backward_pad(ograd; mode, pad_width): each output gradient added to the input element it read.
bool infer_backward_pad(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<PadParam>();
  const int nd = in[0].ndim();
  SN_CHECK_SHAPE(p.pad_width.ndim() == 2 * nd, attrs.op->name, ": pad_width ", tuple_text(p.pad_width),
                 " does not fit a gradient of shape ", in[0]);
  Shape r;
  for (int d = 0; d < nd; ++d) {
    const int64_t before = p.pad_width[2 * d], after = p.pad_width[2 * d + 1];
    SN_CHECK_SHAPE(before >= 0 && after >= 0 && before <= in[0][d] && after <= in[0][d] - before, attrs.op->name,
                   ": pad_width ", tuple_text(p.pad_width), " does not fit a gradient of shape ", in[0]);
    r.push_back(in[0][d] - before - after);
  }
  SN_CHECK_SHAPE(padded_shape(*attrs.op, p, r) == in[0], attrs.op->name, ": pad_width ", tuple_text(p.pad_width),
                 " does not fit a gradient of shape ", in[0]);
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}
void backward_pad_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<PadParam>();
  auto src = pad_sources(p, out[0].shape);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* g = in[0].ptr<T>();
    std::vector<double> acc(static_cast<size_t>(out[0].size()), 0.0);
    // Serial: edge and reflect send several outputs to one input.
    for_each_padded(src, out[0].shape, in[0].shape, 1, false, [&](int64_t o, int64_t i) {
      if (i >= 0) acc[static_cast<size_t>(i)] += static_cast<double>(load(g[o]));
    });
    T* y = out[0].ptr<T>();
    for (size_t k = 0; k < acc.size(); ++k) y[k] = store<T>(acc[k]);
  });
}
std::vector<ParamKV> pad_params(GradBuilder& b, std::string& width, const char* mode) {
  width = tuple_text(b.attrs().get<PadParam>().pad_width);
  return {{"mode", mode}, {"pad_width", width}};
}
const char* pad_mode_name(PadMode m) {
  return m == PadMode::kConstant ? "constant" : (m == PadMode::kEdge ? "edge" : "reflect");
}
void pad_grad(GradBuilder& b) {
  std::string w;
  b.set_input_grad(0, b.op("_backward_pad", {b.out_grad(0)},
                           pad_params(b, w, pad_mode_name(b.attrs().get<PadParam>().mode))));
}
void backward_pad_grad(GradBuilder& b) {  // the adjoint of the adjoint: pad again, with zeros for constants
  std::string w;
  b.set_input_grad(0, b.op("Pad", {b.out_grad(0)}, pad_params(b, w, pad_mode_name(b.attrs().get<PadParam>().mode))));
}

// --- reverse and SwapAxis ----------------------------------------------------------------------------------

struct ReverseParam {
  Shape axis;
  static void describe(ParamBuilder<ReverseParam>& b) {
    b.field("axis", &ReverseParam::axis, "The axes to reverse.");
  }
};
bool infer_reverse(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  for (int64_t a : attrs.get<ReverseParam>().axis.dims()) checked_axis(*attrs.op, a, in[0].ndim());
  merge_shape(*attrs.op, out[0], in[0], "the output");
  return true;
}
void reverse_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& s = in[0].shape;
  if (s.size() == 0) return;  // empty: no offset to apply to a null pointer
  auto st = row_major_strides(s);
  int64_t offset = 0;
  std::vector<bool> flip(static_cast<size_t>(s.ndim()), false);
  for (int64_t a : ctx.params<ReverseParam>().axis.dims()) {
    const size_t ax = static_cast<size_t>(checked_axis(*ctx.attrs.op, a, s.ndim()));
    flip[ax] = !flip[ax];  // twice is the identity
  }
  for (size_t d = 0; d < flip.size(); ++d) {
    if (!flip[d]) continue;
    offset += (s[static_cast<int>(d)] - 1) * st[d];
    st[d] = -st[d];
  }
  const int eb = dtype_size(in[0].dtype);
  strided_copy(s.dims(), eb, StridedView{static_cast<char*>(in[0].data) + offset * eb, st},
               StridedView{out[0].data, row_major_strides(s)}, ctx.run.num_threads);
}
void reverse_grad(GradBuilder& b) { b.set_input_grad(0, b.apply("reverse", {b.out_grad(0)}, b.attrs())[0]); }

struct SwapAxisParam {
  int64_t dim1 = 0, dim2 = 0;
  static void describe(ParamBuilder<SwapAxisParam>& b) {
    b.field("dim1", &SwapAxisParam::dim1, "The first axis.").set_default(int64_t{0});
    b.field("dim2", &SwapAxisParam::dim2, "The second axis.").set_default(int64_t{0});
  }
};
std::pair<int, int> swapped(const OpDef& op, const SwapAxisParam& p, int nd) {
  return {checked_axis(op, p.dim1, nd, "dim1"), checked_axis(op, p.dim2, nd, "dim2")};
}
bool infer_swapaxis(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  auto [a, c] = swapped(*attrs.op, attrs.get<SwapAxisParam>(), in[0].ndim());
  Shape r = in[0];
  std::swap(r[a], r[c]);
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}
void swapaxis_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  auto [a, c] = swapped(*ctx.attrs.op, ctx.params<SwapAxisParam>(), in[0].shape.ndim());
  auto st = row_major_strides(in[0].shape);
  std::swap(st[static_cast<size_t>(a)], st[static_cast<size_t>(c)]);
  strided_copy(out[0].shape.dims(), dtype_size(in[0].dtype), StridedView{in[0].data, st},
               StridedView{out[0].data, row_major_strides(out[0].shape)}, ctx.run.num_threads);
}
void swapaxis_grad(GradBuilder& b) { b.set_input_grad(0, b.apply("SwapAxis", {b.out_grad(0)}, b.attrs())[0]); }

// --- registrations -------------------------------------------------------------------------------------------


[[maybe_unused]] OpRegistrar r_slice =
    layout_op("slice", infer_slice, slice_kernel, "A slice on each axis: begin/end/step with Python semantics.")
        .alias("crop")
        .params<SliceParam>()
        .gradient(slice_grad);
[[maybe_unused]] OpRegistrar r_backward_slice =
    layout_op("_backward_slice", infer_backward_slice, backward_slice_kernel,
            "The gradient of slicing: zeros of `shape` with ograd written into the slice.")
        .params<BackwardSliceParam>()
        .gradient(backward_slice_grad);
[[maybe_unused]] OpRegistrar r_slice_axis =
    layout_op("slice_axis", infer_slice_axis, slice_axis_kernel, "The range [begin, end) of one axis.")
        .params<SliceAxisParam>()
        .gradient(slice_axis_grad);
[[maybe_unused]] OpRegistrar r_slice_like = OpRegistrar("slice_like")
    .describe("data cut, from index 0, to shape_like's dims on `axes` (all when empty).")
    .params<SliceLikeParam>()
    .dtypes<AllDTypes>()
    .inputs({"data", "shape_like"})
    .outputs({"output"})
    .infer_shape(infer_slice_like)
    .infer_type(infer_first_type)
    .kernel(DeviceType::kCPU, slice_like_kernel)
    .gradient(slice_like_grad);

[[maybe_unused]] OpRegistrar r_concat = OpRegistrar("Concat")
    .alias("concat")
    .describe("Joins arrays along an axis; they must agree on every other axis.")
    .params<ConcatParam>()
    .dtypes<AllDTypes>()
    .variadic_inputs("num_args", concat_inputs)
    .outputs({"output"})
    .infer_shape(infer_concat)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, concat_kernel)
    .gradient(concat_grad);
[[maybe_unused]] OpRegistrar r_stack = OpRegistrar("stack")
    .describe("Joins same-shape arrays along a new axis.")
    .params<StackParam>()
    .dtypes<AllDTypes>()
    .variadic_inputs("num_args", stack_inputs)
    .outputs({"output"})
    .infer_shape(infer_stack)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, stack_kernel)
    .gradient(stack_grad);
[[maybe_unused]] OpRegistrar r_split = OpRegistrar("SliceChannel")
    .alias("split")
    .describe("Splits an axis into num_outputs equal parts (optionally dropping the axis).")
    .params<SplitParam>()
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .variadic_outputs(split_outputs)
    .infer_shape(infer_split)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, split_kernel)
    .gradient(split_grad);

[[maybe_unused]] OpRegistrar r_tile =
    layout_op("tile", infer_tile, tile_kernel, "Repeats the whole array reps times along each axis (NumPy's tile).")
        .params<TileParam>()
        .gradient(tile_grad);
[[maybe_unused]] OpRegistrar r_repeat =
    layout_op("repeat", infer_repeat, repeat_kernel, "Repeats each element along an axis (the flattened input if None).")
        .params<RepeatParam>()
        .gradient(repeat_grad);
[[maybe_unused]] OpRegistrar r_pad = OpRegistrar("Pad")
    .alias("pad")
    .describe("Pads every axis by (before, after) with a constant, the edge values, or a reflection.")
    .params<PadParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_pad)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, pad_kernel)
    .gradient(pad_grad);
[[maybe_unused]] OpRegistrar r_backward_pad = OpRegistrar("_backward_pad")
    .describe("The gradient of Pad: each output gradient added to the input element it came from.")
    .params<PadParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd"})
    .outputs({"output"})
    .infer_shape(infer_backward_pad)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, backward_pad_kernel)
    .gradient(backward_pad_grad);
[[maybe_unused]] OpRegistrar r_reverse =
    layout_op("reverse", infer_reverse, reverse_kernel, "Reverses the order of elements along the given axes.")
        .alias("flip")
        .params<ReverseParam>()
        .gradient(reverse_grad);
[[maybe_unused]] OpRegistrar r_swapaxis =
    layout_op("SwapAxis", infer_swapaxis, swapaxis_kernel, "Interchanges two axes.")
        .alias("swapaxes")
        .params<SwapAxisParam>()
        .gradient(swapaxis_grad);

}  // namespace
}  // namespace sn
