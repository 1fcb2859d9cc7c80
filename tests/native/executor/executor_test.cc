// The graph executor (Note [Executor]): MXNet's bind/forward/backward examples, results equal to
// imperative autograd on the same graphs (every conformance op, random graphs, a small CNN), plans,
// reshape, shared buffers, the passes, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <unordered_map>

#include "autograd/autograd.h"
#include "core/error.h"
#include "executor/executor.h"
#include "ops/conformance.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::array;
using testing::values;
using Dict = std::map<std::string, std::string>;

Symbol op(const std::string& name, const std::string& node, std::vector<const Symbol*> inputs, Dict params = {}) {
  return Symbol::create(OpRegistry::get().at(name), std::move(params), inputs, node);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "(no error)";
}

NDArray random_array(const Shape& s, std::mt19937& rng, double lo = -1, double hi = 1) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(s.size()));
  for (float& x : v) x = static_cast<float>(u(rng));
  return array(v, s);
}

void expect_near(const NDArray& got, const NDArray& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const auto g = values<double>(got), w = values<double>(want);
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i]) && std::isnan(w[i])) continue;
    ASSERT_NEAR(g[i], w[i], tol * std::max(1.0, std::abs(w[i]))) << what << " at " << i;
  }
}

// The symbol run imperatively under autograd: outputs and the gradients of the given arguments.
struct Imperative {
  std::vector<NDArray> outputs, grads;
};
Imperative run_imperative(const Symbol& sym, const std::map<std::string, NDArray>& inputs,
                          const std::vector<std::string>& wrt, std::span<const NDArray> head_grads, bool train) {
  std::map<std::string, NDArray> vars;
  for (const auto& [k, v] : inputs) {
    NDArray copy = NDArray::empty(v.shape(), v.dtype(), v.device());
    sn::copy(v, copy);
    vars[k] = copy;
  }
  for (const std::string& w : wrt) attach_grad(vars.at(w), GradReq::kWrite);
  std::unordered_map<const Node*, std::vector<NDArray>> value;
  InvokeFlags flags;
  flags.recording = !wrt.empty();
  flags.training = train;
  for (Node* n : topo_sort(sym.outputs)) {
    if (n->is_variable()) {
      value[n] = {vars.at(n->name)};
      continue;
    }
    std::vector<NDArray> ins;
    for (const NodeEntry& e : n->inputs) ins.push_back(value.at(e.node.get())[e.index]);
    value[n] = invoke(n->attrs, ins, {}, flags);
  }
  Imperative r;
  for (const NodeEntry& e : sym.outputs) r.outputs.push_back(value.at(e.node.get())[e.index]);
  if (!wrt.empty()) {
    BackwardOptions o;
    o.train_mode = train;
    backward(r.outputs, head_grads, o);
    for (const std::string& w : wrt) r.grads.push_back(get_grad(vars.at(w)));
  }
  for (const auto& [k, v] : inputs) sn::copy(vars.at(k), v);  // mutated auxiliary states, for comparison
  return r;
}

// --- MXNet's examples -----------------------------------------------------------------------------------

TEST(Executor, BindForwardSeedExample) {
  const Symbol a = Symbol::variable("data_a"), b = Symbol::variable("data_b"), c = Symbol::variable("data_c");
  const Symbol sum = op("elemwise_add", "_plus0", {&a, &b});
  const Symbol s = op("elemwise_mul", "_mul0", {&c, &sum});
  ASSERT_EQ(s.list_arguments(), (std::vector<std::string>{"data_c", "data_a", "data_b"}));
  auto ex = Executor::bind(s, Device::cpu(), {array({2, 3, 4}), array({1, 2, 3}), array({4, 5, 6})}, {},
                           {GradReq::kNull, GradReq::kNull, GradReq::kNull}, {});
  ex->forward(false);
  EXPECT_EQ(values(ex->outputs()[0]), (std::vector<float>{10, 21, 36}));
  // Arguments are the bound arrays: writing into them changes the next forward.
  copy_from_host(ex->args()[0], std::vector<float>{1, 1, 1}.data(), DType::kFloat32, 0, 3);
  ex->forward(false);
  EXPECT_EQ(values(ex->outputs()[0]), (std::vector<float>{5, 7, 9}));
}

