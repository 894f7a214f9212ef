list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/patches.cpp
    ${CMAKE_CURRENT_LIST_DIR}/analysis_options.cpp
    ${CMAKE_CURRENT_LIST_DIR}/analysis_records.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cached_analysis.cpp
    ${CMAKE_CURRENT_LIST_DIR}/divergence.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/analyzer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cka.cpp
    ${CMAKE_CURRENT_LIST_DIR}/compute_missing.cpp
    ${CMAKE_CURRENT_LIST_DIR}/distribution_distance.cpp
    ${CMAKE_CURRENT_LIST_DIR}/similarity_accumulator.cpp
    ${CMAKE_CURRENT_LIST_DIR}/removal_compare.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit_removal.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit_removal_layered.cpp
    ${CMAKE_CURRENT_LIST_DIR}/weight_scores.cpp
)
