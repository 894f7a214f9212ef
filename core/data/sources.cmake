list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/calibration.cpp
    ${CMAKE_CURRENT_LIST_DIR}/calibration_request.cpp
    ${CMAKE_CURRENT_LIST_DIR}/token_windows.cpp
    ${CMAKE_CURRENT_LIST_DIR}/zeroshot_tasks.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/generate_calibration.cpp
    ${CMAKE_CURRENT_LIST_DIR}/window_ids.cpp
)
