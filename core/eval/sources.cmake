list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/eval_protocol.cpp
    ${CMAKE_CURRENT_LIST_DIR}/eval_records.cpp
    ${CMAKE_CURRENT_LIST_DIR}/eval_table.cpp
    ${CMAKE_CURRENT_LIST_DIR}/loglikelihood_request.cpp
    ${CMAKE_CURRENT_LIST_DIR}/zeroshot_metrics.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/loglikelihood.cpp
    ${CMAKE_CURRENT_LIST_DIR}/perplexity.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_evaluation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/zeroshot.cpp
)
