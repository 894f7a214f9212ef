list(APPEND LAMINA_BASE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/added_tokens.cpp
    ${CMAKE_CURRENT_LIST_DIR}/bpe_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/byte_level.cpp
    ${CMAKE_CURRENT_LIST_DIR}/decoders.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gguf_bpe.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gguf_vocab.cpp
    ${CMAKE_CURRENT_LIST_DIR}/hf_tokenizer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/llama2c_tokenizer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/merge_table.cpp
    ${CMAKE_CURRENT_LIST_DIR}/normalizers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pattern.cpp
    ${CMAKE_CURRENT_LIST_DIR}/post_processors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pre_tokenizers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tokenizer_for_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/utf8.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vocab_index.cpp
)
