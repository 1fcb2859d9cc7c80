# Third-party dependencies, all from Debian packages (scripts/test.sh installs them).
find_package(Threads REQUIRED)

# oneDNN 2.6 from libdnnl-dev; its CMake config lives in the multiarch lib dir.
find_package(dnnl 2.6 CONFIG REQUIRED HINTS /usr/lib/x86_64-linux-gnu/cmake/dnnl)
find_package(OpenMP REQUIRED COMPONENTS CXX)

if(SHARPNET_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SHARPNET_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

if(SHARPNET_USE_CUDA)
  # Kernels live in .cu siblings of their op files (native/src/ops/<family>/*.cu).
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "SHARPNET_USE_CUDA=ON but no CUDA compiler was found: install the CUDA toolkit or set CMAKE_CUDA_COMPILER")
  endif()
  enable_language(CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  set(CMAKE_CUDA_STANDARD 20)
  find_package(CUDAToolkit REQUIRED)
endif()

if(SHARPNET_USE_MPI)
  find_package(MPI REQUIRED COMPONENTS CXX)
endif()
