// Conformance entries: Convolution, Deconvolution, their backward ops and UpSampling, against direct float64
// references.
#include <array>

#include "core/param.h"
#include "ops/conformance.h"

namespace sn::conformance {
namespace {

Shape tuple(const Params& p, const std::string& key) { return *detail::parse_int_tuple(param(p, key, "()")); }

// A convolution's geometry from the parameters and the data shape, spatial axes padded to 3 in front.
struct Geom {
  int64_t batch, in_c, out_c, groups;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, s{1, 1, 1}, p{0, 0, 0}, d{1, 1, 1};
};
Geom geom(const Params& prm, const Shape& data) {
  Geom g;
  const Shape k = tuple(prm, "kernel"), s = tuple(prm, "stride"), pd = tuple(prm, "pad"), d = tuple(prm, "dilate");
  const int nsp = k.ndim();
  g.batch = data[0];
  g.in_c = data[1];
  g.out_c = std::stoll(param(prm, "num_filter", "0"));
  g.groups = std::stoll(param(prm, "num_group", "1"));
  for (int i = 0; i < nsp; ++i) {
    const size_t a = static_cast<size_t>(3 - nsp + i);
    g.in[a] = data[2 + i];
    g.k[a] = k[i];
    if (s.ndim()) g.s[a] = s[i];
    if (pd.ndim()) g.p[a] = pd[i];
    if (d.ndim()) g.d[a] = d[i];
    g.out[a] = (g.in[a] + 2 * g.p[a] - g.d[a] * (g.k[a] - 1) - 1) / g.s[a] + 1;
  }
  return g;
}
Shape out_shape(const Geom& g, int nsp) {
  Shape o{g.batch, g.out_c};
  for (int i = 3 - nsp; i < 3; ++i) o.push_back(g.out[static_cast<size_t>(i)]);
  return o;
}

// Visits every (n, oc, output position, ic, input position, kernel position) tap inside the input.
template <class F>
void taps(const Geom& g, F f) {
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups;
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oc = 0; oc < g.out_c; ++oc)
      for (int64_t c = 0; c < icg; ++c)
        for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
          for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
            for (int64_t o2 = 0; o2 < g.out[2]; ++o2)
              for (int64_t k0 = 0; k0 < g.k[0]; ++k0)
                for (int64_t k1 = 0; k1 < g.k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
                    const int64_t i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0], i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1],
                                  i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
                    if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= g.in[0] || i1 >= g.in[1] || i2 >= g.in[2]) continue;
                    const int64_t ic = oc / ocg * icg + c;
                    const size_t xi = static_cast<size_t>(((n * g.in_c + ic) * g.in[0] + i0) * g.in[1] * g.in[2] +
                                                          i1 * g.in[2] + i2);
                    const size_t yi = static_cast<size_t>(((n * g.out_c + oc) * g.out[0] + o0) * g.out[1] * g.out[2] +
                                                          o1 * g.out[2] + o2);
                    const size_t wi = static_cast<size_t>(((oc * icg + c) * g.k[0] + k0) * g.k[1] * g.k[2] +
                                                          k1 * g.k[2] + k2);
                    f(xi, yi, wi);
                  }
}

RefFn conv_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Geom g = geom(p, in[0].shape);
    Ref y{out_shape(g, tuple(p, "kernel").ndim()), {}};
    y.v.assign(static_cast<size_t>(y.shape.size()), 0.0);
    if (in.size() > 2)
      for (size_t i = 0; i < y.v.size(); ++i) y.v[i] = in[2].v[(i / static_cast<size_t>(g.out[0] * g.out[1] * g.out[2])) %
                                                             static_cast<size_t>(g.out_c)];
    taps(g, [&](size_t xi, size_t yi, size_t wi) { y.v[yi] += in[0].v[xi] * in[1].v[wi]; });
    return std::vector<Ref>{y};
  };
}

