// The registered pruning methods, in menu order: LAMINA_METHOD(id) for the MethodTraits
// `id` defined in methods/<id>.cpp. Adding a method is its file plus one line here.
LAMINA_METHOD(finercut)
LAMINA_METHOD(shortenedPpl)
LAMINA_METHOD(shortenedTaylor)
LAMINA_METHOD(slm)
LAMINA_METHOD(shortgpt)
LAMINA_METHOD(angular)
LAMINA_METHOD(sleb)
LAMINA_METHOD(blockpruner)
LAMINA_METHOD(llmDrop)
LAMINA_METHOD(evo)
