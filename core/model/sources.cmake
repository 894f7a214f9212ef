list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/ablation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
    ${CMAKE_CURRENT_LIST_DIR}/config.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dtype.cpp
    ${CMAKE_CURRENT_LIST_DIR}/family.cpp
    ${CMAKE_CURRENT_LIST_DIR}/families/llama.cpp
    ${CMAKE_CURRENT_LIST_DIR}/families/mistral.cpp
    ${CMAKE_CURRENT_LIST_DIR}/families/nemotron_nas.cpp
    ${CMAKE_CURRENT_LIST_DIR}/families/qwen2.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fingerprint.cpp
    ${CMAKE_CURRENT_LIST_DIR}/llama2c_header.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_summary.cpp
    ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unit.cpp
)
list(APPEND LAMINA_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/forward.cpp
    ${CMAKE_CURRENT_LIST_DIR}/generation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hf_loader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/llama2c.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/page_release.cpp
    ${CMAKE_CURRENT_LIST_DIR}/rope.cpp
    ${CMAKE_CURRENT_LIST_DIR}/safetensors_writer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/weight_loader.cpp
)