// _backward_Convolution(ograd, data, weight) -> data, weight (and bias) gradients.
RefFn conv_backward_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Ref &dy = in[0], &x = in[1], &w = in[2];
    const Geom g = geom(p, x.shape);
    Ref dx{x.shape, std::vector<double>(x.v.size(), 0.0)}, dw{w.shape, std::vector<double>(w.v.size(), 0.0)};
    taps(g, [&](size_t xi, size_t yi, size_t wi) {
      dx.v[xi] += dy.v[yi] * w.v[wi];
      dw.v[wi] += x.v[xi] * dy.v[yi];
    });
    std::vector<Ref> r{dx, dw};
    if (param(p, "no_bias", "False") != "True") {
      Ref db{Shape{g.out_c}, std::vector<double>(static_cast<size_t>(g.out_c), 0.0)};
      const size_t plane = static_cast<size_t>(g.out[0] * g.out[1] * g.out[2]);
      for (size_t i = 0; i < dy.v.size(); ++i) db.v[(i / plane) % static_cast<size_t>(g.out_c)] += dy.v[i];
      r.push_back(db);
    }
    return r;
  };
}

// A deconvolution as the convolution it transposes: that convolution's data is the deconvolution's output.
Geom deconv_geom(const Params& prm, const Shape& data) {
  Geom g;
  const Shape k = tuple(prm, "kernel"), s = tuple(prm, "stride"), pd = tuple(prm, "pad"), d = tuple(prm, "dilate"),
              adj = tuple(prm, "adj"), target = tuple(prm, "target_shape");
  const int nsp = k.ndim();
  g.batch = data[0];
  g.out_c = data[1];
  g.in_c = std::stoll(param(prm, "num_filter", "0"));
  g.groups = std::stoll(param(prm, "num_group", "1"));
  for (int i = 0; i < nsp; ++i) {
    const size_t a = static_cast<size_t>(3 - nsp + i);
    g.out[a] = data[2 + i];
    g.k[a] = k[i];
    if (s.ndim()) g.s[a] = s[i];
    if (pd.ndim()) g.p[a] = pd[i];
    if (d.ndim()) g.d[a] = d[i];
    const int64_t full = g.s[a] * (g.out[a] - 1) + g.d[a] * (g.k[a] - 1) + 1;
    int64_t extra = adj.ndim() ? adj[i] : 0;
    if (target.ndim()) {
      g.p[a] = (full - target[i] + 1) / 2;
      extra = (full - target[i]) % 2;
    }
    g.in[a] = full - 2 * g.p[a] + extra;
  }
  return g;
}

RefFn deconv_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Geom g = deconv_geom(p, in[0].shape);
    const int nsp = tuple(p, "kernel").ndim();
    Shape os{g.batch, g.in_c};
    for (int i = 3 - nsp; i < 3; ++i) os.push_back(g.in[static_cast<size_t>(i)]);
    Ref y{os, std::vector<double>(static_cast<size_t>(os.size()), 0.0)};
    const size_t plane = static_cast<size_t>(g.in[0] * g.in[1] * g.in[2]);
    if (in.size() > 2)
      for (size_t i = 0; i < y.v.size(); ++i) y.v[i] = in[2].v[(i / plane) % static_cast<size_t>(g.in_c)];
    taps(g, [&](size_t xi, size_t yi, size_t wi) { y.v[xi] += in[0].v[yi] * in[1].v[wi]; });
    return std::vector<Ref>{y};
  };
}

// _backward_Deconvolution(ograd, data, weight): data's gradient is the convolution of ograd, weight's the
// correlation of ograd with data.
RefFn deconv_backward_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Ref &og = in[0], &data = in[1], &w = in[2];
    const Geom g = deconv_geom(p, data.shape);
    Ref dd{data.shape, std::vector<double>(data.v.size(), 0.0)}, dw{w.shape, std::vector<double>(w.v.size(), 0.0)};
    taps(g, [&](size_t xi, size_t yi, size_t wi) {
      dd.v[yi] += og.v[xi] * w.v[wi];
      dw.v[wi] += og.v[xi] * data.v[yi];
    });
    std::vector<Ref> r{dd, dw};
    if (param(p, "no_bias", "True") != "True") {
      Ref db{Shape{g.in_c}, std::vector<double>(static_cast<size_t>(g.in_c), 0.0)};
      const size_t plane = static_cast<size_t>(g.in[0] * g.in[1] * g.in[2]);
      for (size_t i = 0; i < og.v.size(); ++i) db.v[(i / plane) % static_cast<size_t>(g.in_c)] += og.v[i];
      r.push_back(db);
    }
    return r;
  };
}

