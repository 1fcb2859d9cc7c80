# Compiler settings shared by every native target.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 11)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_C_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  message(FATAL_ERROR "Sharpnet builds with GCC or Clang; got ${CMAKE_CXX_COMPILER_ID}")
endif()

# Note [ISA baseline]
# The linux-x64 binary targets x86-64-v3 (AVX2, FMA, F16C). Code that pays off
# with AVX-512 lives in files named *_avx512.cc, compiled with the flags below
# and chosen at run time (core/cpu_features.h); oneDNN dispatches on its own.
set(SHARPNET_ISA_BASELINE_FLAGS -march=x86-64-v3 -mtune=generic)
set(SHARPNET_ISA_AVX512_FLAGS -mavx512f -mavx512bw -mavx512vl -mavx512dq)
# GCC 12 warns inside its own AVX-512 intrinsics (_mm512_undefined_*), GCC bug 105593, fixed in 13.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND SHARPNET_ISA_AVX512_FLAGS -Wno-maybe-uninitialized)
endif()
if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(SHARPNET_ISA_BASELINE_FLAGS "")
  set(SHARPNET_ISA_AVX512_FLAGS "")
endif()

add_library(sharpnet_compile_options INTERFACE)
target_compile_options(sharpnet_compile_options INTERFACE
  ${SHARPNET_ISA_BASELINE_FLAGS}
  -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
  $<$<BOOL:${SHARPNET_WERROR}>:-Werror>
  -fno-math-errno
  # GCC 12 reports -Wrestrict inside libstdc++'s std::string operator+ at -O3 (GCC bug 105329, fixed in 13).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
target_link_options(sharpnet_compile_options INTERFACE -Wl,--as-needed)

if(SHARPNET_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHARPNET_BUILD_FUZZERS needs clang (libFuzzer); configure with CXX=clang++-14 CC=clang-14")
  endif()
  target_compile_options(sharpnet_compile_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(SHARPNET_SANITIZE)
  # -O1 -g1 (after the build type's flags, so they win): line tables are all a sanitizer report needs, and the op
  # catalogue's dtype-dispatched templates build 2.5x faster than at -O2 -g (measured: elemwise_binary.cc
  # 178 s -> 69 s under ASan+UBSan), which keeps the CI stage within its budget.
  set(_san_flags -fsanitize=${SHARPNET_SANITIZE} -fno-omit-frame-pointer -O1 -g1)
  if(SHARPNET_SANITIZE MATCHES "undefined")
    list(APPEND _san_flags -fno-sanitize-recover=all)
  endif()
  target_compile_options(sharpnet_compile_options INTERFACE ${_san_flags})
  target_link_options(sharpnet_compile_options INTERFACE ${_san_flags})
endif()
