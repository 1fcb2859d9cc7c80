// Engine costs (PERF.md): empty-op push-to-completion amortised, push -> wait
// latency (p50/p99), and a chain of 10^5 dependent tiny ops + wait_all.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "engine/engine.h"

namespace {

std::unique_ptr<sn::Engine> make(sn::EngineKind kind) {
  sn::EngineConfig config;
  config.kind = kind;
  return sn::Engine::create(config);
}

// Independent empty ops, pushed then waited for together: cost per op.
void BM_EmptyOpPushToCompletion(benchmark::State& state) {
  auto engine = make(static_cast<sn::EngineKind>(state.range(0)));
  constexpr int kOps = 10000;
  std::vector<sn::VarHandle> vars(64);
  for (auto& v : vars) v = engine->new_var();
  for (auto _ : state) {
    for (int i = 0; i < kOps; ++i) engine->push([](const sn::RunContext&) {}, sn::Device::cpu(), {}, {&vars[i % 64], 1});
    engine->wait_all();
  }
  state.SetItemsProcessed(state.iterations() * kOps);
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(state.iterations()) * kOps,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
                                                   benchmark::Counter::kIs1000);
  for (auto v : vars) engine->delete_var(v);
}
BENCHMARK(BM_EmptyOpPushToCompletion)->Arg(0)->Arg(1)->ArgName("naive")->UseRealTime();

// 10^5 tiny ops each reading and writing one variable (a dependent chain), then wait_all.
void BM_DependentTinyOps(benchmark::State& state) {
  auto engine = make(static_cast<sn::EngineKind>(state.range(0)));
  constexpr int kOps = 100000;
  sn::VarHandle v = engine->new_var();
  float x = 0;
  for (auto _ : state) {
    for (int i = 0; i < kOps; ++i) engine->push([&x](const sn::RunContext&) { x += 1; }, sn::Device::cpu(), {&v, 1}, {&v, 1});
    engine->wait_all();
  }
  benchmark::DoNotOptimize(x);
  state.SetItemsProcessed(state.iterations() * kOps);
  engine->delete_var(v);
}
BENCHMARK(BM_DependentTinyOps)->Arg(0)->Arg(1)->ArgName("naive")->UseRealTime()->Unit(benchmark::kMillisecond);

// One tiny op pushed, then waited for: latency percentiles over many samples.
void BM_PushWaitLatency(benchmark::State& state) {
  auto engine = make(sn::EngineKind::kThreaded);
  sn::VarHandle v = engine->new_var();
  std::vector<double> samples;
  samples.reserve(200000);
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    engine->push([](const sn::RunContext&) {}, sn::Device::cpu(), {}, {&v, 1});
    engine->wait_for_var(v);
    samples.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) { return samples[std::min(samples.size() - 1, static_cast<size_t>(p * samples.size()))]; };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  engine->delete_var(v);
}
BENCHMARK(BM_PushWaitLatency)->UseRealTime();

}  // namespace
