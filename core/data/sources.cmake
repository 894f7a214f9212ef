list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/calibration.cpp
    ${CMAKE_CURRENT_LIST_DIR}/token_windows.cpp
)