const AddCase deconv2d{{.op = "Deconvolution", .params = {{"kernel", "(3, 3)"}, {"num_filter", "2"}, {"stride", "(2, 2)"}},
                        .shapes = {{2, 3, 3, 4}, {3, 2, 3, 3}}, .reference = deconv_ref(), .label = "2d_stride"}};
const AddCase deconv_bias_pad_adj{{.op = "Deconvolution",
                                   .params = {{"kernel", "(3, 2)"}, {"num_filter", "4"}, {"stride", "(2, 3)"},
                                              {"pad", "(1, 0)"}, {"adj", "(1, 2)"}, {"dilate", "(1, 2)"},
                                              {"num_group", "2"}, {"no_bias", "False"}},
                                   .shapes = {{1, 2, 3, 3}, {2, 2, 3, 2}, {4}}, .reference = deconv_ref(),
                                   .label = "bias_pad_adj_groups"}};
const AddCase deconv_target{{.op = "Deconvolution",
                             .params = {{"kernel", "(4,)"}, {"num_filter", "2"}, {"stride", "(2,)"},
                                        {"target_shape", "(9,)"}},
                             .shapes = {{2, 2, 5}, {2, 2, 4}}, .reference = deconv_ref(), .label = "1d_target_shape"}};
const AddCase deconv_backward{{.op = "_backward_Deconvolution",
                               .params = {{"kernel", "(2, 3)"}, {"num_filter", "2"}, {"stride", "(2, 1)"},
                                          {"pad", "(0, 1)"}, {"no_bias", "False"}},
                               .shapes = {{2, 2, 6, 4}, {2, 3, 3, 4}, {3, 2, 2, 3}}, .reference = deconv_backward_ref()}};

// UpSampling nearest: every input repeated to the first's size times scale, concatenated or summed.
RefFn upsampling_nearest_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const int64_t scale = std::stoll(param(p, "scale", "1"));
    const bool sum = param(p, "multi_input_mode", "concat") == "sum";
    const int64_t n = in[0].shape[0], oh = in[0].shape[2] * scale, ow = in[0].shape[3] * scale;
    int64_t channels = 0;
    for (const Ref& r : in) channels = sum ? r.shape[1] : channels + r.shape[1];
    Ref y{Shape{n, channels, oh, ow}, std::vector<double>(static_cast<size_t>(n * channels * oh * ow), 0.0)};
    int64_t c0 = 0;
    for (const Ref& r : in) {
      const int64_t c = r.shape[1], h = r.shape[2], w = r.shape[3], f = oh / h;
      for (int64_t b = 0; b < n; ++b)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t i = 0; i < oh; ++i)
            for (int64_t j = 0; j < ow; ++j)
              y.v[static_cast<size_t>(((b * channels + (sum ? ci : c0 + ci)) * oh + i) * ow + j)] +=
                  r.v[static_cast<size_t>(((b * c + ci) * h + i / f) * w + j / f)];
      if (!sum) c0 += c;
    }
    return std::vector<Ref>{y};
  };
}

// UpSampling bilinear: MXNet's depthwise deconvolution.
RefFn upsampling_bilinear_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const int64_t s = std::stoll(param(p, "scale", "1")), k = 2 * s - s % 2, pad = s / 2;
    const std::string c = std::to_string(in[0].shape[1]), kt = "(" + std::to_string(k) + ", " + std::to_string(k) + ")";
    const Params deconv{{"kernel", kt}, {"stride", "(" + std::to_string(s) + ", " + std::to_string(s) + ")"},
                        {"pad", "(" + std::to_string(pad) + ", " + std::to_string(pad) + ")"}, {"num_filter", c},
                        {"num_group", c}};
    return deconv_ref()(in, deconv);
  };
}

const AddCase upsampling_nearest{{.op = "UpSampling", .params = {{"scale", "2"}, {"sample_type", "nearest"}, {"num_args", "1"}},
                                  .shapes = {{2, 3, 2, 3}}, .reference = upsampling_nearest_ref(), .label = "nearest"}};
const AddCase upsampling_concat{{.op = "UpSampling",
                                 .params = {{"scale", "2"}, {"sample_type", "nearest"}, {"num_args", "2"}},
                                 .shapes = {{1, 2, 2, 2}, {1, 1, 4, 4}}, .reference = upsampling_nearest_ref(),
                                 .label = "nearest_concat"}};
