#include "ndarray/indexing.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "ndarray/builtin.h"
#include "ndarray/kernels.h"

namespace sn {

namespace {

// The region a key selects, per axis of the array.
struct Region {
  std::vector<int64_t> begin, step, len;
  std::vector<bool> int_axis;
  Shape result;  // final shape: int axes dropped, new axes inserted, (1,) if empty
  int64_t elements = 1;
};

int64_t slice_len(int64_t begin, int64_t stop, int64_t step) {
  if (step > 0) return begin < stop ? (stop - begin + step - 1) / step : 0;
  return begin > stop ? (begin - stop - step - 1) / (-step) : 0;
}

Region resolve(const Shape& shape, std::span<const IndexItem> key) {
  const int nd = shape.ndim();
  int used = 0;
  for (const auto& k : key) used += k.kind != IndexItem::kNewAxis;
  SN_CHECK_INDEX(used <= nd, "too many indices (", used, ") for an array with ", nd, " dimension(s)");
  Region r;
  std::vector<int64_t> result;
  int axis = 0;
  auto add_axis = [&](const IndexItem& k) {
    const int64_t n = shape[axis];
    if (k.kind == IndexItem::kInt) {
      int64_t i = k.start < 0 ? k.start + n : k.start;
      SN_CHECK_INDEX(0 <= i && i < n, "index ", k.start, " is out of bounds for axis ", axis, " with size ", n);
      r.begin.push_back(i);
      r.step.push_back(1);
      r.len.push_back(1);
      r.int_axis.push_back(true);
    } else {
      SN_CHECK(k.step != 0, "slice step cannot be zero (axis ", axis, ")");
      const int64_t step = k.step;
      auto norm = [&](int64_t v, bool has, int64_t dflt) {
        if (!has) return dflt;
        if (v < 0) v += n;
        return step > 0 ? std::clamp<int64_t>(v, 0, n) : std::clamp<int64_t>(v, -1, n - 1);
      };
      int64_t b = norm(k.start, k.has_start, step > 0 ? 0 : n - 1);
      int64_t e = norm(k.stop, k.has_stop, step > 0 ? n : -1);
      r.begin.push_back(b);
      r.step.push_back(step);
      r.len.push_back(slice_len(b, e, step));
      r.int_axis.push_back(false);
      result.push_back(r.len.back());
    }
    ++axis;
  };
  for (const auto& k : key) {
    if (k.kind == IndexItem::kNewAxis) {
      result.push_back(1);
    } else {
      add_axis(k);
    }
  }
  while (axis < nd) add_axis(IndexItem{});
  for (int64_t l : r.len) r.elements *= l;
  if (result.empty()) result.push_back(1);
  r.result = Shape(std::span<const int64_t>(result));
  return r;
}

std::vector<int64_t> row_major_strides(const Shape& s) {
  std::vector<int64_t> st(static_cast<size_t>(s.ndim()), 1);
  for (int d = s.ndim() - 2; d >= 0; --d) st[static_cast<size_t>(d)] = st[static_cast<size_t>(d) + 1] * s[d + 1];
  return st;
}

// MXNet's rule: from the right, once an axis selects a proper subset, every
// axis to its left must select at most one element; multi-element axes need step 1.
bool is_contiguous(const Region& r, const Shape& shape) {
  if (r.elements <= 1) return true;
  bool subset = false;
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    const int64_t len = r.len[static_cast<size_t>(d)];
    if (len == 0) return true;
    if (len > 1 && r.step[static_cast<size_t>(d)] != 1) return false;
    if (subset) {
      if (len > 1) return false;
    } else if (len < shape[d]) {
      subset = true;
    }
  }
  return true;
}

int64_t flat_begin(const Region& r, const std::vector<int64_t>& strides) {
  int64_t off = 0;
  for (size_t d = 0; d < strides.size(); ++d) off += r.begin[d] * strides[d];
  return off;
}

// The region's element strides in the array, and its shape per array axis.
void region_layout(const Region& r, const std::vector<int64_t>& strides, std::vector<int64_t>& shape_out,
                   std::vector<int64_t>& strides_out) {
  shape_out = r.len;
  strides_out.resize(strides.size());
  for (size_t d = 0; d < strides.size(); ++d) strides_out[d] = strides[d] * r.step[d];
}

}  // namespace