TEST(Executor, BackwardWithOutGradsSeed003) {
  const Symbol A = Symbol::variable("A"), B = Symbol::variable("B");
  const Symbol sum = op("elemwise_add", "_plus0", {&A, &B});
  const Symbol div = op("_div_scalar", "_divscalar0", {&sum}, {{"scalar", "10"}});
  const Symbol d = op("_plus_scalar", "_plusscalar0", {&div}, {{"scalar", "1"}});
  NDArray ga = array(std::vector<float>(10, 1)), gb = array(std::vector<float>(10, 1));
  auto ex = Executor::bind(d, Device::cpu(), {array(std::vector<float>(10, 1)), array(std::vector<float>(10, 1))},
                           {ga, gb}, {GradReq::kWrite, GradReq::kWrite}, {});
  ex->forward(true);
  EXPECT_EQ(values(ex->outputs()[0]), std::vector<float>(10, 1.2f));
  NDArray og = array(std::vector<float>(10, 1));
  ex->backward(std::span<const NDArray>(&og, 1));
  EXPECT_EQ(values(ga), std::vector<float>(10, 0.1f));  // written into the bound arrays
  EXPECT_EQ(values(ex->grads()[1]), std::vector<float>(10, 0.1f));
  og = array(std::vector<float>(10, 2));
  ex->backward(std::span<const NDArray>(&og, 1));
  EXPECT_EQ(values(gb), std::vector<float>(10, 0.2f));
}

TEST(Executor, AddRequestAccumulates) {
  const Symbol x = Symbol::variable("x");
  const Symbol y = op("elemwise_mul", "sq", {&x, &x});
  NDArray g = array({1, 1});
  auto ex = Executor::bind(y, Device::cpu(), {array({3, 4})}, {g}, {GradReq::kAdd}, {});
  ex->forward(true);
  ex->backward({});
  ex->backward({});
  EXPECT_EQ(values(g), (std::vector<float>{1 + 6 + 6, 1 + 8 + 8}));
}

TEST(Executor, UnreachedArgumentWithWriteGetsZeros) {
  // w reaches the output only through BlockGrad: no gradient reaches it, so a write request writes zeros.
  const Symbol x = Symbol::variable("x"), w = Symbol::variable("w");
  const Symbol stopped = op("BlockGrad", "stop", {&w});
  const Symbol y = op("elemwise_mul", "y", {&x, &stopped});
  NDArray gx = array({5, 5}), gw = array({5, 5});
  auto ex = Executor::bind(y, Device::cpu(), {array({1, 2}), array({3, 4})}, {gx, gw}, {GradReq::kWrite, GradReq::kWrite},
                           {});
  ex->forward(true);
  ex->backward({});
  EXPECT_EQ(values(gx), (std::vector<float>{3, 4}));
  EXPECT_EQ(values(gw), (std::vector<float>{0, 0}));
  // With an add request nothing is added.
  NDArray gw2 = array({5, 5});
  auto add = Executor::bind(y, Device::cpu(), {array({1, 2}), array({3, 4})}, {NDArray(), gw2},
                            {GradReq::kNull, GradReq::kAdd}, {});
  EXPECT_NE(error_of([&] { add->backward({}); }).find("call Forward before Backward"), std::string::npos);
  add->forward(true);
  add->backward({});
  EXPECT_EQ(values(gw2), (std::vector<float>{5, 5}));
}

// --- equal to autograd ------------------------------------------------------------------------------------