const AddCase upsampling_sum{{.op = "UpSampling",
                              .params = {{"scale", "3"}, {"sample_type", "nearest"}, {"num_args", "2"},
                                         {"multi_input_mode", "sum"}},
                              .shapes = {{1, 2, 1, 2}, {1, 2, 3, 6}}, .reference = upsampling_nearest_ref(),
                              .label = "nearest_sum"}};
const AddCase upsampling_bilinear{{.op = "UpSampling",
                                   .params = {{"scale", "2"}, {"sample_type", "bilinear"}, {"num_args", "2"},
                                              {"num_filter", "3"}},
                                   .shapes = {{2, 3, 3, 2}, {3, 1, 4, 4}}, .reference = upsampling_bilinear_ref(),
                                   .label = "bilinear"}};

const AddCase conv2d{{.op = "Convolution", .params = {{"kernel", "(3, 3)"}, {"num_filter", "4"}},
                      .shapes = {{2, 3, 5, 6}, {4, 3, 3, 3}, {4}}, .reference = conv_ref(), .label = "2d"}};
const AddCase conv2d_window{{.op = "Convolution",
                             .params = {{"kernel", "(3, 2)"}, {"stride", "(2, 1)"}, {"pad", "(1, 0)"},
                                        {"dilate", "(2, 1)"}, {"num_filter", "3"}},
                             .shapes = {{2, 2, 7, 5}, {3, 2, 3, 2}, {3}}, .reference = conv_ref(),
                             .label = "stride_pad_dilate"}};
const AddCase conv2d_groups{{.op = "Convolution",
                             .params = {{"kernel", "(3, 3)"}, {"num_filter", "6"}, {"num_group", "2"},
                                        {"pad", "(1, 1)"}, {"no_bias", "True"}},
                             .shapes = {{1, 4, 5, 5}, {6, 2, 3, 3}}, .reference = conv_ref(), .label = "groups"}};
const AddCase conv2d_depthwise{{.op = "Convolution",
                                .params = {{"kernel", "(3, 3)"}, {"num_filter", "3"}, {"num_group", "3"},
                                           {"stride", "(2, 2)"}, {"pad", "(1, 1)"}},
                                .shapes = {{2, 3, 6, 6}, {3, 1, 3, 3}, {3}}, .reference = conv_ref(),
                                .label = "depthwise"}};
const AddCase conv1d{{.op = "Convolution",
                      .params = {{"kernel", "(3,)"}, {"num_filter", "3"}, {"stride", "(2,)"}, {"pad", "(1,)"}},
                      .shapes = {{2, 2, 7}, {3, 2, 3}, {3}}, .reference = conv_ref(), .label = "1d"}};
const AddCase conv3d{{.op = "Convolution",
                      .params = {{"kernel", "(2, 2, 2)"}, {"num_filter", "2"}, {"pad", "(1, 0, 1)"}},
                      .shapes = {{1, 2, 3, 4, 3}, {2, 2, 2, 2, 2}, {2}}, .reference = conv_ref(), .label = "3d"}};
const AddCase conv_1x1{{.op = "Convolution", .params = {{"kernel", "(1, 1)"}, {"num_filter", "5"}, {"no_bias", "True"}},
                        .shapes = {{2, 4, 3, 3}, {5, 4, 1, 1}}, .reference = conv_ref(), .label = "1x1"}};

const AddCase conv_backward{{.op = "_backward_Convolution",
                             .params = {{"kernel", "(3, 2)"}, {"stride", "(2, 1)"}, {"pad", "(1, 1)"},
                                        {"num_filter", "4"}, {"num_group", "2"}},
                             .shapes = {{2, 4, 3, 6}, {2, 4, 5, 5}, {4, 2, 3, 2}}, .reference = conv_backward_ref()}};
const AddCase conv_backward_no_bias{{.op = "_backward_Convolution",
                                     .params = {{"kernel", "(3,)"}, {"num_filter", "2"}, {"no_bias", "True"}},
                                     .shapes = {{2, 2, 3}, {2, 3, 5}, {2, 3, 3}}, .reference = conv_backward_ref(),
                                     .label = "no_bias"}};

}  // namespace
}  // namespace sn::conformance