NDArray get_item(const NDArray& a, std::span<const IndexItem> key) {
  Region r = resolve(a.shape(), key);
  auto strides = row_major_strides(a.shape());
  if (is_contiguous(r, a.shape())) return a.flat_view(r.elements > 0 ? flat_begin(r, strides) : 0, r.elements, r.result);
  NDArray out = NDArray::empty(r.result, a.dtype(), a.device());
  a.ensure_allocated();
  out.ensure_allocated();
  std::vector<int64_t> shape, src_strides;
  region_layout(r, strides, shape, src_strides);
  int64_t off = flat_begin(r, strides);
  VarHandle rv = a.var(), wv = out.var();
  const int eb = dtype_size(a.dtype());
  auto dst_strides = row_major_strides(Shape(std::span<const int64_t>(shape)));
  Engine::get().push([src = static_cast<char*>(a.data()) + off * eb, dst = out.data(), eb, shape, src_strides,
                      dst_strides](const RunContext& ctx) {
    strided_copy(shape, eb, StridedView{src, src_strides}, StridedView{dst, dst_strides}, ctx.num_threads);
  }, a.device(), std::span<const VarHandle>(&rv, 1), std::span<const VarHandle>(&wv, 1), PushOptions{.name = "slice"});
  return out;
}

void set_item(const NDArray& a, std::span<const IndexItem> key, double value) {
  Region r = resolve(a.shape(), key);
  auto strides = row_major_strides(a.shape());
  std::vector<int64_t> shape, dst_strides;
  region_layout(r, strides, shape, dst_strides);
  int64_t off = flat_begin(r, strides);
  a.ensure_allocated();
  VarHandle wv = a.var();
  const int eb = dtype_size(a.dtype());
  Engine::get().push([dst = static_cast<char*>(a.data()) + off * eb, dtype = a.dtype(), eb, shape, dst_strides,
                      value](const RunContext& ctx) {
    unsigned char bytes[8];
    scalar_to_bytes(value, dtype, bytes);
    strided_fill(shape, eb, bytes, StridedView{dst, dst_strides}, ctx.num_threads);
  }, a.device(), {}, std::span<const VarHandle>(&wv, 1), PushOptions{.name = "set_item"});
}

void set_item(const NDArray& a, std::span<const IndexItem> key, const NDArray& value) {
  Region r = resolve(a.shape(), key);
  // NumPy broadcasting of value onto the indexed shape (without the new axes' effect on memory).
  const Shape& target = r.result;
  const Shape& vs = value.shape();
  auto fail = [&] {
    SN_THROW(kShape, "set_item: a value of shape ", vs, " cannot be broadcast to the indexed shape ", target);
  };
  if (vs.ndim() > target.ndim()) {
    // Leading size-1 dims of the value may be dropped.
    for (int d = 0; d < vs.ndim() - target.ndim(); ++d)
      if (vs[d] != 1) fail();
  }
  SN_CHECK(value.device() == a.device() || (value.device().is_cpu() && a.device().is_cpu()),
           "set_item: the value lives on ", value.device(), " but the array on ", a.device());
  // Converted, and moved out of the way when it shares memory with the target.
  NDArray src = value.dtype() != a.dtype() || value.same_chunk(a) ? as_type(value, a.dtype()) : value;
  auto vstrides = row_major_strides(vs);
  // Value strides per result dim (0 where broadcast).
  std::vector<int64_t> res_strides(static_cast<size_t>(target.ndim()), 0);
  for (int d = 0; d < target.ndim(); ++d) {
    int vd = vs.ndim() - target.ndim() + d;
    if (vd < 0) continue;
    if (vs[vd] == target[d]) res_strides[static_cast<size_t>(d)] = vstrides[static_cast<size_t>(vd)];
    else if (vs[vd] != 1) fail();
  }
  // Map result dims back to array axes: int axes have length 1 (stride irrelevant); new axes are size 1.
  std::vector<int64_t> src_strides(static_cast<size_t>(a.shape().ndim()), 0);
  {
    size_t res_d = 0;
    int axis = 0;
    for (const auto& k : key) {
      if (k.kind == IndexItem::kNewAxis) {
        ++res_d;
      } else if (k.kind == IndexItem::kInt) {
        ++axis;
      } else {
        src_strides[static_cast<size_t>(axis++)] = res_strides[res_d++];
      }
    }
    while (axis < a.shape().ndim()) src_strides[static_cast<size_t>(axis++)] = res_strides[res_d++];
  }
  auto strides = row_major_strides(a.shape());
  std::vector<int64_t> shape, dst_strides;
  region_layout(r, strides, shape, dst_strides);
  int64_t off = flat_begin(r, strides);
  a.ensure_allocated();
  src.ensure_allocated();
  VarHandle rv = src.var(), wv = a.var();
  const int eb = dtype_size(a.dtype());
  Engine::get().push([s = src.data(), d = static_cast<char*>(a.data()) + off * eb, eb, shape, src_strides,
                      dst_strides](const RunContext& ctx) {
    strided_copy(shape, eb, StridedView{s, src_strides}, StridedView{d, dst_strides}, ctx.num_threads);
  }, a.device(), std::span<const VarHandle>(&rv, 1), std::span<const VarHandle>(&wv, 1), PushOptions{.name = "set_item"});
}

}  // namespace sn
