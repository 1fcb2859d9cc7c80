# Build options. Defaults are what CI and the NuGet runtime package use.
option(SHARPNET_USE_CUDA "Build the CUDA backend (.cu siblings of op files, cuBLAS/cuDNN)" OFF)
option(SHARPNET_USE_MPI "Build the MPI-based distributed KVStore" OFF)
option(SHARPNET_BUILD_TESTS "Build the native GoogleTest suite" ON)
option(SHARPNET_BUILD_BENCHMARKS "Build the native Google Benchmark targets" ON)
option(SHARPNET_WERROR "Treat compiler warnings as errors" OFF)
option(SHARPNET_BUILD_FUZZERS "Build the libFuzzer targets (clang; instruments every native object)" OFF)
set(SHARPNET_SANITIZE "" CACHE STRING "Sanitizers for native code and tests: address, thread, undefined, address,undefined or empty")
set_property(CACHE SHARPNET_SANITIZE PROPERTY STRINGS "" address thread undefined "address,undefined")

if(NOT SHARPNET_SANITIZE MATCHES "^(|address|thread|undefined|address,undefined)$")
  message(FATAL_ERROR "SHARPNET_SANITIZE expects address, thread, undefined, address,undefined or empty, got '${SHARPNET_SANITIZE}'")
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
