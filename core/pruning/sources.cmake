# Each pruning method is one file in methods/ (listed in methods/method_list.h); they are
# written in ScoringContext's primitives, so they build without libtorch.
file(GLOB LAMINA_METHOD_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/methods/*.cpp)
list(APPEND LAMINA_BASE_SOURCES
    ${LAMINA_METHOD_SOURCES}
    ${CMAKE_CURRENT_LIST_DIR}/cached_pruning.cpp
    ${CMAKE_CURRENT_LIST_DIR}/evo_search.cpp
    ${CMAKE_CURRENT_LIST_DIR}/merge_formula.cpp
    ${CMAKE_CURRENT_LIST_DIR}/plan.cpp
    ${CMAKE_CURRENT_LIST_DIR}/plan_repair.cpp
    ${CMAKE_CURRENT_LIST_DIR}/plan_edit.cpp
    ${CMAKE_CURRENT_LIST_DIR}/prune_options.cpp
    ${CMAKE_CURRENT_LIST_DIR}/trajectory.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sweep_records.cpp
    ${CMAKE_CURRENT_LIST_DIR}/trajectory_records.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit_set.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/apply_plan.cpp
    ${CMAKE_CURRENT_LIST_DIR}/repair_fit.cpp
    ${CMAKE_CURRENT_LIST_DIR}/repair_fold.cpp
    ${CMAKE_CURRENT_LIST_DIR}/merge.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/greedy.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_scoring_context.cpp
    ${CMAKE_CURRENT_LIST_DIR}/prune_compute.cpp
    ${CMAKE_CURRENT_LIST_DIR}/shared_scoring.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/slm.cpp
    ${CMAKE_CURRENT_LIST_DIR}/slm_evaluator.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/export.cpp
    ${CMAKE_CURRENT_LIST_DIR}/export_config.cpp
    ${CMAKE_CURRENT_LIST_DIR}/export_tensors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/export_writer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gguf_export.cpp
)
