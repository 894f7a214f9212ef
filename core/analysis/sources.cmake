list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/patches.cpp
    ${CMAKE_CURRENT_LIST_DIR}/analysis_options.cpp
    ${CMAKE_CURRENT_LIST_DIR}/analysis_records.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cached_analysis.cpp
    ${CMAKE_CURRENT_LIST_DIR}/divergence.cpp
    ${CMAKE_CURRENT_LIST_DIR}/metric.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/analyzer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cka.cpp
    ${CMAKE_CURRENT_LIST_DIR}/compute_missing.cpp
    ${CMAKE_CURRENT_LIST_DIR}/distribution_distance.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fused_log_terms.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_comparison.cpp
    ${CMAKE_CURRENT_LIST_DIR}/similarity_accumulator.cpp
    ${CMAKE_CURRENT_LIST_DIR}/removal_compare.cpp
    ${CMAKE_CURRENT_LIST_DIR}/removal_streams.cpp
    ${CMAKE_CURRENT_LIST_DIR}/set_scoring.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit_removal.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit_removal_layered.cpp
    ${CMAKE_CURRENT_LIST_DIR}/weight_scores.cpp
)
# Its loops vectorise only at -O3 and when GCC may if-convert floating-point selects, which
# -fno-trapping-math allows (it changes no value: FP exceptions are never inspected here).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/fused_log_terms.cpp
    PROPERTIES COMPILE_OPTIONS "-O3;-fno-trapping-math")
# at::parallel_for is a header template whose OpenMP pragma compiles into the caller: without
# -fopenmp here the fused rows would run on one thread (libtorch's own runtime is libgomp).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/distribution_distance.cpp
    PROPERTIES COMPILE_OPTIONS "${OpenMP_CXX_FLAGS}")
