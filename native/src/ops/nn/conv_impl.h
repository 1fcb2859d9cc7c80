// The arithmetic shared by Convolution and Deconvolution: the geometry of a grouped N-d convolution and its
// three directions (forward, backward data, backward weights). Deconvolution is a convolution run the other
// way: its forward is the backward-data direction, and so on. float32/bfloat16 run on oneDNN, float64 on
// direct loops, float16 through float32 in the op's workspace.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "ops/registry.h"

namespace sn {

class GradBuilder;

// Activations NC + 1 to 3 spatial axes, weights (out_c, in_c / groups, kernel...). The spatial axes are kept
// padded to three in front (extent 1, kernel 1, stride 1, pad 0, dilate 1) so the loops are written once.
struct ConvGeom {
  int nsp = 2;  // spatial axes
  int64_t batch = 0, in_c = 0, out_c = 0, groups = 1;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0}, dilate{1, 1, 1};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
  Shape in_shape() const { return activation_shape(in_c, in); }
  Shape out_shape() const { return activation_shape(out_c, out); }

 private:
  Shape activation_shape(int64_t c, const std::array<int64_t, 3>& ext) const {
    Shape s{batch, c};
    for (int i = 3 - nsp; i < 3; ++i) s.push_back(ext[static_cast<size_t>(i)]);
    return s;
  }
};

// Output extent along one axis (rounded down, as MXNet and oneDNN).
inline int64_t conv_out_extent(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

// MXNet's layout parameter; CPU kernels take the channels-first ones (as MXNet's CPU build).
enum class ConvLayout { kNCW, kNCHW, kNCDHW, kNWC, kNHWC, kNDHWC };
// Declares the layout field's MXNet names (Convolution, Deconvolution, Pooling).
template <class Field>
void set_layout_names(Field&& field) {
  field.set_enum({{"NCDHW", ConvLayout::kNCDHW}, {"NCHW", ConvLayout::kNCHW}, {"NCW", ConvLayout::kNCW},
                  {"NDHWC", ConvLayout::kNDHWC}, {"NHWC", ConvLayout::kNHWC}, {"NWC", ConvLayout::kNWC}});
}

// MXNet's cudnn_tune parameter (Convolution, Deconvolution): accepted, no effect on CPU.
enum class CudnnTune { kOff, kLimitedWorkspace, kFastest };
template <class Field>
void set_cudnn_tune_names(Field&& field) {
  field.set_enum({{"fastest", CudnnTune::kFastest}, {"limited_workspace", CudnnTune::kLimitedWorkspace},
                  {"off", CudnnTune::kOff}});
}

// Gradients of a convolution-like op (Convolution, Deconvolution) through its backward op
// `backward`(ograd, data, weight) -> data, weight (and, unless no_bias, bias) gradients.
void conv_like_grad(GradBuilder& b, const char* backward, bool no_bias);
// The backward op's own gradient. It is bilinear: with head gradients (gd, gw, gb) on its outputs,
// d(ograd) = forward(gd, w) + forward(data, gw) + gb, and d(data), d(w) are one more `backward` node applied to
// (ograd, gd, gw). `window` names the forward's parameters other than no_bias that its calls need.
void conv_like_backward_grad(GradBuilder& b, const char* forward, const char* backward, bool no_bias,
                             std::initializer_list<std::string_view> window);

// Checks a convolution-like op's window (kernel of 1 to 3 axes; stride, dilate and pad empty or as long;
// stride and dilate >= 1, pad >= 0; a channels-first layout of the kernel's rank) and stores it in g.
void set_conv_window(const OpDef& op, ConvGeom& g, const Shape& kernel, const Shape& stride, const Shape& dilate,
                     const Shape& pad, const std::optional<ConvLayout>& layout);

enum class ConvDir { kForward, kBackwardData, kBackwardWeights };

// Workspace bytes one direction needs (oneDNN layouts and scratchpad; float32 copies for float16).
size_t conv_workspace(ConvDir dir, const ConvGeom& g, DType dtype, bool bias, std::string_view op);

// y = conv(x, w) (+ b per output channel).
void conv_forward(const ConvGeom& g, const TensorView& x, const TensorView& w, const TensorView* b,
                  const TensorView& y, const OpContext& ctx);
// dx = the transposed convolution of dy with w (overwrites dx).
void conv_backward_data(const ConvGeom& g, const TensorView& dy, const TensorView& w, const TensorView& dx,
                        const OpContext& ctx);
// dw = the correlation of x with dy over batch and positions; db = dy summed per channel (overwrites both).
void conv_backward_weights(const ConvGeom& g, const TensorView& x, const TensorView& dy, const TensorView& dw,
                           const TensorView* db, const OpContext& ctx);

}  // namespace sn
