#include "ops/nn/conv_impl.h"

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/convert.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

// ---- oneDNN (float32, bfloat16) ----

// Note [Convolution layouts]
// Sharpnet's arrays are plain NC[D][H]W. oneDNN's fast convolution kernels want blocked layouts (nChw16c and
// friends), so each direction lets the primitive pick its layouts (`any`), reorders plain inputs into them in
// the workspace, and reorders the result back. The reorders cost a pass over each tensor; keeping blocked
// layouts between ops is later work (ARCHITECTURE.md), which this plan is shaped for: a caller already holding
// the primitive's layout would skip the reorder.
struct Slot {
  int arg = 0;
  dnnl::memory::desc user, prim;
  std::optional<dnnl::reorder> reorder;  // user -> prim for inputs, prim -> user for the output
  size_t offset = 0;                     // of the primitive-layout copy in the workspace
};

struct DnnlPlan {
  dnnl::primitive prim;
  std::vector<Slot> inputs;
  Slot output;
  int bias_arg = 0;  // DNNL_ARG_BIAS / DNNL_ARG_DIFF_BIAS, 0 for none
  dnnl::memory::desc bias_md, scratch_md;
  size_t scratch_offset = 0, bytes = 0;
};

using dnnl::memory;
using Dims = memory::dims;

Dims spatial(const std::array<int64_t, 3>& a, int nsp, int64_t minus = 0) {
  Dims d;
  for (int i = 3 - nsp; i < 3; ++i) d.push_back(a[static_cast<size_t>(i)] - minus);
  return d;
}
Dims act_dims(const ConvGeom& g, int64_t c, const std::array<int64_t, 3>& ext) {
  Dims d{g.batch, c};
  for (int64_t e : spatial(ext, g.nsp)) d.push_back(e);
  return d;
}
Dims wei_dims(const ConvGeom& g) {
  Dims d;
  if (g.groups > 1) d = {g.groups, g.out_c / g.groups, g.in_c / g.groups};
  else d = {g.out_c, g.in_c};
  for (int64_t e : spatial(g.kernel, g.nsp)) d.push_back(e);
  return d;
}
memory::desc plain(const Dims& dims, memory::data_type dt) {
  Dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  return memory::desc(dims, dt, strides);
}

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

// A slot for an input (reordered in before) or the output (reordered out after), placed in the workspace.
Slot make_slot(int arg, const memory::desc& user, const memory::desc& prim, bool input, size_t& bytes) {
  Slot s;
  s.arg = arg;
  s.user = user;
  s.prim = prim;
  if (prim != user) {
    const auto& eng = onednn::cpu_engine();
    s.reorder = input ? dnnl::reorder(dnnl::reorder::primitive_desc(eng, user, eng, prim))
                      : dnnl::reorder(dnnl::reorder::primitive_desc(eng, prim, eng, user));
    s.offset = bytes;
    bytes += align64(prim.get_size());
  }
  return s;
}

