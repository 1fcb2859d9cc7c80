// Calling-thread cost of tiny asynchronous NDArray ops through the C ABI
// (what C# pays below the P/Invoke): pushes only; the engine drains untimed.
#include <benchmark/benchmark.h>

#include "sharpnet/c_api.h"

namespace {

void BM_AbiFillPush(benchmark::State& state) {
  int64_t one = 1;
  sn_ndarray_t a = nullptr;
  sn_ndarray_create(&one, 1, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &a);
  constexpr int kBatch = 20000;  // under the pending bound: no back-pressure
  int64_t pushes = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) sn_ndarray_fill(a, i);
    pushes += kBatch;
    state.PauseTiming();
    sn_engine_wait_all();
    state.ResumeTiming();
  }
  state.counters["ns_per_push"] =
      benchmark::Counter(static_cast<double>(pushes), benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
                         benchmark::Counter::kIs1000);
  sn_ndarray_free(a);
}
BENCHMARK(BM_AbiFillPush)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

int32_t find_op(const char* name) {
  int32_t id = -1;
  sn_op_find(name, &id);
  return id;
}

// Calling-thread cost of `a += b` on 1-element arrays through the operator ABI: a prepared
// broadcast_add call with `a` as its out array (what NDArray's += does below the P/Invoke).
void BM_AbiInplaceAddPush(benchmark::State& state) {
  int64_t one = 1;
  sn_ndarray_t ab[2] = {nullptr, nullptr};
  for (auto& h : ab) {
    sn_ndarray_create(&one, 1, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &h);
    sn_ndarray_fill(h, 1);
  }
  sn_op_call_t call = nullptr;
  sn_op_call_create(find_op("broadcast_add"), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, &call);
  constexpr int kBatch = 20000;
  int64_t pushes = 0;
  sn_ndarray_t result = nullptr;
  int32_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i)
      sn_op_call_invoke(call, ab, 2, ab, 1, 0, SN_DEVICE_CPU, 0, &result, 1, &n);
    pushes += kBatch;
    state.PauseTiming();
    sn_engine_wait_all();
    state.ResumeTiming();
  }
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(pushes), benchmark::Counter::kIsRate |
                                                   benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
  sn_op_call_free(call);
  for (auto h : ab) sn_ndarray_free(h);
}
BENCHMARK(BM_AbiInplaceAddPush)->UseRealTime()->Unit(benchmark::kMillisecond);

// y = x * 2 into a new array (created and freed each time), typed one-shot invoke, with the
// recording flag off or on (x has an attached gradient): the difference is the tape's cost.
void BM_AbiScalarMulNewArray(benchmark::State& state) {
  const bool record = state.range(0) != 0;
  int64_t one = 1;
  sn_ndarray_t x = nullptr;
  sn_ndarray_create(&one, 1, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &x);
  sn_ndarray_fill(x, 1);
  sn_autograd_attach_grad(x, SN_GRAD_WRITE, nullptr);
  const int32_t mul = find_op("_mul_scalar");
  sn_param p{};
  p.kind = SN_VALUE_FLOAT;
  p.f = 2;
  constexpr int kBatch = 20000;
  int64_t ops = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      sn_ndarray_t y = nullptr;
      int32_t n = 0;
      sn_op_invoke(mul, &p, 1, nullptr, 0, nullptr, 0, nullptr, 0, &x, 1, nullptr, 0, record ? SN_INVOKE_RECORDING : 0,
                   SN_DEVICE_CPU, 0, &y, 1, &n);
      sn_ndarray_free(y);
    }
    ops += kBatch;
    state.PauseTiming();
    sn_engine_wait_all();
    state.ResumeTiming();
  }
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsRate |
                                                   benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
  sn_ndarray_free(x);
}
BENCHMARK(BM_AbiScalarMulNewArray)->Arg(0)->Arg(1)->ArgName("record")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