Symbol api_network(int hidden) {
  Symbol data = Symbol::variable("data");
  Symbol conv = op("Convolution", "conv1", {&data}, {{"num_filter", "8"}, {"kernel", "(3, 3)"}, {"pad", "(1, 1)"}});
  Symbol bn = op("BatchNorm", "bn1", {&conv});
  Symbol relu = op("Activation", "relu1", {&bn}, {{"act_type", "relu"}});
  Symbol pool = op("Pooling", "pool1", {&relu}, {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  Symbol fc = op("FullyConnected", "fc1", {&pool}, {{"num_hidden", std::to_string(hidden)}});
  return op("SoftmaxOutput", "softmax", {&fc});
}

// Binds `sym` with random arguments (labels as class indices), runs forward+backward in the executor
// and imperatively under autograd, and compares outputs, gradients and auxiliary states.
void check_against_autograd(const Symbol& sym, const std::map<std::string, Shape>& shapes, std::mt19937& rng,
                            const ExecutorOptions& options = {}, double tol = 1e-4, bool give_head_grads = true) {
  const ShapeInference si = infer_shape(sym, shapes);
  ASSERT_TRUE(si.complete);
  const auto arg_names = sym.list_arguments(), aux_names = sym.list_auxiliary_states();
  std::vector<NDArray> args, grads, aux;
  std::vector<GradReq> reqs;
  std::map<std::string, NDArray> inputs;
  std::vector<std::string> wrt;
  for (size_t i = 0; i < arg_names.size(); ++i) {
    const bool label = arg_names[i].ends_with("label");
    NDArray a = label ? random_array(si.arguments[i], rng, 0, 0) : random_array(si.arguments[i], rng);
    args.push_back(a);
    inputs[arg_names[i]] = a;
    reqs.push_back(label ? GradReq::kNull : GradReq::kWrite);
    grads.push_back(label ? NDArray() : random_array(si.arguments[i], rng));
    if (!label) wrt.push_back(arg_names[i]);
  }
  std::map<std::string, NDArray> aux_inputs;
  for (size_t i = 0; i < aux_names.size(); ++i) {
    NDArray a = random_array(si.auxiliary_states[i], rng, 0.5, 1.5);
    NDArray twin = NDArray::empty(a.shape(), a.dtype(), a.device());
    copy(a, twin);
    aux.push_back(a);
    aux_inputs[aux_names[i]] = twin;
  }
  std::vector<NDArray> head_grads;
  if (give_head_grads)
    for (const Shape& s : si.outputs) head_grads.push_back(random_array(s, rng));
  auto ex = Executor::bind(sym, Device::cpu(), args, grads, reqs, aux, nullptr, options);
  ex->forward(true);
  ex->backward(head_grads);
  std::map<std::string, NDArray> all = inputs;
  all.insert(aux_inputs.begin(), aux_inputs.end());
  const Imperative want = run_imperative(sym, all, wrt, head_grads, true);
  for (size_t j = 0; j < want.outputs.size(); ++j) expect_near(ex->outputs()[j], want.outputs[j], tol, "output");
  size_t k = 0;
  for (size_t i = 0; i < arg_names.size(); ++i) {
    if (reqs[i] == GradReq::kNull) continue;
    const NDArray& w = want.grads[k++];
    if (w.is_none()) continue;
    expect_near(ex->grads()[i], w, tol, "gradient of " + arg_names[i]);
  }
  for (size_t i = 0; i < aux_names.size(); ++i) expect_near(aux[i], aux_inputs[aux_names[i]], tol, aux_names[i]);
}

TEST(Executor, SmallCnnEqualsAutograd) {
  std::mt19937 rng(1);
  const Symbol net = api_network(5);
  check_against_autograd(net, {{"data", Shape{4, 3, 10, 10}}}, rng, {}, 1e-4, false);
  ExecutorOptions plain;
  plain.cse = false;
  plain.runner.allow_inplace = false;
  plain.runner.allow_sharing = false;
  plain.runner.bulk_max = 1;
  check_against_autograd(net, {{"data", Shape{4, 3, 10, 10}}}, rng, plain, 1e-4, false);
  ExecutorOptions mirror;
  mirror.mirror = true;
  check_against_autograd(net, {{"data", Shape{4, 3, 10, 10}}}, rng, mirror, 1e-4, false);
}

// Random graphs of elementwise, broadcast, activation and dense ops with fan-out and several outputs.
Symbol random_graph(std::mt19937& rng, int n_nodes, int width) {
  std::vector<Symbol> pool;
  for (int i = 0; i < 3; ++i) pool.push_back(Symbol::variable("x" + std::to_string(i)));
  auto pick = [&]() -> const Symbol* { return &pool[rng() % pool.size()]; };
  for (int i = 0; i < n_nodes; ++i) {
    const std::string name = "n" + std::to_string(i);
    switch (rng() % 8) {
      case 0: pool.push_back(op("elemwise_add", name, {pick(), pick()})); break;
      case 1: pool.push_back(op("elemwise_mul", name, {pick(), pick()})); break;
      case 2: pool.push_back(op("Activation", name, {pick()}, {{"act_type", "tanh"}})); break;
      case 3: pool.push_back(op("Activation", name, {pick()}, {{"act_type", "relu"}})); break;
      case 4: pool.push_back(op("_mul_scalar", name, {pick()}, {{"scalar", "0.5"}})); break;
      case 5: pool.push_back(op("sigmoid", name, {pick()})); break;
      case 6: pool.push_back(op("FullyConnected", name, {pick()}, {{"num_hidden", std::to_string(width)}})); break;
      default: pool.push_back(op("broadcast_sub", name, {pick(), pick()})); break;
    }
  }
  // Two or three outputs from the last nodes.
  std::vector<const Symbol*> outs{&pool.back(), &pool[pool.size() - 2]};
  if (rng() % 2) outs.push_back(&pool[3 + rng() % (pool.size() - 3)]);
  return Symbol::group(outs);
}

TEST(Executor, RandomGraphsEqualAutograd) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    const int width = 6;
    const Symbol g = random_graph(rng, 4 + static_cast<int>(rng() % 20), width);
    std::map<std::string, Shape> shapes;
    for (const std::string& a : g.list_arguments())
      if (a.starts_with("x")) shapes[a] = Shape{5, width};
    ExecutorOptions o;
    o.runner.match_range = 1 + rng() % 16;
    o.mirror = trial % 3 == 0;
    SCOPED_TRACE("trial " + std::to_string(trial));
    check_against_autograd(g, shapes, rng, o, 1e-4);
  }
}

