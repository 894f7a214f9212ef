/* A shared object that leaves a mark when anything loads it: test_no_code_execution puts it
   where a careless loader would pick it up (HDF5's plugin path, a model directory). */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void leaveMark(void) {
    const char* path = getenv("LAMINA_CODE_MARKER");
    FILE* f = path ? fopen(path, "a") : NULL;
    if (f) {
        fputs("loaded\n", f);
        fclose(f);
    }
}