std::shared_ptr<const DnnlPlan> make_plan(ConvDir dir, const ConvGeom& g, memory::data_type dt, bool bias) {
  using namespace dnnl;
  using tag = memory::format_tag;
  const auto& eng = onednn::cpu_engine();
  const Dims strides = spatial(g.stride, g.nsp), dilates = spatial(g.dilate, g.nsp, 1),  // oneDNN: 0 is dense
      pad = spatial(g.pad, g.nsp);
  const memory::desc src_any(act_dims(g, g.in_c, g.in), dt, tag::any), dst_any(act_dims(g, g.out_c, g.out), dt, tag::any),
      wei_any(wei_dims(g), dt, tag::any);
  const memory::desc src_user = plain(act_dims(g, g.in_c, g.in), dt), dst_user = plain(act_dims(g, g.out_c, g.out), dt),
                     wei_user = plain(wei_dims(g), dt), bias_md = plain({g.out_c}, dt);
  primitive_attr attr;
  attr.set_scratchpad_mode(scratchpad_mode::user);
  // forward_training also in inference: the workspace is sized before the call's training flag is known.
  const auto prop = prop_kind::forward_training;
  const bool fwd_bias = bias && dir == ConvDir::kForward;
  const convolution_forward::desc fd =
      fwd_bias ? convolution_forward::desc(prop, algorithm::convolution_direct, src_any, wei_any, bias_md, dst_any,
                                           strides, dilates, pad, pad)
               : convolution_forward::desc(prop, algorithm::convolution_direct, src_any, wei_any, dst_any, strides,
                                           dilates, pad, pad);
  const convolution_forward::primitive_desc fpd(fd, attr, eng);

  auto plan = std::make_shared<DnnlPlan>();
  size_t bytes = 0;
  memory::desc scratch;
  switch (dir) {
    case ConvDir::kForward:
      plan->prim = convolution_forward(fpd);
      plan->inputs.push_back(make_slot(DNNL_ARG_SRC, src_user, fpd.src_desc(), true, bytes));
      plan->inputs.push_back(make_slot(DNNL_ARG_WEIGHTS, wei_user, fpd.weights_desc(), true, bytes));
      plan->output = make_slot(DNNL_ARG_DST, dst_user, fpd.dst_desc(), false, bytes);
      if (bias) plan->bias_arg = DNNL_ARG_BIAS;
      scratch = fpd.scratchpad_desc();
      break;
    case ConvDir::kBackwardData: {
      const convolution_backward_data::desc bd(algorithm::convolution_direct, src_any, wei_any, dst_any, strides,
                                               dilates, pad, pad);
      const convolution_backward_data::primitive_desc bpd(bd, attr, eng, fpd);
      plan->prim = convolution_backward_data(bpd);
      plan->inputs.push_back(make_slot(DNNL_ARG_DIFF_DST, dst_user, bpd.diff_dst_desc(), true, bytes));
      plan->inputs.push_back(make_slot(DNNL_ARG_WEIGHTS, wei_user, bpd.weights_desc(), true, bytes));
      plan->output = make_slot(DNNL_ARG_DIFF_SRC, src_user, bpd.diff_src_desc(), false, bytes);
      scratch = bpd.scratchpad_desc();
      break;
    }
    case ConvDir::kBackwardWeights: {
      const convolution_backward_weights::desc wd =
          bias ? convolution_backward_weights::desc(algorithm::convolution_direct, src_any, wei_any, bias_md, dst_any,
                                                    strides, dilates, pad, pad)
               : convolution_backward_weights::desc(algorithm::convolution_direct, src_any, wei_any, dst_any, strides,
                                                    dilates, pad, pad);
      const convolution_backward_weights::primitive_desc wpd(wd, attr, eng, fpd);
      plan->prim = convolution_backward_weights(wpd);
      plan->inputs.push_back(make_slot(DNNL_ARG_SRC, src_user, wpd.src_desc(), true, bytes));
      plan->inputs.push_back(make_slot(DNNL_ARG_DIFF_DST, dst_user, wpd.diff_dst_desc(), true, bytes));
      plan->output = make_slot(DNNL_ARG_DIFF_WEIGHTS, wei_user, wpd.diff_weights_desc(), false, bytes);
      if (bias) plan->bias_arg = DNNL_ARG_DIFF_BIAS;
      scratch = wpd.scratchpad_desc();
      break;
    }
  }
  plan->bias_md = bias_md;
  plan->scratch_md = scratch;
  plan->scratch_offset = bytes;
  plan->bytes = bytes + align64(scratch.get_size());
  return plan;
}

