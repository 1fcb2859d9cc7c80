# sharpnet_add_layer(<name> [DEPENDS <layers...>] [LIBS <libs...>])
#
# One object library per folder native/src/<name>. Sources are globbed so that
# adding an op touches only its own files. Files named *_avx512.cc get the
# AVX-512 flags (Note [ISA baseline]); *.cu files join only in CUDA builds.
# Every layer's objects are collected in SHARPNET_LAYERS for the final libraries.
#
# Note [Compile time]
# scripts/build-times.sh lists the slowest translation units. Measured on the
# 2-core CI class: including oneDNN's dnnl.hpp costs ~0.8 s per TU at -O3, so
# op families that use it get target_precompile_headers(<oneapi/dnnl/dnnl.hpp>)
# once they hold more than a handful of such TUs; kernels are instantiated only
# for the dtypes each op lists (Note [Explicit dtype tables]).
function(sharpnet_add_layer name)
  cmake_parse_arguments(L "" "" "DEPENDS;LIBS" ${ARGN})
  set(dir "${PROJECT_SOURCE_DIR}/native/src/${name}")
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS "${dir}/*.cc")
  if(SHARPNET_USE_CUDA)
    file(GLOB_RECURSE cu_srcs CONFIGURE_DEPENDS "${dir}/*.cu")
    list(APPEND srcs ${cu_srcs})
  endif()
  if(NOT srcs)
    message(FATAL_ERROR "layer '${name}' has no sources in ${dir}")
  endif()
  set(target sharpnet_${name})
  add_library(${target} OBJECT ${srcs})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/native/src" "${PROJECT_SOURCE_DIR}/native/include")
  target_compile_definitions(${target} PRIVATE SHARPNET_BUILDING_LIBRARY)
  target_link_libraries(${target} PUBLIC sharpnet_compile_options)
  foreach(dep IN LISTS L_DEPENDS)
    target_link_libraries(${target} PUBLIC sharpnet_${dep})
  endforeach()
  if(L_LIBS)
    target_link_libraries(${target} PUBLIC ${L_LIBS})
  endif()
  foreach(src IN LISTS srcs)
    if(src MATCHES "_avx512\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${SHARPNET_ISA_AVX512_FLAGS}")
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY SHARPNET_LAYERS ${target})
endfunction()
