/* Test plugin linked against a library that is removed before loading: dlopen must fail
 * with dlerror() and the ldd hint. */
int missing_dep_symbol(void);
__attribute__((visibility("default"))) int call_it(void);
__attribute__((visibility("default"))) int call_it(void) { return missing_dep_symbol(); }