std::shared_ptr<const DnnlPlan> plan_for(ConvDir dir, const ConvGeom& g, DType dtype, bool bias, std::string_view op) {
  // Leaked: a kernel still running on an engine worker while the process exits must not find it destroyed.
  static auto& cache = *new onednn::PrimitiveCache<std::shared_ptr<const DnnlPlan>>();
  std::string key = onednn::cache_key(int64_t{static_cast<int>(dir)}, ':', int64_t{static_cast<int>(dtype)}, ':',
                                      int64_t{bias}, ':', g.batch, ',', g.in_c, ',', g.out_c, ',',
                                      g.groups, ':', int64_t{g.nsp});
  for (const auto* a : {&g.in, &g.out, &g.kernel, &g.stride, &g.pad, &g.dilate}) {
    onednn::append_key(key, ':');
    for (int64_t v : *a) {
      onednn::append_key(key, v);
      onednn::append_key(key, ',');
    }
  }
  try {
    return cache.get(key, [&] { return make_plan(dir, g, onednn::to_dnnl(dtype), bias); });
  } catch (const dnnl::error& e) {
    onednn::rethrow_dnnl(e, op);
  }
}

// Runs a plan: in0/in1/out (and bias) are plain arrays; workspace holds the plan's bytes.
void run_plan(const DnnlPlan& plan, const void* in0, const void* in1, void* out, void* bias, void* workspace,
              int threads, std::string_view op) {
  using dnnl::memory;
  const auto& eng = onednn::cpu_engine();
  auto& stream = onednn::thread_stream();
  char* ws = static_cast<char*>(workspace);
  try {
    OmpThreadsScope omp(threads);
    std::unordered_map<int, memory> args;
    const void* in_ptrs[2] = {in0, in1};
    for (size_t i = 0; i < plan.inputs.size(); ++i) {
      const Slot& s = plan.inputs[i];
      memory user(s.user, eng, const_cast<void*>(in_ptrs[i]));
      if (s.reorder) {
        memory prim(s.prim, eng, ws + s.offset);
        s.reorder->execute(stream, user, prim);
        args.emplace(s.arg, prim);
      } else {
        args.emplace(s.arg, user);
      }
    }
    memory out_user(plan.output.user, eng, out);
    std::optional<memory> out_prim;
    if (plan.output.reorder) out_prim.emplace(plan.output.prim, eng, ws + plan.output.offset);
    args.emplace(plan.output.arg, out_prim ? *out_prim : out_user);
    if (plan.bias_arg != 0) args.emplace(plan.bias_arg, memory(plan.bias_md, eng, bias));
    if (plan.scratch_md.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, memory(plan.scratch_md, eng, ws + plan.scratch_offset));
    plan.prim.execute(stream, args);
    if (out_prim) plan.output.reorder->execute(stream, *out_prim, out_user);
    stream.wait();
  } catch (const dnnl::error& e) {
    onednn::rethrow_dnnl(e, op);
  }
}

// ---- direct loops (float64) ----

// Calls f(output position, input position, kernel position) for every tap of one output channel plane that
// lands inside the input; positions are flat within their 3-d planes.
template <class F>
void for_each_tap(const ConvGeom& g, F&& f) {
  for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
    for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
      const int64_t i0 = o0 * g.stride[0] - g.pad[0] + k0 * g.dilate[0];
      if (i0 < 0 || i0 >= g.in[0]) continue;
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
          const int64_t i1 = o1 * g.stride[1] - g.pad[1] + k1 * g.dilate[1];
          if (i1 < 0 || i1 >= g.in[1]) continue;
          for (int64_t o2 = 0; o2 < g.out[2]; ++o2)
            for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
              const int64_t i2 = o2 * g.stride[2] - g.pad[2] + k2 * g.dilate[2];
              if (i2 < 0 || i2 >= g.in[2]) continue;
              f((o0 * g.out[1] + o1) * g.out[2] + o2, (i0 * g.in[1] + i1) * g.in[2] + i2,
                (k0 * g.kernel[1] + k1) * g.kernel[2] + k2);
            }
        }
    }
}