// Every op with a conformance entry, as a one-node graph: the executor's forward equals invoke's and
// its gradients autograd's.
TEST(Executor, EveryConformanceOpEqualsImperative) {
  std::mt19937 rng(5);
  size_t checked = 0;
  for (const conformance::Case& c : conformance::cases()) {
    const OpDef& def = OpRegistry::get().at(c.op);
    if (def.needs_random || def.async_kernel || std::find(c.dtypes.begin(), c.dtypes.end(), DType::kFloat32) == c.dtypes.end())
      continue;
    bool float_inputs = true;
    for (size_t i = 0; i < c.shapes.size(); ++i) float_inputs &= c.in_dtype(i, DType::kFloat32) == DType::kFloat32;
    if (!float_inputs) continue;
    SCOPED_TRACE(c.op + " " + c.label);
    std::vector<Symbol> vars;
    std::vector<const Symbol*> ins;
    for (size_t i = 0; i < c.shapes.size(); ++i) vars.push_back(Symbol::variable("in" + std::to_string(i)));
    for (const Symbol& v : vars) ins.push_back(&v);
    const Symbol s = Symbol::create(def, Dict(c.params.begin(), c.params.end()), ins, "node");
    // Inputs as the harness draws them (whole numbers for fixed inputs), prepared.
    std::vector<conformance::Ref> refs;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      const auto [lo, hi] = c.domain.empty() ? std::pair<double, double>{-1, 1} : c.domain[std::min(i, c.domain.size() - 1)];
      std::uniform_real_distribution<double> u(lo, hi);
      conformance::Ref r{c.shapes[i], std::vector<double>(static_cast<size_t>(c.shapes[i].size()))};
      for (double& x : r.v) x = c.fixed(i) ? std::floor(u(rng)) : u(rng);
      refs.push_back(std::move(r));
    }
    if (c.prepare) c.prepare(refs);
    const auto input_names = s.list_inputs();
    const auto aux_names = s.list_auxiliary_states();
    std::map<std::string, NDArray> given;
    for (size_t i = 0; i < refs.size(); ++i) {
      std::vector<float> v(refs[i].v.begin(), refs[i].v.end());
      given["in" + std::to_string(i)] = array(v, refs[i].shape);
    }
    std::vector<NDArray> args, grads, aux;
    std::vector<GradReq> reqs;
    std::vector<std::string> wrt;
    const bool differentiate = !c.skip_gradient && def.differentiable();
    for (const std::string& a : s.list_arguments()) {
      args.push_back(given.at(a));
      const size_t idx = static_cast<size_t>(std::stoi(a.substr(2)));
      const bool grad = differentiate && !c.fixed(idx);
      reqs.push_back(grad ? GradReq::kWrite : GradReq::kNull);
      grads.push_back(grad ? NDArray::empty(given.at(a).shape(), DType::kFloat32, Device::cpu()) : NDArray());
      if (grad) wrt.push_back(a);
    }
    std::map<std::string, NDArray> twins;
    for (const std::string& a : aux_names) {
      aux.push_back(given.at(a));
      NDArray t = NDArray::empty(given.at(a).shape(), DType::kFloat32, Device::cpu());
      copy(given.at(a), t);
      twins[a] = t;
    }
    auto ex = Executor::bind(s, Device::cpu(), args, grads, reqs, aux);
    ex->forward(c.train || !wrt.empty());
    std::vector<NDArray> head_grads;
    for (const NDArray& o : ex->outputs()) head_grads.push_back(random_array(o.shape(), rng));
    if (!wrt.empty()) ex->backward(head_grads);
    std::map<std::string, NDArray> imperative_inputs;
    for (const std::string& a : s.list_arguments()) imperative_inputs[a] = given.at(a);
    for (const std::string& a : aux_names) imperative_inputs[a] = twins.at(a);
    const Imperative want = run_imperative(s, imperative_inputs, wrt, head_grads, c.train || !wrt.empty());
    for (size_t j = 0; j < want.outputs.size(); ++j) expect_near(ex->outputs()[j], want.outputs[j], 1e-5, "output");
    size_t k = 0;
    for (size_t i = 0; i < args.size(); ++i) {
      if (reqs[i] == GradReq::kNull) continue;
      const NDArray& w = want.grads[k++];
      if (!w.is_none()) expect_near(ex->grads()[i], w, 1e-5, "gradient of input " + std::to_string(i));
    }
    ++checked;
  }
  EXPECT_GT(checked, 150u);
}

