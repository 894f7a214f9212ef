list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/file_lock.cpp
    ${CMAKE_CURRENT_LIST_DIR}/file_ops.cpp
    ${CMAKE_CURRENT_LIST_DIR}/child_check.cpp
    ${CMAKE_CURRENT_LIST_DIR}/global_heap_check.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hdf5_arrays.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hdf5_attributes.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hdf5_handles.cpp
    ${CMAKE_CURRENT_LIST_DIR}/result_group.cpp
    ${CMAKE_CURRENT_LIST_DIR}/result_meta.cpp
    ${CMAKE_CURRENT_LIST_DIR}/results_store.cpp
    ${CMAKE_CURRENT_LIST_DIR}/store_file.cpp
    ${CMAKE_CURRENT_LIST_DIR}/temp_file.cpp
)