void forward_f64(const ConvGeom& g, const double* x, const double* w, const double* b, double* y, int threads) {
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups, is = g.in_size(), os = g.out_size(),
                ks = g.kernel_size();
  parallel_for(g.batch * g.out_c, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t no = lo; no < hi; ++no) {
      const int64_t n = no / g.out_c, oc = no % g.out_c, grp = oc / ocg;
      double* yp = y + no * os;
      std::fill(yp, yp + os, b ? b[oc] : 0.0);
      for (int64_t c = 0; c < icg; ++c) {
        const double* xp = x + (n * g.in_c + grp * icg + c) * is;
        const double* wp = w + (oc * icg + c) * ks;
        for_each_tap(g, [&](int64_t o, int64_t i, int64_t k) { yp[o] += xp[i] * wp[k]; });
      }
    }
  }, icg * os * ks);
}

void backward_data_f64(const ConvGeom& g, const double* dy, const double* w, double* dx, int threads) {
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups, is = g.in_size(), os = g.out_size(),
                ks = g.kernel_size();
  parallel_for(g.batch * g.in_c, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t ni = lo; ni < hi; ++ni) {  // each task owns one dx plane
      const int64_t n = ni / g.in_c, ic = ni % g.in_c, grp = ic / icg, c = ic % icg;
      double* dxp = dx + ni * is;
      std::fill(dxp, dxp + is, 0.0);
      for (int64_t j = 0; j < ocg; ++j) {
        const int64_t oc = grp * ocg + j;
        const double* dyp = dy + (n * g.out_c + oc) * os;
        const double* wp = w + (oc * icg + c) * ks;
        for_each_tap(g, [&](int64_t o, int64_t i, int64_t k) { dxp[i] += dyp[o] * wp[k]; });
      }
    }
  }, ocg * os * ks);
}

void backward_weights_f64(const ConvGeom& g, const double* x, const double* dy, double* dw, double* db, int threads) {
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups, is = g.in_size(), os = g.out_size(),
                ks = g.kernel_size();
  parallel_for(g.out_c * icg, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t oi = lo; oi < hi; ++oi) {  // each task owns one (out channel, in channel) kernel
      const int64_t oc = oi / icg, c = oi % icg, grp = oc / ocg;
      double* dwp = dw + oi * ks;
      std::fill(dwp, dwp + ks, 0.0);
      for (int64_t n = 0; n < g.batch; ++n) {
        const double* xp = x + (n * g.in_c + grp * icg + c) * is;
        const double* dyp = dy + (n * g.out_c + oc) * os;
        for_each_tap(g, [&](int64_t o, int64_t i, int64_t k) { dwp[k] += xp[i] * dyp[o]; });
      }
    }
  }, g.batch * os * ks);
  if (!db) return;
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    double s = 0;
    for (int64_t n = 0; n < g.batch; ++n) {
      const double* dyp = dy + (n * g.out_c + oc) * os;
      for (int64_t o = 0; o < os; ++o) s += dyp[o];
    }
    db[oc] = s;
  }
}

// ---- dispatch ----

int64_t x_elems(const ConvGeom& g) { return g.batch * g.in_c * g.in_size(); }
int64_t y_elems(const ConvGeom& g) { return g.batch * g.out_c * g.out_size(); }
int64_t w_elems(const ConvGeom& g) { return g.out_c * (g.in_c / g.groups) * g.kernel_size(); }

// Elements of the three plain operands of a direction, in the order run_plan takes them (in0, in1, out).
std::array<int64_t, 3> operand_elems(ConvDir dir, const ConvGeom& g) {
  switch (dir) {
    case ConvDir::kForward: return {x_elems(g), w_elems(g), y_elems(g)};
    case ConvDir::kBackwardData: return {y_elems(g), w_elems(g), x_elems(g)};
    case ConvDir::kBackwardWeights: return {x_elems(g), y_elems(g), w_elems(g)};
  }
  return {};
}