// --- plans, reshape, sharing, passes ---------------------------------------------------------------------

TEST(Executor, PlanSharesMemoryAndReportsIt) {
  const Symbol net = api_network(5);
  auto train = Executor::simple_bind(net, Device::cpu(), {{"data", Shape{8, 3, 10, 10}}}, {},
                                     std::vector<GradReq>(net.list_arguments().size(), GradReq::kWrite));
  const MemoryPlan& p = train->plan();
  EXPECT_GT(p.unshared_bytes, p.planned_bytes);
  EXPECT_LE(p.lower_bound_bytes, p.planned_bytes);
  EXPECT_GT(p.inplace_pairs, 0u);
  EXPECT_NE(train->debug_string().find("backward"), std::string::npos);
  auto infer = Executor::simple_bind(net, Device::cpu(), {{"data", Shape{8, 3, 10, 10}}}, {},
                                     std::vector<GradReq>(net.list_arguments().size(), GradReq::kNull));
  EXPECT_LT(infer->plan().planned_bytes, p.planned_bytes);
  EXPECT_EQ(infer->num_steps(), infer->num_forward_steps());
}

TEST(Executor, ReshapeSharesParametersAndBuffers) {
  std::mt19937 rng(3);
  const Symbol x = Symbol::variable("data");
  const Symbol fc = op("FullyConnected", "fc", {&x}, {{"num_hidden", "4"}});
  const Symbol out = op("Activation", "act", {&fc}, {{"act_type", "tanh"}});
  auto big = Executor::simple_bind(out, Device::cpu(), {{"data", Shape{8, 3}}}, {},
                                   {GradReq::kNull, GradReq::kWrite, GradReq::kWrite});
  copy(random_array(Shape{4, 3}, rng), big->args()[1]);
  copy(random_array(Shape{8, 3}, rng), big->args()[0]);
  auto small = big->reshape({{"data", Shape{2, 3}}}, false, false);
  EXPECT_TRUE(small->args()[1].same_chunk(big->args()[1]));  // the weight is shared
  EXPECT_TRUE(small->args()[0].same_chunk(big->args()[0]));  // data: a view of the old array
  EXPECT_EQ(small->outputs()[0].shape(), (Shape{2, 4}));
  big->forward(false);
  const auto want = values(big->outputs()[0]);
  small->forward(false);
  const auto got = values(small->outputs()[0]);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], want[i]);  // the first two rows
  EXPECT_NE(error_of([&] { big->reshape({{"data", Shape{16, 3}}}, false, false); }).find("allowUpSizing"),
            std::string::npos);
  auto bigger = big->reshape({{"data", Shape{16, 3}}}, false, true);
  EXPECT_EQ(bigger->outputs()[0].shape(), (Shape{16, 4}));
  // A weight shape that would change without being named needs partial shaping.
  const Symbol y = Symbol::variable("y");
  const Symbol s2 = op("elemwise_add", "add", {&x, &y});
  auto e2 = Executor::simple_bind(s2, Device::cpu(), {{"data", Shape{4}}, {"y", Shape{4}}}, {},
                                  {GradReq::kNull, GradReq::kNull});
  EXPECT_NE(error_of([&] { e2->reshape({{"data", Shape{2}}}, false, false); }).find("partialShaping"), std::string::npos);
  EXPECT_EQ(e2->reshape({{"data", Shape{2}}}, true, false)->outputs()[0].shape(), (Shape{2}));
}

