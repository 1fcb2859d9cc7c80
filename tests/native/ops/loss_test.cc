// Loss layers beyond the conformance harness: the gradients of SoftmaxOutput, the regression outputs and MakeLoss
// (which ignore the head gradient, so the harness cannot compare them with differences) against MXNet's formulas,
// written out per case; softmax_cross_entropy's value and head scaling; label shapes and bad inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.h"
#include "op_calls.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::array;
using testing::values;

struct Result {
  std::vector<float> out, grad;  // the forward output and data's gradient
  bool label_grad = false;       // whether the label got a gradient
};

// op(data, label) recorded, then the gradients for head gradient `head` (which loss layers ignore).
Result run_loss(const char* op, NDArray data, NDArray label, std::vector<ParamKV> params, const NDArray& head) {
  attach_grad(data, GradReq::kWrite);
  attach_grad(label, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = rec.training = true;
  std::vector<NDArray> outs = invoke(OpRegistry::get().at(op).parse(params), std::vector<NDArray>{data, label}, {}, rec);
  const std::vector<NDArray> heads{outs[0]}, head_grads{head}, xs{data, label};
  std::vector<NDArray> g = grad(heads, head_grads, xs, BackwardOptions{});
  return {values(outs[0]), values(g[0]), !g[1].is_none()};
}

// Elementwise closeness with a message naming the element.
void expect_near(const std::vector<float>& got, const std::vector<double>& want, double tol = 1e-6) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

std::vector<float> filled(size_t n, float v) { return std::vector<float>(n, v); }

// A head gradient unlike 1 everywhere, so that using it would show.
NDArray odd_head(const Shape& s) {
  std::vector<float> v(static_cast<size_t>(s.size()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.5f + static_cast<float>(i % 7);
  return array(v, s);
}

// MXNet's SoftmaxOutput gradient for out (n, k) (no multi_output): (out - target) * scale, target 1 - alpha at the
// label and alpha / (k - 1) elsewhere, rows labelled `ignored` zero.
std::vector<double> softmax_grad(const std::vector<float>& out, const std::vector<int>& label, int k, double scale,
                                 double alpha = 0, int ignored = -100) {
  std::vector<double> g(out.size());
  for (size_t i = 0; i < label.size(); ++i)
    for (int q = 0; q < k; ++q) {
      const size_t e = i * static_cast<size_t>(k) + static_cast<size_t>(q);
      const double target = q == label[i] ? 1 - alpha : alpha / (k - 1);
      g[e] = label[i] == ignored ? 0.0 : (out[e] - target) * scale;
    }
  return g;
}

const std::vector<float> kData = {0.1f, -0.4f, 1.2f, 0.3f, 2.0f, 0.5f, -1.0f, 0.0f, 0.7f, 0.2f, 0.9f, -0.3f,
                                  1.5f, -0.2f, 0.4f, 0.0f};

TEST(SoftmaxOutput, GradientIsSoftmaxMinusOneHotWhateverTheHead) {
  const Shape s{4, 4};
  const std::vector<int> label{0, 3, 1, 2};
  Result r = run_loss("SoftmaxOutput", array(kData, s), array({0, 3, 1, 2}), {}, odd_head(s));
  // The output is the row softmax.
  for (int i = 0; i < 4; ++i) {
    double total = 0;
    for (int q = 0; q < 4; ++q) total += std::exp(kData[static_cast<size_t>(i * 4 + q)]);
    for (int q = 0; q < 4; ++q)
      EXPECT_NEAR(r.out[static_cast<size_t>(i * 4 + q)], std::exp(kData[static_cast<size_t>(i * 4 + q)]) / total, 1e-6);
  }
  expect_near(r.grad, softmax_grad(r.out, label, 4, 1.0));
  EXPECT_FALSE(r.label_grad) << "the label gets no gradient";
  // The alias is the same op.
  Result a = run_loss("Softmax", array(kData, s), array({0, 3, 1, 2}), {}, odd_head(s));
  EXPECT_EQ(a.grad, r.grad);
}

TEST(SoftmaxOutput, OutGradMultipliesByTheHead) {
  const Shape s{4, 4};
  const NDArray head = odd_head(s);
  Result r = run_loss("SoftmaxOutput", array(kData, s), array({0, 3, 1, 2}), {{"out_grad", "True"}, {"grad_scale", "2"}},
                      head);
  std::vector<double> want = softmax_grad(r.out, {0, 3, 1, 2}, 4, 2.0);
  const std::vector<float> h = values(head);
  for (size_t i = 0; i < want.size(); ++i) want[i] *= h[i];
  expect_near(r.grad, want, 1e-5);
}

TEST(SoftmaxOutput, NormalizationsAndIgnoreLabel) {
  const Shape s{4, 4};
  const std::vector<int> label{0, -1, 1, 2};  // row 1 carries the ignore label
  const NDArray lab = array({0, -1, 1, 2});
  struct Case {
    std::vector<ParamKV> params;
    double scale;
    bool zero_ignored;
  };
  const std::vector<Case> cases = {
      {{{"use_ignore", "True"}}, 1.0, true},
      {{{"use_ignore", "True"}, {"normalization", "batch"}, {"grad_scale", "3"}}, 3.0 / 4, true},
      {{{"use_ignore", "True"}, {"normalization", "valid"}}, 1.0 / 3, true},
      // valid counts labels other than ignore_label even without use_ignore (MXNet); -1 names no class.
      {{{"normalization", "valid"}}, 1.0 / 3, false},
      {{{"normalization", "null"}, {"grad_scale", "0.5"}}, 0.5, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.params.back().first) + "=" + std::string(c.params.back().second));
    Result r = run_loss("SoftmaxOutput", array(kData, s), lab, c.params, odd_head(s));
    expect_near(r.grad, softmax_grad(r.out, label, 4, c.scale, 0, c.zero_ignored ? -1 : -100));
  }
  // Another ignore label; every label ignored: valid divides by 1.
  Result r = run_loss("SoftmaxOutput", array(kData, s), array({2, 2, 2, 2}),
                      {{"use_ignore", "True"}, {"ignore_label", "2"}, {"normalization", "valid"}}, odd_head(s));
  EXPECT_EQ(r.grad, filled(16, 0.0f));
}

TEST(SoftmaxOutput, LabelSmoothing) {
  const Shape s{4, 4};
  Result r = run_loss("SoftmaxOutput", array(kData, s), array({0, 3, 1, 2}),
                      {{"smooth_alpha", "0.3"}, {"normalization", "batch"}}, odd_head(s));
  expect_near(r.grad, softmax_grad(r.out, {0, 3, 1, 2}, 4, 0.25, 0.3));
  // With ignore: the ignored row stays 0.
  Result i = run_loss("SoftmaxOutput", array(kData, s), array({0, -1, 1, 2}),
                      {{"smooth_alpha", "0.3"}, {"use_ignore", "True"}}, odd_head(s));
  expect_near(i.grad, softmax_grad(i.out, {0, -1, 1, 2}, 4, 1.0, 0.3, -1));
}

// multi_output: data (n=2, k=3, inner=2), softmax along axis 1; null divides by inner, batch by inner * n.
TEST(SoftmaxOutput, MultiOutput) {
  const Shape s{2, 3, 2};
  const std::vector<float> x(kData.begin(), kData.begin() + 12);
  const std::vector<int> label{2, 0, 1, 1};  // (n, inner)
  for (auto [norm, divisor] : {std::pair{"null", 2.0}, std::pair{"batch", 4.0}, std::pair{"valid", 4.0}}) {
    SCOPED_TRACE(norm);
    // The label as (n, inner), (n, 1, inner) and, with data 3-D, (n, inner) again spelled (n, d2).
    for (const Shape& ls : {Shape{2, 2}, Shape{2, 1, 2}}) {
      Result r = run_loss("SoftmaxOutput", array(x, s), array({2, 0, 1, 1}, ls),
                          {{"multi_output", "True"}, {"normalization", norm}}, odd_head(s));
      std::vector<double> want(12);
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          double total = 0;
          for (int q = 0; q < 3; ++q) total += std::exp(x[static_cast<size_t>((i * 3 + q) * 2 + j)]);
          for (int q = 0; q < 3; ++q) {
            const auto e = static_cast<size_t>((i * 3 + q) * 2 + j);
            EXPECT_NEAR(r.out[e], std::exp(x[e]) / total, 1e-6);
            want[e] = (r.out[e] - (q == label[static_cast<size_t>(i * 2 + j)] ? 1.0 : 0.0)) / divisor;
          }
        }
      expect_near(r.grad, want);
    }
  }
  // use_ignore with valid: positions labelled 1 get 0, the rest divide by the 2 valid labels.
  Result r = run_loss("SoftmaxOutput", array(x, s), array({2, 0, 1, 1}, Shape{2, 2}),
                      {{"multi_output", "True"}, {"normalization", "valid"}, {"use_ignore", "True"},
                       {"ignore_label", "1"}},
                      odd_head(s));
  for (int i = 0; i < 2; ++i)
    for (int q = 0; q < 3; ++q)
      for (int j = 0; j < 2; ++j) {
        const auto e = static_cast<size_t>((i * 3 + q) * 2 + j);
        const int c = label[static_cast<size_t>(i * 2 + j)];
        EXPECT_NEAR(r.grad[e], c == 1 ? 0.0 : (r.out[e] - (q == c ? 1.0 : 0.0)) / 2, 1e-6) << e;
      }
}

// preserve_shape: data (2, 2, 4) as 4 rows of 4; batch divides by the 4 labels.
TEST(SoftmaxOutput, PreserveShape) {
  const Shape s{2, 2, 4};
  Result r = run_loss("SoftmaxOutput", array(kData, s), array({0, 3, 1, 2}, Shape{2, 2}),
                      {{"preserve_shape", "True"}, {"normalization", "batch"}}, odd_head(s));
  Result flat = run_loss("SoftmaxOutput", array(kData, Shape{4, 4}), array({0, 3, 1, 2}),
                         {{"normalization", "batch"}}, odd_head(Shape{4, 4}));
  EXPECT_EQ(r.out, flat.out);
  expect_near(r.grad, softmax_grad(r.out, {0, 3, 1, 2}, 4, 0.25));
}

TEST(SoftmaxOutput, ProbabilityLabels) {
  const Shape s{2, 4};
  const std::vector<float> x(kData.begin(), kData.begin() + 8);
  const std::vector<float> p{0.25f, 0.25f, 0.5f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
  Result r = run_loss("SoftmaxOutput", array(x, s), array(p, s), {{"grad_scale", "2"}}, odd_head(s));
  std::vector<double> want(8);
  for (size_t i = 0; i < 8; ++i) want[i] = (r.out[i] - p[i]) * 2;
  expect_near(r.grad, want);
}

TEST(SoftmaxOutput, SecondOrderGradientIsAClearError) {
  NDArray x = array(kData, Shape{4, 4});
  attach_grad(x, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = rec.training = true;
  NDArray y = invoke(OpRegistry::get().at("SoftmaxOutput").defaults(), std::vector<NDArray>{x, array({0, 1, 2, 3})},
                     {}, rec)[0];
  BackwardOptions opt;
  opt.create_graph = opt.retain_graph = true;
  const std::vector<NDArray> heads{y}, xs{x};
  NDArray g = grad(heads, {}, xs, opt)[0];
  const std::vector<NDArray> gh{invoke(OpRegistry::get().at("sum").defaults(), std::vector<NDArray>{g}, {}, rec)[0]};
  try {
    grad(gh, {}, xs, BackwardOptions{});
    FAIL() << "a second derivative through SoftmaxOutput was computed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("_backward_SoftmaxOutput"), std::string::npos) << e.what();
  }
}

TEST(SoftmaxOutput, BadShapesAndTypesAreClearErrors) {
  using testing::run;
  EXPECT_ERROR(run("SoftmaxOutput", {array(kData, Shape{4, 4}), array({0, 1, 2})}), kShape,
               "SoftmaxOutput: label must have shape (4,) or (4, 4) (the last: probabilities) for data of shape (4, 4), "
               "got (3,)");
  EXPECT_ERROR(run("SoftmaxOutput", {array(kData, Shape{2, 4, 2}), array({0, 1, 2, 3}, Shape{4})},
                   {{"multi_output", "True"}}),
               kShape, "label must have shape (2, 2), (2, 1, 2) or (2, 4, 2)");
  EXPECT_ERROR(run("SoftmaxOutput", {array({1, 2, 3}), array({0})}), kShape,
               "SoftmaxOutput: data must have at least 2 axes (batch, classes, ...), got shape (3,)");
  NDArray int_label = NDArray::empty(Shape{4}, DType::kInt32, Device::cpu());
  EXPECT_ERROR(run("SoftmaxOutput", {array(kData, Shape{4, 4}), int_label}), kType,
               "SoftmaxOutput: all inputs must have the same dtype");
  EXPECT_ERROR(run("SoftmaxOutput", {array(kData, Shape{4, 4}), array({0, 1, 2, 3})}, {{"smooth_alpha", "1.5"}}),
               kInvalidArgument, "smooth_alpha");
  EXPECT_ERROR(run("SoftmaxOutput", {array(kData, Shape{4, 4}), array({0, 1, 2, 3})}, {{"normalization", "mean"}}),
               kInvalidArgument, "normalization");
  // The backward op takes ograd exactly when out_grad is set.
  EXPECT_ERROR(run("_backward_SoftmaxOutput", {array(kData, Shape{4, 4}), array({0, 1, 2, 3})}, {{"out_grad", "True"}}),
               kInvalidArgument, "is there when out_grad=True");
}

// --- regression outputs ---

TEST(RegressionOutput, GradientsAreTheLossGradientsWhateverTheHead) {
  const std::vector<float> x{0.5f, -1.0f, 2.0f, 0.25f, 1.0f, -0.5f};
  const std::vector<float> l{1.0f, -1.0f, 0.0f, 0.75f, 3.0f, -2.0f};
  // Linear, data (3, 2): (x - l) * grad_scale / 2 values per instance.
  {
    Result r = run_loss("LinearRegressionOutput", array(x, Shape{3, 2}), array(l, Shape{3, 2}), {{"grad_scale", "4"}},
                        odd_head(Shape{3, 2}));
    EXPECT_EQ(r.out, x);
    std::vector<double> want(6);
    for (size_t i = 0; i < 6; ++i) want[i] = (x[i] - l[i]) * 4 / 2;
    expect_near(r.grad, want);
    EXPECT_FALSE(r.label_grad);
  }
  // Logistic, data (6, 1) with the default label (6,): sigmoid forward, (sigmoid - l) backward.
  {
    Result r = run_loss("LogisticRegressionOutput", array(x, Shape{6, 1}), array(l), {}, odd_head(Shape{6, 1}));
    std::vector<double> out(6), want(6);
    for (size_t i = 0; i < 6; ++i) {
      out[i] = 1 / (1 + std::exp(-static_cast<double>(x[i])));
      want[i] = out[i] - l[i];
    }
    expect_near(r.out, out);
    expect_near(r.grad, want);
  }
  // MAE, data (2, 3) with label (2, 3, 1) read in data's shape: sign(x - l) / 3; equal elements give 0.
  {
    std::vector<float> lm = l;
    lm[1] = x[1];
    Result r = run_loss("MAERegressionOutput", array(x, Shape{2, 3}), array(lm, Shape{2, 3, 1}), {},
                        odd_head(Shape{2, 3}));
    std::vector<double> want(6);
    for (size_t i = 0; i < 6; ++i) want[i] = (x[i] > lm[i] ? 1.0 : x[i] < lm[i] ? -1.0 : 0.0) / 3;
    expect_near(r.grad, want);
  }
}

TEST(RegressionOutput, LabelShapesFollowMXNet) {
  using testing::run;
  // Data (n, 1) takes a label (n,) or (n, 1); otherwise data's first dim and element count.
  EXPECT_ERROR(run("LinearRegressionOutput", {array({1, 2, 3}, Shape{3, 1}), array({1, 2, 3})}), kOk, "no error");
  EXPECT_ERROR(run("LinearRegressionOutput", {array({1, 2, 3}, Shape{3, 1}), array({1, 2, 3}, Shape{3, 1})}), kOk,
               "no error");
  EXPECT_ERROR(run("MAERegressionOutput", {array(kData, Shape{4, 4}), array(kData, Shape{4, 2, 2})}), kOk, "no error");
  EXPECT_ERROR(run("LinearRegressionOutput", {array(kData, Shape{4, 4}), array(kData, Shape{2, 8})}), kShape,
               "LinearRegressionOutput: label must have data's first dimension and element count (data has shape "
               "(4, 4)), got shape (2, 8)");
  EXPECT_ERROR(run("LogisticRegressionOutput", {array(kData, Shape{4, 4}), array({1, 2, 3, 4})}), kShape,
               "LogisticRegressionOutput: label must have data's first dimension and element count");
}

// --- MakeLoss ---

TEST(MakeLoss, GradientIsGradScaleNormalisedWhateverTheHead) {
  const std::vector<float> x{0.2f, 0.9f, -1.0f, 0.6f, 0.0f, 2.0f};
  auto grad_of = [&](const Shape& s, std::vector<ParamKV> params) {
    NDArray d = array(x, s);
    attach_grad(d, GradReq::kWrite);
    InvokeFlags rec;
    rec.recording = true;
    NDArray y = invoke(OpRegistry::get().at("MakeLoss").parse(params), std::vector<NDArray>{d}, {}, rec)[0];
    EXPECT_EQ(values(y), x) << "forward is the identity";
    const std::vector<NDArray> heads{y}, hg{odd_head(s)}, xs{d};
    return values(grad(heads, hg, xs, BackwardOptions{})[0]);
  };
  EXPECT_EQ(grad_of(Shape{2, 3}, {{"grad_scale", "3"}}), filled(6, 3.0f));
  expect_near(grad_of(Shape{2, 3}, {{"grad_scale", "3"}, {"normalization", "batch"}}),
              std::vector<double>(6, 1.5));
  // MXNet flattens to 2-D keeping the last axis: batch divides by every dim but the last (1 for 1-D data).
  expect_near(grad_of(Shape{3, 1, 2}, {{"normalization", "batch"}}), std::vector<double>(6, 1.0 / 3));
  EXPECT_EQ(grad_of(Shape{6}, {{"grad_scale", "3"}, {"normalization", "batch"}}), filled(6, 3.0f));
  // valid: elements above valid_thresh (0.9, 0.6, 2.0 above 0.5); none above: divided by 1.
  expect_near(grad_of(Shape{2, 3}, {{"grad_scale", "3"}, {"normalization", "valid"}, {"valid_thresh", "0.5"}}),
              std::vector<double>(6, 1.0));
  expect_near(grad_of(Shape{2, 3}, {{"grad_scale", "3"}, {"normalization", "valid"}, {"valid_thresh", "5"}}),
              std::vector<double>(6, 3.0));
}

// --- softmax_cross_entropy ---

TEST(SoftmaxCrossEntropy, ValueAndGradientScaledByTheHead) {
  const std::vector<float> x{0, 0, 0, 0, 1, 2, 3, 4};
  NDArray d = array(x, Shape{2, 4});
  attach_grad(d, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  NDArray y = invoke(OpRegistry::get().at("softmax_cross_entropy").defaults(),
                     std::vector<NDArray>{d, array({1, 3})}, {}, rec)[0];
  EXPECT_EQ(y.shape(), Shape{1});
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + std::exp(4.0));
  EXPECT_NEAR(values(y)[0], std::log(4.0) + lse - 4, 1e-6);
  const std::vector<NDArray> heads{y}, hg{array({2.0f})}, xs{d};
  const std::vector<float> g = values(grad(heads, hg, xs, BackwardOptions{})[0]);
  for (int q = 0; q < 4; ++q) {
    EXPECT_NEAR(g[static_cast<size_t>(q)], 2 * (0.25 - (q == 1)), 1e-6);
    EXPECT_NEAR(g[static_cast<size_t>(4 + q)], 2 * (std::exp(q + 1.0 - lse) - (q == 3)), 1e-6);
  }
}

TEST(SoftmaxCrossEntropy, BadInputsAreClearErrors) {
  using testing::run;
  EXPECT_ERROR(run("softmax_cross_entropy", {array(kData, Shape{4, 4}), array({0, 1, 4, 2})}), kIndex,
               "softmax_cross_entropy: label 4 at row 2 is out of range for 4 classes (expected 0 to 3)");
  EXPECT_ERROR(run("softmax_cross_entropy", {array(kData, Shape{4, 4}), array({0, -1, 2, 2})}), kIndex,
               "label -1 at row 1 is out of range");
  EXPECT_ERROR(run("softmax_cross_entropy", {array(kData, Shape{2, 2, 4}), array({0, 1})}), kShape,
               "softmax_cross_entropy: data must be 2-D (batch, classes), got shape (2, 2, 4)");
  EXPECT_ERROR(run("softmax_cross_entropy", {array(kData, Shape{4, 4}), array({0, 1})}), kShape,
               "input 1 (label)");
}

// An empty batch is legal: empty outputs and gradients (and a zero loss).
TEST(LossLayers, EmptyBatches) {
  auto empty = [](Shape s) { return NDArray::empty(s, DType::kFloat32, Device::cpu()); };
  const std::vector<std::pair<const char*, std::vector<ParamKV>>> layers = {
      {"SoftmaxOutput", {{"normalization", "valid"}}}, {"SoftmaxOutput", {{"normalization", "batch"}}},
      {"LinearRegressionOutput", {}}, {"LogisticRegressionOutput", {}}, {"MAERegressionOutput", {}}};
  for (const auto& [op, params] : layers) {
    SCOPED_TRACE(op);
    const bool softmax = std::string(op) == "SoftmaxOutput";
    Result r = run_loss(op, empty(Shape{0, 3}), empty(softmax ? Shape{0} : Shape{0, 3}), params, empty(Shape{0, 3}));
    EXPECT_TRUE(r.out.empty());
    EXPECT_TRUE(r.grad.empty());
  }
  // No classes (flattened axis of extent 0): an empty label, nothing to read or write.
  Result none = run_loss("SoftmaxOutput", empty(Shape{2, 0, 3}), empty(Shape{2, 0}), {}, empty(Shape{2, 0, 3}));
  EXPECT_TRUE(none.out.empty());
  EXPECT_TRUE(none.grad.empty());
  Result ce = run_loss("softmax_cross_entropy", empty(Shape{0, 3}), empty(Shape{0}), {}, array({1.0f}));
  EXPECT_EQ(ce.out, std::vector<float>{0.0f});
  EXPECT_TRUE(ce.grad.empty());
}

}  // namespace
}  // namespace sn