// float16 operands are converted to float32 copies at the start of the workspace, the plan's bytes follow.
size_t f16_copies(ConvDir dir, const ConvGeom& g, bool bias) {
  size_t n = 0;
  for (int64_t e : operand_elems(dir, g)) n += align64(static_cast<size_t>(e) * sizeof(float));
  return n + (bias ? align64(static_cast<size_t>(g.out_c) * sizeof(float)) : 0);
}

// Runs one direction for any float dtype: in0/in1 -> out (+ bias read in forward, written in backward weights).
void run(ConvDir dir, const ConvGeom& g, const TensorView& in0, const TensorView& in1, const TensorView& out,
         const TensorView* bias, const OpContext& ctx) {
  const std::string_view op = ctx.attrs.op->name;
  const int threads = ctx.run.num_threads;
  switch (out.dtype) {
    case DType::kFloat32:
    case DType::kBFloat16: {
      const auto plan = plan_for(dir, g, out.dtype, bias != nullptr, op);
      run_plan(*plan, in0.data, in1.data, out.data, bias ? bias->data : nullptr, ctx.workspace, threads, op);
      return;
    }
    case DType::kFloat16: {
      const auto plan = plan_for(dir, g, DType::kFloat32, bias != nullptr, op);
      char* ws = static_cast<char*>(ctx.workspace);
      const auto n = operand_elems(dir, g);
      float* f[4];
      size_t at = 0;
      for (int i = 0; i < 3; ++i) {
        f[i] = reinterpret_cast<float*>(ws + at);
        at += align64(static_cast<size_t>(n[static_cast<size_t>(i)]) * sizeof(float));
      }
      f[3] = bias ? reinterpret_cast<float*>(ws + at) : nullptr;
      convert(in0.ptr<half_t>(), f[0], in0.size());
      convert(in1.ptr<half_t>(), f[1], in1.size());
      const bool bias_in = bias && dir == ConvDir::kForward;
      if (bias_in) convert(bias->ptr<half_t>(), f[3], bias->size());
      run_plan(*plan, f[0], f[1], f[2], f[3], ws + f16_copies(dir, g, bias != nullptr), threads, op);
      convert(f[2], out.ptr<half_t>(), out.size());
      if (bias && !bias_in) convert(f[3], bias->ptr<half_t>(), bias->size());
      return;
    }
    case DType::kFloat64: {
      const double* b = bias ? bias->ptr<double>() : nullptr;
      switch (dir) {
        case ConvDir::kForward: forward_f64(g, in0.ptr<double>(), in1.ptr<double>(), b, out.ptr<double>(), threads); return;
        case ConvDir::kBackwardData: backward_data_f64(g, in0.ptr<double>(), in1.ptr<double>(), out.ptr<double>(), threads); return;
        case ConvDir::kBackwardWeights:
          backward_weights_f64(g, in0.ptr<double>(), in1.ptr<double>(), out.ptr<double>(),
                               bias ? bias->ptr<double>() : nullptr, threads);
          return;
      }
      return;
    }
    default: throw_unsupported_dtype(op, out.dtype, FloatDTypes::dtypes);
  }
}

}  // namespace