TEST(Executor, SharedExecutorReusesBuffers) {
  std::mt19937 rng(2);
  const Symbol net = api_network(5);
  const std::vector<GradReq> reqs(net.list_arguments().size(), GradReq::kWrite);
  auto first = Executor::simple_bind(net, Device::cpu(), {{"data", Shape{8, 3, 10, 10}}}, {}, reqs);
  const size_t bytes = first->buffer_bytes();
  auto second = Executor::simple_bind(net, Device::cpu(), {{"data", Shape{4, 3, 10, 10}}}, {}, reqs, first.get());
  EXPECT_EQ(second->buffer_bytes(), bytes);  // the smaller batch fits in the first executor's buffers
  // Parameters of the same shape are shared; data is not (another shape).
  EXPECT_TRUE(second->args()[1].same_chunk(first->args()[1]));
  EXPECT_FALSE(second->args()[0].same_chunk(first->args()[0]));
  // The sharing executor computes what an executor of its own computes from the same arrays.
  for (size_t i = 0; i < second->args().size(); ++i)
    if (!net.list_arguments()[i].ends_with("label")) copy(random_array(second->args()[i].shape(), rng), second->args()[i]);
  auto own = Executor::bind(net, Device::cpu(), second->args(), {}, std::vector<GradReq>(reqs.size(), GradReq::kNull),
                            second->aux());
  first->forward(true);
  second->forward(false);
  own->forward(false);
  expect_near(second->outputs()[0], own->outputs()[0], 1e-6, "output");
}

TEST(Executor, CommonSubexpressionsAreMerged) {
  const Symbol x = Symbol::variable("x");
  const Symbol e1 = op("exp", "e1", {&x}), e2 = op("exp", "e2", {&x});
  const Symbol s = op("elemwise_add", "s", {&e1, &e2});
  NDArray g = array({0, 0});
  auto ex = Executor::bind(s, Device::cpu(), {array({0, 1})}, {g}, {GradReq::kWrite}, {});
  EXPECT_EQ(ex->cse_merged(), 1u);
  ex->forward(true);
  ex->backward({});
  const auto out = values(ex->outputs()[0]), grad = values(g);
  EXPECT_FLOAT_EQ(out[1], 2 * std::exp(1.0f));
  EXPECT_FLOAT_EQ(grad[1], 2 * std::exp(1.0f));
  EXPECT_EQ(s.list_outputs(), std::vector<std::string>{"s_output"});  // the user's symbol is unchanged
  ExecutorOptions no_cse;
  no_cse.cse = false;
  EXPECT_EQ(Executor::bind(s, Device::cpu(), {array({0, 1})}, {g}, {GradReq::kWrite}, {}, nullptr, no_cse)->cse_merged(),
            0u);
}

TEST(Executor, ArraysAreReleasedWithTheExecutor) {
  const int64_t before = Chunk::live_count();
  {
    const Symbol net = api_network(3);
    auto ex = Executor::simple_bind(net, Device::cpu(), {{"data", Shape{2, 3, 10, 10}}}, {},
                                    std::vector<GradReq>(net.list_arguments().size(), GradReq::kWrite));
    ex->forward(true);
    ex->backward({});
    ex->outputs()[0].wait_to_read();
  }
  Engine::get().wait_all();
  EXPECT_EQ(Chunk::live_count(), before);
}

