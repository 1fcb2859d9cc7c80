// Memory plan of a ResNet-18-style graph (CIFAR stem, batch 32, 32x32), training and inference (issue 10,
// PERF.md "memory plan"): planned intermediate bytes against the liveness lower bound of the same order and
// against every value in its own buffer, with and without mirror; then the peak RSS of one training step.
//   build/native/bench/native/sharpnet_memory_plan [batch] [image]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/engine.h"
#include "executor/executor.h"

namespace {

using sn::Symbol;
using Dict = std::map<std::string, std::string>;

Symbol op(const std::string& name, const std::string& node, std::vector<const Symbol*> in, Dict params = {}) {
  return Symbol::create(sn::OpRegistry::get().at(name), std::move(params), in, node);
}

Symbol conv_bn(const Symbol& x, const std::string& name, int filters, int stride, int kernel, bool relu) {
  const std::string k = "(" + std::to_string(kernel) + ", " + std::to_string(kernel) + ")";
  const std::string s = "(" + std::to_string(stride) + ", " + std::to_string(stride) + ")";
  const std::string p = kernel == 3 ? "(1, 1)" : "(0, 0)";
  Symbol c = op("Convolution", name + "_conv", {&x},
                {{"num_filter", std::to_string(filters)}, {"kernel", k}, {"stride", s}, {"pad", p}, {"no_bias", "True"}});
  Symbol b = op("BatchNorm", name + "_bn", {&c});
  return relu ? op("Activation", name + "_relu", {&b}, {{"act_type", "relu"}}) : b;
}

Symbol basic_block(const Symbol& x, const std::string& name, int filters, int stride, bool project) {
  Symbol a = conv_bn(x, name + "_a", filters, stride, 3, true);
  Symbol b = conv_bn(a, name + "_b", filters, 1, 3, false);
  Symbol shortcut = project ? conv_bn(x, name + "_proj", filters, stride, 1, false) : x;
  Symbol sum = op("elemwise_add", name + "_add", {&b, &shortcut});
  return op("Activation", name + "_out", {&sum}, {{"act_type", "relu"}});
}

Symbol resnet18() {
  Symbol x = conv_bn(Symbol::variable("data"), "stem", 64, 1, 3, true);
  const int filters[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage)
    for (int block = 0; block < 2; ++block) {
      const bool first = block == 0 && stage > 0;
      x = basic_block(x, "s" + std::to_string(stage) + "b" + std::to_string(block), filters[stage], first ? 2 : 1, first);
    }
  Symbol pool = op("Pooling", "gap", {&x}, {{"global_pool", "True"}, {"kernel", "(1, 1)"}, {"pool_type", "avg"}});
  Symbol fc = op("FullyConnected", "fc", {&pool}, {{"num_hidden", "10"}});
  return op("SoftmaxOutput", "softmax", {&fc});
}

void report(const char* what, const sn::Executor& ex) {
  const sn::MemoryPlan& p = ex.plan();
  std::printf("%-28s steps %4zu  planned %8.1f MiB  lower bound %8.1f MiB  unshared %8.1f MiB  planned/bound %.3f  "
              "unshared/planned %.2f  in place %zu\n",
              what, ex.num_steps(), p.planned_bytes / 1048576.0, p.lower_bound_bytes / 1048576.0,
              p.unshared_bytes / 1048576.0, static_cast<double>(p.planned_bytes) / p.lower_bound_bytes,
              static_cast<double>(p.unshared_bytes) / p.planned_bytes, p.inplace_pairs);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 32;
  const int64_t image = argc > 2 ? std::atoll(argv[2]) : 32;
  const Symbol net = resnet18();
  const std::map<std::string, sn::Shape> shapes{{"data", sn::Shape{batch, 3, image, image}}};
  const auto args = net.list_arguments();
  std::vector<sn::GradReq> train(args.size(), sn::GradReq::kWrite), infer(args.size(), sn::GradReq::kNull);
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == "data" || args[i] == "softmax_label") train[i] = sn::GradReq::kNull;
  std::printf("ResNet-18 (CIFAR stem), batch %lld, %lldx%lld\n", static_cast<long long>(batch),
              static_cast<long long>(image), static_cast<long long>(image));
  sn::ExecutorOptions mirror;
  mirror.mirror = true;
  {
    auto ex = sn::Executor::simple_bind(net, sn::Device::cpu(), shapes, {}, infer);
    report("inference", *ex);
  }
  {
    auto ex = sn::Executor::simple_bind(net, sn::Device::cpu(), shapes, {}, train, nullptr, mirror);
    report("training, mirror", *ex);
  }
  auto ex = sn::Executor::simple_bind(net, sn::Device::cpu(), shapes, {}, train);
  report("training", *ex);
  ex->forward(true);
  ex->backward({});
  sn::Engine::get().wait_all();
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("peak RSS after one training step: %.1f MiB\n", u.ru_maxrss / 1024.0);
  return 0;
}