void set_conv_window(const OpDef& op, ConvGeom& g, const Shape& kernel, const Shape& stride, const Shape& dilate,
                     const Shape& pad, const std::optional<ConvLayout>& layout) {
  const int nsp = kernel.ndim();
  SN_CHECK(nsp >= 1 && nsp <= 3, op.name, ": kernel must have 1 to 3 axes, got ", kernel);
  if (layout) {
    const ConvLayout want = nsp == 1 ? ConvLayout::kNCW : nsp == 2 ? ConvLayout::kNCHW : ConvLayout::kNCDHW;
    const char* names[] = {"NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC"};
    SN_CHECK(*layout == want, op.name, ": layout must be ", names[static_cast<int>(want)], " for a ", nsp,
                 "-d kernel on CPU (channels-last layouts are not supported), got ", names[static_cast<int>(*layout)]);
  }
  auto fill = [&](const Shape& t, const char* name, int64_t dflt, int64_t lo, std::array<int64_t, 3>& dst) {
    SN_CHECK(t.ndim() == 0 || t.ndim() == nsp, op.name, ": ", name, " must be empty or have ", nsp,
                 " items like kernel ", kernel, ", got ", t);
    for (int i = 0; i < nsp; ++i) {
      const int64_t v = t.ndim() == 0 ? dflt : t[i];
      // MXNet's window items are 32-bit; the bound also keeps extent arithmetic (dilate * kernel) from overflowing.
      SN_CHECK(v >= lo && v <= std::numeric_limits<int32_t>::max(), op.name, ": ", name, " items must be >= ", lo,
               " and fit in 32 bits, got ", t);
      dst[static_cast<size_t>(3 - nsp + i)] = v;
    }
  };
  g.nsp = nsp;
  g.kernel = g.stride = g.dilate = {1, 1, 1};
  g.pad = {0, 0, 0};
  fill(kernel, "kernel", 1, 1, g.kernel);
  fill(stride, "stride", 1, 1, g.stride);
  fill(dilate, "dilate", 1, 1, g.dilate);
  fill(pad, "pad", 0, 0, g.pad);
}

void conv_like_grad(GradBuilder& b, const char* backward, bool no_bias) {
  const std::vector<GradValue> g = b.apply(backward, {b.out_grad(0), b.input(0), b.input(1)}, b.attrs());
  for (int i = 0; i < (no_bias ? 2 : 3); ++i) b.set_input_grad(i, g[static_cast<size_t>(i)]);
}

void conv_like_backward_grad(GradBuilder& b, const char* forward, const char* backward, bool no_bias,
                             std::initializer_list<std::string_view> window) {
  const GradValue og = b.input(0), data = b.input(1), w = b.input(2), gd = b.out_grad(0), gw = b.out_grad(1);
  GradParams without_bias(b.attrs(), window);
  without_bias.add("no_bias", "True");
  const GradValue via_w = b.op(forward, {gd, w}, without_bias.view());
  const GradValue via_data = no_bias ? b.op(forward, {data, gw}, without_bias.view())
                                     : b.apply(forward, {data, gw, b.out_grad(2)}, b.attrs())[0];
  b.set_input_grad(0, b.op("elemwise_add", {via_w, via_data}));
  const std::vector<GradValue> g = b.apply(backward, {og, gd, gw}, b.attrs());
  b.set_input_grad(1, g[0]);
  b.set_input_grad(2, g[1]);
}

size_t conv_workspace(ConvDir dir, const ConvGeom& g, DType dtype, bool bias, std::string_view op) {
  switch (dtype) {
    case DType::kFloat32:
    case DType::kBFloat16: return plan_for(dir, g, dtype, bias, op)->bytes;
    case DType::kFloat16: return f16_copies(dir, g, bias) + plan_for(dir, g, DType::kFloat32, bias, op)->bytes;
    default: return 0;
  }
}

void conv_forward(const ConvGeom& g, const TensorView& x, const TensorView& w, const TensorView* b,
                  const TensorView& y, const OpContext& ctx) {
  run(ConvDir::kForward, g, x, w, y, b, ctx);
}

void conv_backward_data(const ConvGeom& g, const TensorView& dy, const TensorView& w, const TensorView& dx,
                        const OpContext& ctx) {
  run(ConvDir::kBackwardData, g, dy, w, dx, nullptr, ctx);
}

void conv_backward_weights(const ConvGeom& g, const TensorView& x, const TensorView& dy, const TensorView& dw,
                           const TensorView* db, const OpContext& ctx) {
  run(ConvDir::kBackwardWeights, g, x, dy, dw, db, ctx);
}

}  // namespace sn