TEST(Executor, RunnerRefusesACallerArrayOfAnotherShape) {
  // exp(x) written into a caller's array: the array must have the computed shape, or the kernel would write past it.
  const Symbol x = Symbol::variable("x");
  const Symbol y = op("exp", "y", {&x});
  const IndexedGraph g(topo_sort(y.outputs));
  const std::vector<Shape> shapes{Shape{4}, Shape{4}};
  const std::vector<int> types{0, 0};
  const size_t keep[] = {1};
  const std::unordered_map<size_t, NDArray> right{{0, array({1, 2, 3, 4})}, {1, array({0, 0, 0, 0})}};
  EXPECT_NO_THROW(GraphRunner(g, shapes, types, right, keep, Device::cpu(), {}, nullptr));
  const std::unordered_map<size_t, NDArray> small{{0, array({1, 2, 3, 4})}, {1, array({0, 0})}};
  EXPECT_NE(error_of([&] { GraphRunner(g, shapes, types, small, keep, Device::cpu(), {}, nullptr); })
                .find("has shape (2,), dtype float32 and device cpu(0) but the graph computes shape (4,)"),
            std::string::npos);
}

// --- bad input --------------------------------------------------------------------------------------------

TEST(Executor, BadInputIsAClearError) {
  const Symbol x = Symbol::variable("x"), w = Symbol::variable("w");
  const Symbol s = op("elemwise_mul", "m", {&x, &w});
  const std::vector<GradReq> nulls{GradReq::kNull, GradReq::kNull};
  EXPECT_NE(error_of([&] { Executor::bind(s, Device::cpu(), {array({1})}, {}, nulls, {}); })
                .find("expected 2 argument array(s) (x, w), got 1"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Executor::bind(s, Device::cpu(), {array({1, 2}), array({1, 2, 3})}, {}, nulls, {}); })
                .find("Error in operator m"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              Executor::bind(s, Device::cpu(), {array({1, 2}), array({1, 2})}, {array({1}), NDArray()},
                             {GradReq::kWrite, GradReq::kNull}, {});
            }).find("the gradient of 'x' has shape (1,)"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              Executor::bind(s, Device::cpu(), {array({1, 2}), array({1, 2})}, {}, {GradReq::kWrite, GradReq::kNull},
                             {});
            }).find("gradient of 'x' has no array"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              Executor::bind(s, Device::cpu(), {array({1, 2}), array({1, 2})}, {}, {static_cast<GradReq>(2), GradReq::kNull},
                             {});
            }).find("write (1) or add (3), got 2"),
            std::string::npos);
  auto inference = Executor::bind(s, Device::cpu(), {array({1, 2}), array({1, 2})}, {}, nulls, {});
  EXPECT_NE(error_of([&] { inference->backward({}); }).find("no gradient was requested"), std::string::npos);
  auto train = Executor::bind(s, Device::cpu(), {array({1, 2}), array({1, 2})}, {array({0, 0}), NDArray()},
                              {GradReq::kWrite, GradReq::kNull}, {});
  EXPECT_NE(error_of([&] { train->backward({}); }).find("call Forward before Backward"), std::string::npos);
  train->forward(true);
  NDArray wrong = array({1, 2, 3});
  EXPECT_NE(error_of([&] { train->backward(std::span<const NDArray>(&wrong, 1)); }).find("has shape (3,) but the output"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Executor::simple_bind(s, Device::cpu(), {}, {}, nulls); }).find("still unknown: x"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Executor::simple_bind(s, Device::cpu(), {{"q", Shape{2}}}, {}, nulls); }).find("'q' is not an input"),
            std::string::npos);
}

TEST(Executor, KernelErrorsSurfaceAtTheOutputs) {
  // An index out of range is found by the kernel: it poisons the outputs instead of crashing.
  const Symbol data = Symbol::variable("data"), idx = Symbol::variable("idx");
  const Symbol t = op("take", "t", {&data, &idx}, {{"mode", "raise"}});
  auto ex = Executor::bind(t, Device::cpu(), {array({1, 2, 3}), array({7})}, {}, {GradReq::kNull, GradReq::kNull}, {});
  ex->forward(false);
  EXPECT_NE(error_of([&] { ex->outputs()[0].wait_to_read(); }), "(no error)");
  copy_from_host(ex->args()[1], std::vector<float>{1}.data(), DType::kFloat32, 0, 1);
  ex->forward(false);
  EXPECT_EQ(values(ex->outputs()[0]), std::vector<float>{2});  // a successful run clears the poison
}

}  // namespace
}  // namespace sn
